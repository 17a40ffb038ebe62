"""Checking provider-placed entries: the professional confirms or disputes each within the scheme's window.

Silence is acceptance: an entry left unchecked until its window closes stays ``placed`` and keeps counting, and
can no longer be confirmed or disputed. Only entries a provider placed are checked this way; approved teaching
was claimed by the professional, and self-entered work is checked by the audit instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from portfolio.domain.activities import ActivitySource, EntryState

__all__ = [
    "CheckNotAllowed",
    "check_deadline",
    "confirmed_state",
    "disputed_state",
    "is_awaiting_check",
]


class CheckNotAllowed(ValueError):
    """A confirm or dispute that the rules do not allow; ``code`` names the rule that refused it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_deadline(placed_on: date, window_days: int) -> date:
    """The last day on which an entry placed on ``placed_on`` can be confirmed or disputed."""
    return placed_on + timedelta(days=window_days)


def is_awaiting_check(
    source: ActivitySource, state: EntryState, placed_on: date, window_days: int, today: date
) -> bool:
    """Whether the professional can still confirm or dispute this entry (placed by a provider, window open)."""
    return (
        source is ActivitySource.PROVIDER_PLACED
        and state is EntryState.PLACED
        and today <= check_deadline(placed_on, window_days)
    )


def _require_checkable(source: ActivitySource, placed_on: date, window_days: int, today: date) -> None:
    if source is not ActivitySource.PROVIDER_PLACED:
        raise CheckNotAllowed("not_provider_placed", "only entries placed by a provider are confirmed or disputed")
    deadline = check_deadline(placed_on, window_days)
    if today > deadline:
        raise CheckNotAllowed(
            "check_window_closed",
            f"the window to check this entry closed on {deadline.isoformat()}; it counts as accepted",
        )


def confirmed_state(
    source: ActivitySource, state: EntryState, placed_on: date, window_days: int, today: date
) -> EntryState | None:
    """The state after a confirm, or None when the entry is already confirmed (a repeated click changes nothing).

    Raises :class:`CheckNotAllowed` for entries that are not provider-placed, outside the window, disputed
    (a dispute is resolved by the provider, not withdrawn here) or voided.
    """
    if state is EntryState.CONFIRMED and source is ActivitySource.PROVIDER_PLACED:
        return None
    _require_checkable(source, placed_on, window_days, today)
    if state is not EntryState.PLACED:
        raise CheckNotAllowed(f"already_{state.value}", f"an entry that is {state.value} cannot be confirmed")
    return EntryState.CONFIRMED


def disputed_state(
    source: ActivitySource, state: EntryState, placed_on: date, window_days: int, today: date
) -> EntryState:
    """The state after a dispute. A confirmed entry may still be disputed within the window (the professional may
    notice a mistake after confirming); a disputed or voided one may not.
    """
    _require_checkable(source, placed_on, window_days, today)
    if state not in (EntryState.PLACED, EntryState.CONFIRMED):
        raise CheckNotAllowed(f"already_{state.value}", f"an entry that is {state.value} cannot be disputed")
    return EntryState.DISPUTED
