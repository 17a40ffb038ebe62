"""Whether a person was registered on a given day, from the registry's events held as a status history.

The registry announces a registration (RegistrationGranted, effective from ``registered_since``) and every
later status change (RegistrationStatusChanged, effective on ``effective_on``). Events can arrive out of order,
so the history is ordered by effective date (ties by when the registry said it), never by arrival.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

# A timely re-registration application keeps the professional registered until the decision (domain rules),
# so "re-registration pending" counts as registered. Suspended, expired and struck-off people are not.
REGISTERED_STATUSES: Final = frozenset({"registered", "reregistration_pending"})


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One step of a person's registration history: from ``effective_on`` the status is ``status``."""

    effective_on: date
    status: str
    occurred_at: datetime


def status_on(history: Iterable[StatusEntry], day: date) -> str | None:
    """Return the registration status in force on ``day``, or None before the first entry."""
    in_force: StatusEntry | None = None
    for entry in history:
        if entry.effective_on > day:
            continue
        if in_force is None or (entry.effective_on, entry.occurred_at) >= (in_force.effective_on, in_force.occurred_at):
            in_force = entry
    return in_force.status if in_force is not None else None


def is_registered_on(history: Iterable[StatusEntry], day: date) -> bool:
    """Return whether the person counted as registered on ``day``."""
    return status_on(history, day) in REGISTERED_STATUSES


def current_status(history: Iterable[StatusEntry]) -> str | None:
    """Return the latest status, whatever its effective date (for the read model's ``status`` column)."""
    return status_on(history, date.max)
