"""Registrations, their cycles and the people they are of: the rows a decision or a status change writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import accounts, cycles, people, registration_number_counter, registrations


async def next_number_sequence(session: AsyncSession) -> int:
    """Allocate the next registration-number sequence (the counter row's lock serialises approvals)."""
    allocated = await session.execute(
        sa.update(registration_number_counter)
        .where(registration_number_counter.c.counter_id == 1)
        .values(last_sequence=registration_number_counter.c.last_sequence + 1)
        .returning(registration_number_counter.c.last_sequence)
    )
    return int(allocated.scalar_one())


async def next_cycle_sequence(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The sequence the person's next cycle gets (1 for a first cycle)."""
    found = await session.execute(sa.select(sa.func.max(cycles.c.sequence)).where(cycles.c.person_id == person_id))
    return int(found.scalar_one_or_none() or 0) + 1


async def insert_registration(
    session: AsyncSession, person_id: uuid.UUID, *, sequence: int, number: str, registered_since: date, status: str
) -> None:
    """The person's registration row (one per person, for life)."""
    await session.execute(
        sa.insert(registrations).values(
            person_id=person_id,
            sequence=sequence,
            registration_number=number,
            registered_since=registered_since,
            status=status,
        )
    )


async def reopen_registration(
    session: AsyncSession, person_id: uuid.UUID, *, registered_since: date, status: str
) -> None:
    """A re-entry: the registration row the person kept gets its new start and status."""
    await session.execute(
        sa.update(registrations)
        .where(registrations.c.person_id == person_id)
        .values(registered_since=registered_since, status=status)
    )


async def set_status(session: AsyncSession, person_id: uuid.UUID, status: str) -> None:
    """Store the registration's new status (the history row is written by ``record_status_change``)."""
    await session.execute(sa.update(registrations).where(registrations.c.person_id == person_id).values(status=status))


async def insert_cycle(
    session: AsyncSession,
    cycle_id: uuid.UUID,
    person_id: uuid.UUID,
    *,
    sequence: int,
    starts_on: date,
    ends_on: date,
    scheme_version: str,
) -> None:
    """A new cycle of the person's registration."""
    await session.execute(
        sa.insert(cycles).values(
            cycle_id=cycle_id,
            person_id=person_id,
            sequence=sequence,
            starts_on=starts_on,
            ends_on=ends_on,
            scheme_version=scheme_version,
        )
    )


async def cycle_row(session: AsyncSession, cycle_id: uuid.UUID) -> Any:
    """One cycle row by its id, or None."""
    return (await session.execute(sa.select(cycles).where(cycles.c.cycle_id == cycle_id))).first()


async def insert_person(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    initials: str,
    surname: str,
    roles: list[str],
    employer_id: str | None,
    now: datetime,
) -> None:
    """A person without an account (demo registrations)."""
    await session.execute(
        sa.insert(people).values(
            person_id=person_id,
            initials=initials,
            surname=surname,
            roles=roles,
            employer_id=employer_id,
            created_at=now,
            updated_at=now,
        )
    )


async def set_roles_and_employer(
    session: AsyncSession, person_id: uuid.UUID, *, roles: list[str], employer_id: str | None, now: datetime
) -> bool:
    """Set the person's roles and employer; False when there is no such person."""
    updated = await session.execute(
        sa.update(people)
        .where(people.c.person_id == person_id)
        .values(roles=roles, employer_id=employer_id, updated_at=now)
    )
    return getattr(updated, "rowcount", 0) == 1


async def set_work(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    employer_name: str,
    employer_kind: str,
    employer_id: str,
    hours_per_week: Decimal,
    now: datetime,
    roles: list[str] | None = None,
) -> None:
    """Store the person's work as their latest application states it (and the roles an approval grants)."""
    values: dict[str, Any] = {
        "employer_name": employer_name,
        "employer_kind": employer_kind,
        "employer_id": employer_id,
        "hours_per_week": hours_per_week,
        "updated_at": now,
    }
    if roles is not None:
        values = {"roles": roles, **values}
    await session.execute(sa.update(people).where(people.c.person_id == person_id).values(**values))


async def account_address(session: AsyncSession, account_id: uuid.UUID) -> Any:
    """The account's e-mail address and preferred language, or None without an account."""
    return (
        await session.execute(
            sa.select(accounts.c.email, accounts.c.preferred_language).where(accounts.c.account_id == account_id)
        )
    ).first()


async def status_mail_contact(session: AsyncSession, person_id: uuid.UUID) -> Any:
    """Address, language and name for a status-change mail, or None without an account."""
    return (
        await session.execute(
            sa.select(accounts.c.email, accounts.c.preferred_language, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.account_id == person_id)
        )
    ).first()
