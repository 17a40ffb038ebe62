"""People known to the registry and the professional roles they register for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    """The professional roles the register covers; a person may hold both."""

    LEERPLICHTAMBTENAAR = "leerplichtambtenaar"
    RMC_MEDEWERKER = "rmc_medewerker"


class EmployerKind(StrEnum):
    """The kinds of employer for whom eligible work is done."""

    MUNICIPALITY = "municipality"
    REGION = "region"
    RBL = "rbl"  # Regionaal Bureau Leerlingzaken


class InvalidPerson(ValueError):
    """Person data that breaks a rule; ``field`` names the offending attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# Deliberately loose: the real check is the confirmation mail; this only catches obvious typing slips.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def sorted_roles(roles: Iterable[Role]) -> tuple[Role, ...]:
    """Return ``roles`` de-duplicated in the enum's declaration order, for stable output."""
    present = set(roles)
    return tuple(role for role in Role if role in present)


@dataclass(frozen=True, slots=True)
class Person:
    """A person with an account: the professional who applies and is registered.

    Only what the registry needs is kept (no BSN, no date of birth, no address).
    ``roles`` may be empty until a registration application is approved.
    """

    id: UUID
    initials: str
    surname: str
    email: str
    roles: frozenset[Role] = frozenset()

    def __post_init__(self) -> None:
        # Normalise once here so equality and the public name never depend on stray whitespace.
        object.__setattr__(self, "initials", " ".join(self.initials.split()))
        object.__setattr__(self, "surname", " ".join(self.surname.split()))
        object.__setattr__(self, "email", self.email.strip())
        object.__setattr__(self, "roles", frozenset(self.roles))
        if not self.initials:
            raise InvalidPerson("initials", "Initials are required.")
        if not self.surname:
            raise InvalidPerson("surname", "A surname is required.")
        if not _EMAIL.match(self.email):
            raise InvalidPerson("email", f"{self.email!r} is not an e-mail address.")

    @property
    def name(self) -> str:
        """Initials and surname, as the public register shows them (e.g. ``J.P. de Vries``)."""
        return f"{self.initials} {self.surname}"

    def with_roles(self, roles: Iterable[Role]) -> Person:
        """Return a copy holding exactly ``roles`` (e.g. the roles an approved application named)."""
        return replace(self, roles=frozenset(roles))


def roles_of(values: Iterable[str] | None) -> frozenset[Role]:
    """Professional roles as stored (a JSON list of their values); an unknown value is a data error and raises."""
    return frozenset(Role(value) for value in values or [])
