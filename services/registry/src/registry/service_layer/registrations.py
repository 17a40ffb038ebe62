"""Registry use cases. Each takes a unit of work and commits it; events go out through the outbox."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import cycles, registrations
from registry.domain.cycles import Cycle
from registry.domain.registration_number import issue_number


async def grant_demo_registration(
    uow: UnitOfWork, command: contracts.GrantDemoRegistration, *, cycle_years: int, scheme_version: str
) -> contracts.RegistrationReceipt:
    """Register a person directly and open their first cycle (demo data and tests; the office flow
    with applications and decisions builds on the same tables)."""
    session = uow.session
    last = (await session.execute(sa.select(sa.func.max(registrations.c.sequence)))).scalar_one_or_none()
    number = issue_number((last or 0) + 1)
    person_id = uuid.uuid4()
    cycle = Cycle.starting(command.registered_since, cycle_years)
    cycle_id = uuid.uuid4()
    await session.execute(
        sa.insert(registrations).values(
            person_id=person_id,
            sequence=number.sequence,
            registration_number=number.value,
            initials=command.initials,
            surname=command.surname,
            roles=list(command.roles),
            employer_id=command.employer_id,
            registered_since=command.registered_since,
            status="registered",
        )
    )
    await session.execute(
        sa.insert(cycles).values(
            cycle_id=cycle_id,
            person_id=person_id,
            sequence=1,
            starts_on=cycle.start,
            ends_on=cycle.end,
            scheme_version=scheme_version,
        )
    )
    uow.emit(
        contracts.RegistrationGranted(
            person_id=person_id,
            registration_number=number.value,
            initials=command.initials,
            surname=command.surname,
            roles=command.roles,
            employer_id=command.employer_id,
            registered_since=command.registered_since,
        )
    )
    uow.emit(
        contracts.CycleOpened(
            person_id=person_id,
            registration_number=number.value,
            cycle_id=cycle_id,
            sequence=1,
            starts_on=cycle.start,
            ends_on=cycle.end,
            scheme_version=scheme_version,
        )
    )
    await uow.commit()
    return contracts.RegistrationReceipt(person_id=person_id, registration_number=number.value)


async def count_registered(uow: UnitOfWork) -> dict[str, int]:
    """Registered professionals, in total and per role (a person with both roles counts once in total)."""
    rows = (
        (await uow.session.execute(sa.select(registrations.c.roles).where(registrations.c.status == "registered")))
        .scalars()
        .all()
    )
    per_role: dict[str, int] = {}
    for roles in rows:
        for role in roles:
            per_role[role] = per_role.get(role, 0) + 1
    return {"total": len(rows), **{f"role:{k}": v for k, v in per_role.items()}}
