"""Changes a person makes to their own data in Mijn LKLR, and the eligibility notice a change may raise.

A registered professional whose hours drop below the scheme's minimum is not struck off by the system: the
change is accepted and recorded as a notice for the office, which decides what follows (the rules leave that
to the office).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from registry.domain.applications import MAXIMUM_HOURS_PER_WEEK
from registry.domain.people import EmployerKind, Role


class InvalidPersonChange(ValueError):
    """A change that cannot be accepted; ``field`` names the offending attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class WorkDetails:
    """What the person told the register about their work (``None`` until they applied or filled it in)."""

    initials: str
    surname: str
    roles: frozenset[Role]
    employer_name: str | None = None
    employer_kind: EmployerKind | None = None
    hours_per_week: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PersonChange:
    """The fields a person asked to change; ``None`` leaves a field as it is."""

    initials: str | None = None
    surname: str | None = None
    roles: frozenset[Role] | None = None
    employer_name: str | None = None
    employer_kind: EmployerKind | None = None
    hours_per_week: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """The details after the change, and whether the change took the hours below the minimum."""

    details: WorkDetails
    dropped_below_minimum: bool


def _hours(value: Decimal) -> Decimal:
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise InvalidPersonChange("hours_per_week", f"{value!r} is not a number of hours per week.") from exc
    if not hours.is_finite() or not Decimal(0) < hours <= MAXIMUM_HOURS_PER_WEEK:
        raise InvalidPersonChange("hours_per_week", f"{value} is not a number of hours per week.")
    return hours


def apply_change(
    current: WorkDetails, change: PersonChange, *, minimum_hours_per_week: Decimal, registered: bool
) -> ChangeOutcome:
    """Apply ``change`` to ``current`` or raise :class:`InvalidPersonChange`.

    A registered person must keep at least one role (their registration is for a role). A drop below the
    minimum is reported only when the hours go from at-or-above (or unknown) to below it: staying below does
    not raise a second notice for the same situation.
    """
    updated = current
    if change.initials is not None:
        initials = " ".join(change.initials.split())
        if not initials:
            raise InvalidPersonChange("initials", "Initials are required.")
        updated = replace(updated, initials=initials)
    if change.surname is not None:
        surname = " ".join(change.surname.split())
        if not surname:
            raise InvalidPersonChange("surname", "A surname is required.")
        updated = replace(updated, surname=surname)
    if change.roles is not None:
        if registered and not change.roles:
            raise InvalidPersonChange("roles", "A registered professional keeps at least one role.")
        updated = replace(updated, roles=frozenset(change.roles))
    if change.employer_name is not None:
        employer_name = " ".join(change.employer_name.split())
        if not employer_name:
            raise InvalidPersonChange("employer_name", "Name the employer.")
        updated = replace(updated, employer_name=employer_name)
    if change.employer_kind is not None:
        updated = replace(updated, employer_kind=change.employer_kind)
    if change.hours_per_week is not None:
        updated = replace(updated, hours_per_week=_hours(change.hours_per_week))
    return ChangeOutcome(
        details=updated,
        dropped_below_minimum=dropped_below_minimum(
            current.hours_per_week, updated.hours_per_week, minimum_hours_per_week
        ),
    )


def dropped_below_minimum(before: Decimal | None, after: Decimal | None, minimum: Decimal) -> bool:
    """Whether hours went from at-or-above the minimum (or unknown) to below it."""
    if after is None or after >= minimum:
        return False
    return before is None or before >= minimum


def is_below_minimum(hours: Decimal | None, minimum: Decimal) -> bool:
    """Whether known hours are below the minimum (unknown hours are not judged)."""
    return hours is not None and hours < minimum


def hours_have_cents_at_most(hours: Decimal) -> bool:
    """Hours are stored with two decimals; more precision is refused rather than silently rounded."""
    exponent = hours.normalize().as_tuple().exponent if hours.is_finite() else 0
    return not isinstance(exponent, int) or exponent >= -2
