"""Registration applications: what a professional submits, and the office's approve/reject decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

from registry.domain.cycles import DEFAULT_CYCLE_YEARS, Cycle
from registry.domain.people import EmployerKind, Role
from registry.domain.registration_number import issue_number
from registry.domain.registrations import Registration
from registry.domain.status import RegistrationStatus, StatusChange, transition

DEFAULT_MINIMUM_HOURS_PER_WEEK = Decimal(16)
# Upper bound only to catch typing slips (160 instead of 16); there are 168 hours in a week.
MAXIMUM_HOURS_PER_WEEK = Decimal(168)


class ApplicationStatus(StrEnum):
    """Where an application stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApplicationProblem(StrEnum):
    """Stable codes for what is wrong with an application, one per rule."""

    NO_ROLE = "no_role"
    EMPLOYER_NAME_MISSING = "employer_name_missing"
    HOURS_INVALID = "hours_invalid"
    TOO_FEW_HOURS = "too_few_hours"
    DECLARATION_NOT_ACCEPTED = "declaration_not_accepted"


class InvalidApplication(ValueError):
    """An application that breaks one or more rules; all problems are reported at once."""

    def __init__(self, problems: Iterable[tuple[ApplicationProblem, str]]) -> None:
        self.problems: tuple[tuple[ApplicationProblem, str], ...] = tuple(problems)
        super().__init__("; ".join(message for _, message in self.problems))

    @property
    def codes(self) -> frozenset[ApplicationProblem]:
        """The problem codes, for callers that only branch on them."""
        return frozenset(code for code, _ in self.problems)


class DecisionError(ValueError):
    """A decision that cannot be taken: already decided, missing reason, or wrong registration."""


@dataclass(frozen=True, slots=True)
class ApplicationDecision:
    """The office's decision on an application."""

    outcome: ApplicationStatus
    decided_on: date  # the register's calendar date of the decision; the first cycle starts on it
    decided_at: datetime
    decided_by: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RegistrationApplication:
    """An application for registration.

    Build new ones with :func:`submit_application`, which enforces the eligibility rules in force at
    submission. The constructor itself does not re-check them, so stored applications still load after the
    scheme's minimum hours change.
    """

    id: UUID
    person_id: UUID
    roles: frozenset[Role]
    employer_name: str
    employer_kind: EmployerKind
    hours_per_week: Decimal
    declaration_accepted: bool
    submitted_at: datetime
    decision: ApplicationDecision | None = None

    @property
    def status(self) -> ApplicationStatus:
        """Pending until decided, then the decision's outcome."""
        return ApplicationStatus.PENDING if self.decision is None else self.decision.outcome


def application_problems(
    *,
    roles: Iterable[Role],
    employer_name: str,
    hours_per_week: Decimal,
    declaration_accepted: bool,
    minimum_hours_per_week: Decimal = DEFAULT_MINIMUM_HOURS_PER_WEEK,
) -> list[tuple[ApplicationProblem, str]]:
    """Return every rule the application data breaks (empty when eligible), with a readable message each."""
    problems: list[tuple[ApplicationProblem, str]] = []
    if not set(roles):
        problems.append((ApplicationProblem.NO_ROLE, "Choose at least one role."))
    if not employer_name.strip():
        problems.append((ApplicationProblem.EMPLOYER_NAME_MISSING, "Name the employer."))
    if not hours_per_week.is_finite() or not Decimal(0) < hours_per_week <= MAXIMUM_HOURS_PER_WEEK:
        problems.append((ApplicationProblem.HOURS_INVALID, f"{hours_per_week} is not a number of hours per week."))
    elif hours_per_week < minimum_hours_per_week:
        problems.append(
            (
                ApplicationProblem.TOO_FEW_HOURS,
                f"Registration requires at least {minimum_hours_per_week} hours a week in the role(s); "
                f"the application states {hours_per_week}.",
            )
        )
    if not declaration_accepted:
        problems.append((ApplicationProblem.DECLARATION_NOT_ACCEPTED, "The declaration must be accepted."))
    return problems


def _as_hours(value: Decimal | int | str) -> Decimal:
    # Floats are refused on purpose: 16.1 as a float is not 16.1, and hours are compared to a threshold.
    if isinstance(value, (bool, float)):
        raise TypeError("hours_per_week must be a Decimal, int or str, not a float or bool")
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal("NaN")


def submit_application(
    *,
    id: UUID,
    person_id: UUID,
    roles: Iterable[Role],
    employer_name: str,
    employer_kind: EmployerKind,
    hours_per_week: Decimal | int | str,
    declaration_accepted: bool,
    submitted_at: datetime,
    minimum_hours_per_week: Decimal | int = DEFAULT_MINIMUM_HOURS_PER_WEEK,
) -> RegistrationApplication:
    """Create a pending application, or raise :class:`InvalidApplication` listing every problem.

    ``minimum_hours_per_week`` comes from the scheme in force (default 16).
    """
    role_set = frozenset(roles)
    hours = _as_hours(hours_per_week)
    problems = application_problems(
        roles=role_set,
        employer_name=employer_name,
        hours_per_week=hours,
        declaration_accepted=declaration_accepted,
        minimum_hours_per_week=Decimal(minimum_hours_per_week),
    )
    if problems:
        raise InvalidApplication(problems)
    return RegistrationApplication(
        id=id,
        person_id=person_id,
        roles=role_set,
        employer_name=" ".join(employer_name.split()),
        employer_kind=employer_kind,
        hours_per_week=hours,
        declaration_accepted=declaration_accepted,
        submitted_at=submitted_at,
    )


