from __future__ import annotations

from uuid import uuid4

import pytest

from registry.domain.people import InvalidPerson, Person, Role, sorted_roles

pytestmark = pytest.mark.unit


def test_person_name_is_initials_and_surname_with_whitespace_normalised() -> None:
    person = Person(id=uuid4(), initials=" J.P. ", surname="de  Vries ", email=" jp@example.nl ")
    assert person.name == "J.P. de Vries"
    assert person.email == "jp@example.nl"
    assert person.roles == frozenset()


@pytest.mark.parametrize(
    ("initials", "surname", "email", "field"),
    [
        ("", "Jansen", "a@example.nl", "initials"),
        ("A.", "  ", "a@example.nl", "surname"),
        ("A.", "Jansen", "not-an-address", "email"),
        ("A.", "Jansen", "a@b", "email"),
    ],
)
def test_rejects_person_with_missing_name_or_bad_email(initials: str, surname: str, email: str, field: str) -> None:
    with pytest.raises(InvalidPerson) as caught:
        Person(id=uuid4(), initials=initials, surname=surname, email=email)
    assert caught.value.field == field


def test_with_roles_returns_a_copy_holding_exactly_those_roles() -> None:
    person = Person(id=uuid4(), initials="A.", surname="Jansen", email="a@example.nl")
    updated = person.with_roles([Role.RMC_MEDEWERKER, Role.RMC_MEDEWERKER])
    assert updated.roles == frozenset({Role.RMC_MEDEWERKER})
    assert person.roles == frozenset()


def test_sorted_roles_is_stable_and_deduplicated() -> None:
    assert sorted_roles([Role.RMC_MEDEWERKER, Role.LEERPLICHTAMBTENAAR, Role.RMC_MEDEWERKER]) == (
        Role.LEERPLICHTAMBTENAAR,
        Role.RMC_MEDEWERKER,
    )


def test_role_and_employer_kind_values_are_stable_wire_names() -> None:
    from registry.domain.people import EmployerKind

    assert {r.value for r in Role} == {"leerplichtambtenaar", "rmc_medewerker"}
    assert {k.value for k in EmployerKind} == {"municipality", "region", "rbl"}
