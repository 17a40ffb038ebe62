"""Keeping the local read model of registrations up to date from registry events.

Events of one person may arrive out of order (a redelivery after a failure, a retry, several consumers): each row
remembers when the event that set it happened, an older event never overwrites a newer fact, and a status change
that arrives before its registration waits until the registration is there. The handlers of one person run one at a
time (a transaction-scoped lock), so the check and the write cannot interleave with another event of that person.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.db import upsert
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters import repository as repo
from portfolio.adapters.orm import cycles, early_status_changes, registered_people
from portfolio.adapters.repository import as_utc


async def _one_person_at_a_time(session: AsyncSession, person_id: uuid.UUID) -> None:
    # PostgreSQL: an advisory lock until the transaction ends (SQLite has one writer at a time anyway).
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(person_id.bytes[:8], "big", signed=True)
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _newer(at: datetime, than: datetime | None) -> bool:
    return than is None or as_utc(than) < at


async def record_registration(uow: UnitOfWork, event: contracts.RegistrationGranted, envelope: Envelope) -> None:
    """A person became registered (first time or on re-entry); the caller commits (the inbox shares the
    transaction). Keyed on person_id, so the read model holds one row per person whatever arrives twice; the status
    is the newest one known, whichever event brought it."""
    session = uow.session
    await _one_person_at_a_time(session, event.person_id)
    current = (
        await session.execute(
            sa.select(registered_people.c.status, registered_people.c.status_changed_at).where(
                registered_people.c.person_id == event.person_id
            )
        )
    ).first()
    early = (
        await session.execute(
            sa.select(early_status_changes).where(early_status_changes.c.person_id == event.person_id)
        )
    ).first()
    status, changed_at = "registered", envelope.occurred_at
    for candidate, at in (
        (current.status, current.status_changed_at) if current is not None else (None, None),
        (early.new_status, early.occurred_at) if early is not None else (None, None),
    ):
        if candidate is not None and at is not None and as_utc(at) > changed_at:
            status, changed_at = candidate, as_utc(at)
    await upsert(
        session,
        registered_people,
        {
            "person_id": event.person_id,
            "registration_number": event.registration_number,
            "initials": event.initials,
            "surname": event.surname,
            "registered_since": event.registered_since,
            "status": status,
            "status_changed_at": changed_at,
            "employer_id": event.employer_id,
        },
        key=["person_id"],
    )
    if early is not None:
        await session.execute(
            sa.delete(early_status_changes).where(early_status_changes.c.person_id == event.person_id)
        )


async def record_status_change(uow: UnitOfWork, event: contracts.RegistrationStatusChanged, envelope: Envelope) -> None:
    """Keep the status of a registration current: the newest change wins, whatever order they arrive in."""
    session = uow.session
    await _one_person_at_a_time(session, event.person_id)
    current = (
        await session.execute(
            sa.select(registered_people.c.status_changed_at).where(registered_people.c.person_id == event.person_id)
        )
    ).first()
    if current is not None:
        if _newer(envelope.occurred_at, current.status_changed_at):
            await session.execute(
                sa.update(registered_people)
                .where(registered_people.c.person_id == event.person_id)
                .values(status=event.new_status, status_changed_at=envelope.occurred_at)
            )
        return
    early = (
        await session.execute(
            sa.select(early_status_changes.c.occurred_at).where(early_status_changes.c.person_id == event.person_id)
        )
    ).first()
    if early is None or _newer(envelope.occurred_at, early.occurred_at):
        await upsert(
            session,
            early_status_changes,
            {"person_id": event.person_id, "new_status": event.new_status, "occurred_at": envelope.occurred_at},
            key=["person_id"],
        )


async def record_cycle(uow: UnitOfWork, event: contracts.CycleOpened, envelope: Envelope) -> None:
    """Remember a cycle the registry opened (an extension re-announces it with a later end date); an older
    announcement arriving after a newer one changes nothing."""
    session = uow.session
    await _one_person_at_a_time(session, event.person_id)
    known = (await session.execute(sa.select(cycles.c.announced_at).where(cycles.c.cycle_id == event.cycle_id))).first()
    if known is not None and not _newer(envelope.occurred_at, known.announced_at):
        return
    await upsert(
        session,
        cycles,
        {
            "cycle_id": event.cycle_id,
            "person_id": event.person_id,
            "sequence": event.sequence,
            "starts_on": event.starts_on,
            "ends_on": event.ends_on,
            "scheme_version": event.scheme_version,
            "announced_at": envelope.occurred_at,
        },
        key=["cycle_id"],
    )


async def record_person_update(uow: UnitOfWork, event: contracts.PersonUpdated, _envelope: Envelope) -> None:
    """Keep name and employer current (the employer goes into re-registration dossiers for the audit's conflict of
    interest rules). A person the portfolio does not know yet is left to RegistrationGranted, which carries both."""
    await repo.update_person_details(
        uow.session, event.person_id, initials=event.initials, surname=event.surname, employer_id=event.employer_id
    )