@dataclass(frozen=True, slots=True)
class Approval:
    """What approving an application produces; the service layer persists all of it in one transaction.

    ``roles`` are the roles to set on the person; ``status_change`` is also the last entry of
    ``registration.history``, exposed for publishing ``RegistrationStatusChanged``.
    """

    application: RegistrationApplication
    registration: Registration
    roles: frozenset[Role]
    status_change: StatusChange


def _decide(
    application: RegistrationApplication,
    outcome: ApplicationStatus,
    *,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
    reason: str | None,
) -> RegistrationApplication:
    if application.decision is not None:
        raise DecisionError(f"Application {application.id} was already {application.decision.outcome}.")
    if decided_at.tzinfo is None or decided_at.utcoffset() is None:
        raise DecisionError("A decision needs a time-zone-aware timestamp.")
    if not decided_by.strip():
        raise DecisionError("A decision must name who took it.")
    decision = ApplicationDecision(
        outcome=outcome, decided_on=decided_on, decided_at=decided_at, decided_by=decided_by, reason=reason
    )
    return replace(application, decision=decision)


def approve_application(
    application: RegistrationApplication,
    *,
    number_sequence: int,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
    cycle_years: int = DEFAULT_CYCLE_YEARS,
) -> Approval:
    """Approve a first application: issue the number for ``number_sequence`` and open the first cycle.

    The first cycle of ``cycle_years`` years (default 5) starts on ``decided_on``. ``number_sequence`` is
    allocated by the caller (a database sequence), keeping this function pure.
    """
    decided = _decide(
        application,
        ApplicationStatus.APPROVED,
        decided_on=decided_on,
        decided_at=decided_at,
        decided_by=decided_by,
        reason=None,
    )
    status, change = transition(
        RegistrationStatus.APPLIED,
        RegistrationStatus.REGISTERED,
        at=decided_at,
        by=decided_by,
        reason="application approved",
    )
    registration = Registration(
        person_id=application.person_id,
        number=issue_number(number_sequence),
        status=status,
        registered_since=decided_on,
        cycle=Cycle.starting(decided_on, cycle_years),
        history=(change,),
    )
    return Approval(application=decided, registration=registration, roles=application.roles, status_change=change)


def approve_reentry(
    application: RegistrationApplication,
    registration: Registration,
    *,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
    cycle_years: int = DEFAULT_CYCLE_YEARS,
) -> Approval:
    """Approve a new application from a person whose registration expired.

    The person keeps their registration number (providers may still hold it); a new first cycle starts on
    ``decided_on`` and ``registered_since`` restarts, as re-entry is a new registration.
    """
    if registration.person_id != application.person_id:
        raise DecisionError("The application and the registration belong to different people.")
    # Checked here, not left to the status table, because "-> registered" is also legal from other statuses.
    if registration.status is not RegistrationStatus.EXPIRED:
        raise DecisionError(f"Re-entry needs an expired registration, not a {registration.status} one.")
    decided = _decide(
        application,
        ApplicationStatus.APPROVED,
        decided_on=decided_on,
        decided_at=decided_at,
        decided_by=decided_by,
        reason=None,
    )
    moved = registration.change_status(
        RegistrationStatus.REGISTERED, at=decided_at, by=decided_by, reason="re-entry application approved"
    )
    renewed = replace(moved, registered_since=decided_on, cycle=Cycle.starting(decided_on, cycle_years))
    return Approval(application=decided, registration=renewed, roles=application.roles, status_change=moved.history[-1])


def reject_application(
    application: RegistrationApplication,
    *,
    reason: str,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
) -> RegistrationApplication:
    """Reject an application; a reason is required because the applicant may ask for reconsideration."""
    cleaned = reason.strip()
    if not cleaned:
        raise DecisionError("A rejection needs a reason.")
    return _decide(
        application,
        ApplicationStatus.REJECTED,
        decided_on=decided_on,
        decided_at=decided_at,
        decided_by=decided_by,
        reason=cleaned,
    )


# Statuses in which a person is (still) in the register and cannot apply for a first registration again.
_IN_REGISTER = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.REREGISTRATION_PENDING, RegistrationStatus.SUSPENDED}
)


def application_barred(status: RegistrationStatus | None) -> str | None:
    """Why a person with a registration in ``status`` (None: none) cannot apply: ``already_registered`` while in
    the register, ``struck_off`` for good; None when they may (a first application, or re-entry after expiry)."""
    if status in _IN_REGISTER:
        return "already_registered"
    if status is RegistrationStatus.STRUCK_OFF:
        return "struck_off"
    return None
