"""The public register: the only view of a registration that leaves the registry unauthenticated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Final

from registry.domain.people import Person, Role, sorted_roles
from registry.domain.registrations import Registration
from registry.domain.status import RegistrationStatus

# The allowlist. Anything not named here (e-mail, employer, hours, portfolio, history, ...) must never reach
# the public lookup; a unit test pins PublicRegisterEntry's fields to exactly this tuple.
PUBLIC_FIELDS: Final[tuple[str, ...]] = (
    "registration_number",
    "name",
    "roles",
    "status",
    "registered_since",
    "valid_until",
)


class NotPublic(ValueError):
    """A registration that cannot be shown publicly (or a person who does not own it)."""


@dataclass(frozen=True, slots=True)
class PublicRegisterEntry:
    """One row of the public register: exactly the fields in :data:`PUBLIC_FIELDS`."""

    registration_number: str
    name: str
    roles: tuple[Role, ...]
    status: RegistrationStatus
    registered_since: date
    valid_until: date | None

    def as_dict(self) -> dict[str, object]:
        """Plain values keyed by :data:`PUBLIC_FIELDS`, for serialisers that must not see anything else."""
        return {
            "registration_number": self.registration_number,
            "name": self.name,
            "roles": [role.value for role in self.roles],
            "status": self.status.value,
            "registered_since": self.registered_since.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until is not None else None,
        }


def public_entry(person: Person, registration: Registration) -> PublicRegisterEntry:
    """Build the public register entry for ``person``'s ``registration``.

    Raises :class:`NotPublic` when the registration belongs to someone else, or is still only ``applied``
    (an applicant is not in the register).
    """
    if registration.person_id != person.id:
        raise NotPublic("The registration does not belong to this person.")
    return registered_entry(
        initials=person.initials, surname=person.surname, roles=person.roles, registration=registration
    )


def registered_entry(
    *, initials: str, surname: str, roles: Iterable[Role], registration: Registration
) -> PublicRegisterEntry:
    """Build the public entry from only the public parts of a person (name and roles).

    The public lookup uses this one: it never needs to load a person's e-mail or other private data just to
    build a :class:`Person`. Raises :class:`NotPublic` for a registration that is still only ``applied``.
    """
    if registration.status is RegistrationStatus.APPLIED:
        raise NotPublic("An application is not shown in the public register.")
    return PublicRegisterEntry(
        registration_number=registration.number.value,
        name=f"{' '.join(initials.split())} {' '.join(surname.split())}",
        roles=sorted_roles(roles),
        status=registration.status,
        registered_since=registration.registered_since,
        valid_until=registration.valid_until,
    )


def _check_allowlist() -> None:
    # Fail at import, not in production traffic, if someone adds a field without updating the allowlist.
    declared = tuple(f.name for f in fields(PublicRegisterEntry))
    if declared != PUBLIC_FIELDS:
        raise AssertionError(f"PublicRegisterEntry fields {declared} differ from PUBLIC_FIELDS {PUBLIC_FIELDS}")


_check_allowlist()
