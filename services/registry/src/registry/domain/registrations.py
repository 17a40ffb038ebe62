"""A person's registration: number, status with its history, and the current cycle."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from registry.domain.cycles import DEFAULT_CYCLE_YEARS, DEFAULT_MAX_EXTENSION_WEEKS, Cycle, Extension
from registry.domain.registration_number import RegistrationNumber
from registry.domain.status import IllegalStatusTransition, RegistrationStatus, StatusChange, transition


@dataclass(frozen=True, slots=True)
class Registration:
    """The registration of one person. It exists from the first approval on; history is append-only.

    ``registered_since`` is the date of the approval that started the current uninterrupted registration
    (a re-entry after expiry starts it anew).
    """

    person_id: UUID
    number: RegistrationNumber
    status: RegistrationStatus
    registered_since: date
    cycle: Cycle
    history: tuple[StatusChange, ...] = ()

    @property
    def valid_until(self) -> date | None:
        """The last day of the current cycle; ``None`` once struck off, as the registration has no validity.

        An expired registration still reports the day its last cycle ended, which the public register shows.
        """
        if self.status is RegistrationStatus.STRUCK_OFF:
            return None
        return self.cycle.end

    def change_status(
        self, to: RegistrationStatus, *, at: datetime, by: str, reason: str | None = None
    ) -> Registration:
        """Return the registration moved to ``to`` with the change appended to its history.

        Raises :class:`~registry.domain.status.IllegalStatusTransition` for a move the table forbids.
        """
        new_status, change = transition(self.status, to, at=at, by=by, reason=reason)
        return replace(self, status=new_status, history=(*self.history, change))

    def renew(self, *, at: datetime, by: str, cycle_years: int = DEFAULT_CYCLE_YEARS) -> Registration:
        """Grant re-registration: back to registered, the next cycle starting the day after this one ends."""
        if self.status is not RegistrationStatus.REREGISTRATION_PENDING:
            # Lifting a suspension is also "-> registered" in the table; it must not open a new cycle.
            raise IllegalStatusTransition(
                self.status, RegistrationStatus.REGISTERED, "Only a pending re-registration can be granted."
            )
        moved = self.change_status(RegistrationStatus.REGISTERED, at=at, by=by, reason="re-registration granted")
        return replace(moved, cycle=self.cycle.next(cycle_years))

    def extend_cycle(
        self, extension: Extension, *, max_weeks_per_case: int = DEFAULT_MAX_EXTENSION_WEEKS
    ) -> Registration:
        """Return the registration with its current cycle extended (illness or pregnancy)."""
        return replace(self, cycle=self.cycle.extended(extension, max_weeks_per_case=max_weeks_per_case))


# An expired registration has no cycle left to extend (re-entry starts a new one); struck off is final.
_NOT_EXTENDABLE = frozenset({RegistrationStatus.EXPIRED, RegistrationStatus.STRUCK_OFF, RegistrationStatus.APPLIED})


def has_cycle_to_extend(status: RegistrationStatus) -> bool:
    """Whether the office can extend (or refuse to extend) the registration's current cycle."""
    return status not in _NOT_EXTENDABLE
