from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from registry.domain.cycles import Cycle
from registry.domain.people import Person, Role
from registry.domain.public_register import PUBLIC_FIELDS, NotPublic, PublicRegisterEntry, public_entry
from registry.domain.registration_number import issue_number
from registry.domain.registrations import Registration
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _person() -> Person:
    return Person(
        id=uuid4(),
        initials="J.P.",
        surname="de Vries",
        email="jp.devries@example.nl",
        roles=frozenset({Role.RMC_MEDEWERKER, Role.LEERPLICHTAMBTENAAR}),
    )


def _registration(person: Person, status: RegistrationStatus = RegistrationStatus.REGISTERED) -> Registration:
    return Registration(
        person_id=person.id,
        number=issue_number(31),
        status=status,
        registered_since=date(2025, 3, 15),
        cycle=Cycle.starting(date(2025, 3, 15)),
    )


def test_public_entry_has_exactly_the_allowlisted_fields() -> None:
    assert tuple(f.name for f in dataclasses.fields(PublicRegisterEntry)) == PUBLIC_FIELDS
    # Spelled out here as well: widening the allowlist must change this test too, on purpose.
    assert PUBLIC_FIELDS == ("registration_number", "name", "roles", "status", "registered_since", "valid_until")


def test_public_entry_shows_number_name_roles_status_and_dates() -> None:
    person = _person()
    entry = public_entry(person, _registration(person))
    assert entry == PublicRegisterEntry(
        registration_number=issue_number(31).value,
        name="J.P. de Vries",
        roles=(Role.LEERPLICHTAMBTENAAR, Role.RMC_MEDEWERKER),
        status=RegistrationStatus.REGISTERED,
        registered_since=date(2025, 3, 15),
        valid_until=date(2030, 3, 14),
    )


def test_public_entry_never_contains_the_e_mail_address_or_person_id() -> None:
    person = _person()
    serialised = public_entry(person, _registration(person)).as_dict()
    assert tuple(serialised) == PUBLIC_FIELDS
    text = repr(serialised)
    assert person.email not in text
    assert str(person.id) not in text


def test_as_dict_holds_plain_json_values() -> None:
    person = _person()
    assert public_entry(person, _registration(person)).as_dict() == {
        "registration_number": issue_number(31).value,
        "name": "J.P. de Vries",
        "roles": ["leerplichtambtenaar", "rmc_medewerker"],
        "status": "registered",
        "registered_since": "2025-03-15",
        "valid_until": "2030-03-14",
    }


def test_expired_registration_is_shown_as_expired() -> None:
    person = _person()
    expired = _registration(person).change_status(RegistrationStatus.EXPIRED, at=NOW, by="system")
    entry = public_entry(person, expired)
    assert entry.status is RegistrationStatus.EXPIRED
    assert entry.valid_until == date(2030, 3, 14)


def test_struck_off_registration_has_no_valid_until() -> None:
    person = _person()
    struck = _registration(person).change_status(
        RegistrationStatus.STRUCK_OFF, at=NOW, by="office:1", reason="decision 2026-01"
    )
    assert public_entry(person, struck).valid_until is None


def test_refuses_to_combine_a_person_with_someone_elses_registration() -> None:
    with pytest.raises(NotPublic):
        public_entry(_person(), _registration(_person()))


def test_an_applied_registration_is_not_public() -> None:
    person = _person()
    with pytest.raises(NotPublic):
        public_entry(person, _registration(person, RegistrationStatus.APPLIED))
