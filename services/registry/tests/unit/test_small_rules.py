"""Employer keys, office status changes, working totals, register searches and the public entry builder."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from registry.domain.cycles import Cycle
from registry.domain.employers import employer_id_for
from registry.domain.office_status_changes import check_office_status_change
from registry.domain.people import Role
from registry.domain.public_register import NotPublic, registered_entry
from registry.domain.register_search import InvalidSearch, NameSearch, NumberSearch, parse_search
from registry.domain.registration_number import InvalidNumberReason, InvalidRegistrationNumber, issue_number
from registry.domain.registrations import Registration
from registry.domain.status import ALLOWED_TRANSITIONS, IllegalStatusTransition, RegistrationStatus
from registry.domain.working_totals import InvalidWorkingTotal, WorkingTotal

pytestmark = pytest.mark.unit
S = RegistrationStatus


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Gemeente Utrecht", "gemeente-utrecht"),
        ("  gemeente   UTRECHT ", "gemeente-utrecht"),
        ("Gemeente Súdwest-Fryslân", "gemeente-sudwest-fryslan"),
        ("RBL 's-Hertogenbosch", "rbl-s-hertogenbosch"),
    ],
)
def test_employer_keys_ignore_case_spacing_and_accents(name: str, key: str) -> None:
    assert employer_id_for(name) == key


def test_an_employer_name_without_letters_has_no_key() -> None:
    with pytest.raises(ValueError):
        employer_id_for("-- !")


def test_the_office_may_expire_suspend_strike_off_and_lift_a_suspension() -> None:
    for current, targets in ALLOWED_TRANSITIONS.items():
        for target in targets:
            allowed = target in {S.EXPIRED, S.SUSPENDED, S.STRUCK_OFF} or (
                current is S.SUSPENDED and target in {S.REGISTERED, S.REREGISTRATION_PENDING}
            )
            if allowed:
                check_office_status_change(current, target)
            else:
                with pytest.raises(IllegalStatusTransition):
                    check_office_status_change(current, target)


def test_flow_transitions_are_not_office_status_changes() -> None:
    for current, target in [
        (S.APPLIED, S.REGISTERED),
        (S.EXPIRED, S.REGISTERED),
        (S.REGISTERED, S.REREGISTRATION_PENDING),
    ]:
        with pytest.raises(IllegalStatusTransition, match="decision"):
            check_office_status_change(current, target)
    with pytest.raises(IllegalStatusTransition, match="cannot go"):
        check_office_status_change(S.STRUCK_OFF, S.REGISTERED)


def test_a_working_total_is_positive_and_bounds_its_roles() -> None:
    total = WorkingTotal(year=2026, total=100, per_role={Role.RMC_MEDEWERKER: 40})
    assert dict(total.per_role) == {Role.RMC_MEDEWERKER: 40}
    for bad in (
        {"year": 1999, "total": 1},
        {"year": 2026, "total": 0},
        {"year": 2026, "total": 10, "per_role": {Role.RMC_MEDEWERKER: 11}},
        {"year": 2026, "total": 10, "per_role": {Role.RMC_MEDEWERKER: -1}},
    ):
        with pytest.raises(InvalidWorkingTotal):
            WorkingTotal(**bad)  # type: ignore[arg-type]


def test_digits_search_a_number_and_anything_else_a_name() -> None:
    number = issue_number(1)
    assert parse_search(f" {number.value} ") == NumberSearch(number)
    assert parse_search("  De   VRIES ") == NameSearch("de vries")
    with pytest.raises(InvalidRegistrationNumber) as mistyped:
        parse_search(number.value[:-1] + str((number.check_digit + 1) % 10))
    assert mistyped.value.reason_code is InvalidNumberReason.MISTYPED
    with pytest.raises(InvalidSearch) as short:
        parse_search(" a ")
    assert short.value.code == "query_too_short"
    with pytest.raises(InvalidSearch):
        parse_search("x" * 201)


def _registration(status: RegistrationStatus) -> Registration:
    return Registration(
        person_id=uuid4(),
        number=issue_number(3),
        status=status,
        registered_since=date(2025, 1, 1),
        cycle=Cycle.starting(date(2025, 1, 1)),
    )


def test_the_public_entry_is_built_from_name_roles_and_registration_only() -> None:
    entry = registered_entry(
        initials=" J.P. ",
        surname="de  Vries",
        roles=[Role.RMC_MEDEWERKER, Role.LEERPLICHTAMBTENAAR],
        registration=_registration(S.EXPIRED),
    )
    assert entry.as_dict() == {
        "registration_number": issue_number(3).value,
        "name": "J.P. de Vries",
        "roles": ["leerplichtambtenaar", "rmc_medewerker"],
        "status": "expired",
        "registered_since": "2025-01-01",
        "valid_until": "2029-12-31",
    }
    with pytest.raises(NotPublic):
        registered_entry(initials="A.", surname="B", roles=[], registration=_registration(S.APPLIED))
