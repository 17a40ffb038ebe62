"""Registration status, the transitions the register allows, and the history record of each change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class RegistrationStatus(StrEnum):
    """Where a registration stands. Only the statuses after ``applied`` are ever publicly visible."""

    APPLIED = "applied"
    REGISTERED = "registered"
    REREGISTRATION_PENDING = "reregistration_pending"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    STRUCK_OFF = "struck_off"


_S = RegistrationStatus

# Why each edge exists:
# - applied -> registered: the office approves the application (a rejection leaves the status at applied;
#   the decision itself is kept on the application).
# - registered -> reregistration_pending: a timely re-registration application; it keeps the person
#   registered until the decision.
# - reregistration_pending -> registered: re-registration granted (the next cycle opens).
# - registered / reregistration_pending / suspended -> expired: the cycle ended without a granted
#   re-registration.
# - expired -> registered: re-entry, which is a new application approved by the office (a new first cycle).
# - any active status -> suspended / struck_off: office measures; suspended -> the status it interrupted.
# - struck_off is final: coming back would need an office decision outside these rules.
ALLOWED_TRANSITIONS: Final[Mapping[RegistrationStatus, frozenset[RegistrationStatus]]] = MappingProxyType(
    {
        _S.APPLIED: frozenset({_S.REGISTERED}),
        _S.REGISTERED: frozenset({_S.REREGISTRATION_PENDING, _S.EXPIRED, _S.SUSPENDED, _S.STRUCK_OFF}),
        _S.REREGISTRATION_PENDING: frozenset({_S.REGISTERED, _S.EXPIRED, _S.SUSPENDED, _S.STRUCK_OFF}),
        _S.SUSPENDED: frozenset({_S.REGISTERED, _S.REREGISTRATION_PENDING, _S.EXPIRED, _S.STRUCK_OFF}),
        _S.EXPIRED: frozenset({_S.REGISTERED}),
        _S.STRUCK_OFF: frozenset(),
    }
)

# Office measures against a person must be motivated: the person may ask for reconsideration.
REASON_REQUIRED: Final = frozenset({_S.SUSPENDED, _S.STRUCK_OFF})


class IllegalStatusTransition(ValueError):
    """A status change the table does not allow, or one lacking required data."""

    def __init__(self, from_status: RegistrationStatus, to_status: RegistrationStatus, message: str) -> None:
        super().__init__(message)
        self.from_status = from_status
        self.to_status = to_status
        self.message = message


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of the status history: who moved the registration from what to what, when and why."""

    from_status: RegistrationStatus
    to_status: RegistrationStatus
    at: datetime
    by: str  # actor reference: a person id, "office:<id>", or "system" for scheduled expiry
    reason: str | None = None


def can_transition(from_status: RegistrationStatus, to_status: RegistrationStatus) -> bool:
    """Return whether the table allows moving from ``from_status`` to ``to_status``."""
    return to_status in ALLOWED_TRANSITIONS[from_status]


def transition(
    current: RegistrationStatus,
    to: RegistrationStatus,
    *,
    at: datetime,
    by: str,
    reason: str | None = None,
) -> tuple[RegistrationStatus, StatusChange]:
    """Move ``current`` to ``to``, returning the new status and the history record to keep.

    Raises :class:`IllegalStatusTransition` when the move is not in :data:`ALLOWED_TRANSITIONS`, when
    ``at`` carries no time zone (history must be unambiguous across servers), when ``by`` is blank, or
    when a suspension or striking off comes without a reason.
    """
    if not can_transition(current, to):
        raise IllegalStatusTransition(current, to, f"A registration cannot go from {current} to {to}.")
    if at.tzinfo is None or at.utcoffset() is None:
        raise IllegalStatusTransition(current, to, "A status change needs a time-zone-aware timestamp.")
    if not by.strip():
        raise IllegalStatusTransition(current, to, "A status change must name who made it.")
    cleaned_reason = reason.strip() if reason is not None else None
    if to in REASON_REQUIRED and not cleaned_reason:
        raise IllegalStatusTransition(current, to, f"Changing a registration to {to} requires a reason.")
    return to, StatusChange(from_status=current, to_status=to, at=at, by=by, reason=cleaned_reason or None)
