from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from registry.domain.applications import (
    ApplicationProblem,
    ApplicationStatus,
    DecisionError,
    InvalidApplication,
    RegistrationApplication,
    approve_application,
    approve_reentry,
    reject_application,
    submit_application,
)
from registry.domain.people import EmployerKind, Role
from registry.domain.registration_number import issue_number
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

SUBMITTED = datetime(2025, 3, 1, 10, tzinfo=UTC)
DECIDED_AT = datetime(2025, 3, 15, 14, tzinfo=UTC)
DECIDED_ON = date(2025, 3, 15)


def _submit(**overrides: Any) -> RegistrationApplication:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "person_id": uuid4(),
        "roles": [Role.LEERPLICHTAMBTENAAR],
        "employer_name": "Gemeente Utrecht",
        "employer_kind": EmployerKind.MUNICIPALITY,
        "hours_per_week": 24,
        "declaration_accepted": True,
        "submitted_at": SUBMITTED,
    }
    fields.update(overrides)
    return submit_application(**fields)


def _problems(**overrides: Any) -> frozenset[ApplicationProblem]:
    with pytest.raises(InvalidApplication) as caught:
        _submit(**overrides)
    return caught.value.codes


def test_submitted_application_is_pending() -> None:
    application = _submit(hours_per_week="16.5", employer_name="  RBL  Eemland ")
    assert application.status is ApplicationStatus.PENDING
    assert application.hours_per_week == Decimal("16.5")
    assert application.employer_name == "RBL Eemland"


def test_accepts_exactly_the_minimum_hours() -> None:
    assert _submit(hours_per_week=16).status is ApplicationStatus.PENDING


def test_rejects_fewer_hours_than_the_default_minimum_of_16() -> None:
    assert _problems(hours_per_week="15.5") == {ApplicationProblem.TOO_FEW_HOURS}


def test_minimum_hours_comes_from_the_scheme() -> None:
    assert _submit(hours_per_week=12, minimum_hours_per_week=12).status is ApplicationStatus.PENDING
    assert _problems(hours_per_week=18, minimum_hours_per_week=20) == {ApplicationProblem.TOO_FEW_HOURS}


def test_rejects_an_application_without_a_role() -> None:
    assert _problems(roles=[]) == {ApplicationProblem.NO_ROLE}


def test_rejects_an_application_without_the_declaration() -> None:
    assert _problems(declaration_accepted=False) == {ApplicationProblem.DECLARATION_NOT_ACCEPTED}


@pytest.mark.parametrize("hours", [0, -8, 169, "NaN", "Infinity", "sixteen"])
def test_rejects_impossible_hours(hours: object) -> None:
    assert _problems(hours_per_week=hours) == {ApplicationProblem.HOURS_INVALID}


def test_refuses_float_hours_to_avoid_rounding_surprises() -> None:
    with pytest.raises(TypeError):
        _submit(hours_per_week=16.0)


def test_reports_every_problem_at_once() -> None:
    problems = _problems(roles=[], employer_name=" ", hours_per_week=8, declaration_accepted=False)
    assert problems == {
        ApplicationProblem.NO_ROLE,
        ApplicationProblem.EMPLOYER_NAME_MISSING,
        ApplicationProblem.TOO_FEW_HOURS,
        ApplicationProblem.DECLARATION_NOT_ACCEPTED,
    }


def test_approval_issues_a_number_and_opens_a_five_year_cycle_on_the_decision_date() -> None:
    application = _submit(roles=[Role.LEERPLICHTAMBTENAAR, Role.RMC_MEDEWERKER])
    approval = approve_application(
        application, number_sequence=1234, decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1"
    )
    registration = approval.registration
    assert approval.application.status is ApplicationStatus.APPROVED
    assert registration.number == issue_number(1234)
    assert registration.person_id == application.person_id
    assert registration.status is RegistrationStatus.REGISTERED
    assert registration.registered_since == DECIDED_ON
    assert (registration.cycle.start, registration.cycle.end) == (DECIDED_ON, date(2030, 3, 14))
    assert approval.roles == {Role.LEERPLICHTAMBTENAAR, Role.RMC_MEDEWERKER}
    assert registration.history == (approval.status_change,)
    change = approval.status_change
    assert (change.from_status, change.to_status, change.at, change.by) == (
        RegistrationStatus.APPLIED,
        RegistrationStatus.REGISTERED,
        DECIDED_AT,
        "office:1",
    )


def test_first_cycle_length_is_a_parameter() -> None:
    approval = approve_application(
        _submit(),
        number_sequence=1,
        decided_on=DECIDED_ON,
        decided_at=DECIDED_AT,
        decided_by="office:1",
        cycle_years=3,
    )
    assert approval.registration.cycle.end == date(2028, 3, 14)


def test_rejection_requires_a_reason() -> None:
    with pytest.raises(DecisionError):
        reject_application(_submit(), reason="  ", decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1")


def test_rejection_records_the_reason() -> None:
    rejected = reject_application(
        _submit(),
        reason="Employer is not a municipality, region or RBL.",
        decided_on=DECIDED_ON,
        decided_at=DECIDED_AT,
        decided_by="office:1",
    )
    assert rejected.status is ApplicationStatus.REJECTED
    assert rejected.decision is not None
    assert rejected.decision.reason == "Employer is not a municipality, region or RBL."


def test_an_application_is_decided_only_once() -> None:
    rejected = reject_application(
        _submit(), reason="no", decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1"
    )
    with pytest.raises(DecisionError):
        approve_application(
            rejected, number_sequence=1, decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1"
        )


def test_rejects_a_decision_with_a_naive_timestamp() -> None:
    with pytest.raises(DecisionError):
        approve_application(
            _submit(),
            number_sequence=1,
            decided_on=DECIDED_ON,
            decided_at=datetime(2025, 3, 15, 14),
            decided_by="office:1",
        )


def test_re_entry_after_expiry_keeps_the_number_and_starts_a_new_first_cycle() -> None:
    first = approve_application(
        _submit(), number_sequence=99, decided_on=date(2015, 1, 1), decided_at=DECIDED_AT, decided_by="office:1"
    ).registration
    expired = first.change_status(RegistrationStatus.EXPIRED, at=DECIDED_AT, by="system")
    again = _submit(person_id=first.person_id)
    approval = approve_reentry(again, expired, decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:2")
    assert approval.registration.number == first.number
    assert approval.registration.status is RegistrationStatus.REGISTERED
    assert approval.registration.registered_since == DECIDED_ON
    assert approval.registration.cycle.start == DECIDED_ON
    assert approval.status_change.from_status is RegistrationStatus.EXPIRED
    assert len(approval.registration.history) == 3


def test_re_entry_needs_an_expired_registration_of_the_same_person() -> None:
    registered = approve_application(
        _submit(), number_sequence=5, decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1"
    ).registration
    with pytest.raises(DecisionError):
        approve_reentry(
            _submit(person_id=registered.person_id),
            registered,
            decided_on=DECIDED_ON,
            decided_at=DECIDED_AT,
            decided_by="office:1",
        )
    expired = registered.change_status(RegistrationStatus.EXPIRED, at=DECIDED_AT, by="system")
    with pytest.raises(DecisionError):
        approve_reentry(_submit(), expired, decided_on=DECIDED_ON, decided_at=DECIDED_AT, decided_by="office:1")
