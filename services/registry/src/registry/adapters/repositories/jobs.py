"""What the scheduled jobs read a page at a time (rows locked with SKIP LOCKED, so replicas take different ones),
and the reminders and digests they mark as done."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import (
    accounts,
    cycles,
    entry_notices,
    people,
    registration_applications,
    registrations,
    reminders_sent,
    status_history,
)
from registry.adapters.orm import reregistrations as dossiers
from registry.adapters.repositories.objections import holds_registration
from registry.adapters.sql import claim, lock_rows_skipping_locked
from registry.domain.reregistration import ApplicationState
from registry.domain.status import RegistrationStatus

_REMINDER_KEY = [reminders_sent.c.cycle_id, reminders_sent.c.cycle_ends_on, reminders_sent.c.reminder]


def _is_latest_cycle() -> sa.ColumnElement[bool]:
    """``cycles`` is the person's latest cycle (no later one exists); a NOT EXISTS instead of max(), so the
    query can lock rows (PostgreSQL refuses FOR UPDATE with aggregates)."""
    later = cycles.alias("later_cycle")
    return ~sa.exists().where(later.c.person_id == cycles.c.person_id, later.c.sequence > cycles.c.sequence)


async def _person_page(session: AsyncSession, query: sa.Select[Any], after: uuid.UUID | None) -> list[uuid.UUID]:
    """The next page of a query on registrations' person ids (after ``after``), the rows locked."""
    if after is not None:
        query = query.where(registrations.c.person_id > after)
    return list((await session.execute(lock_rows_skipping_locked(query, session, registrations))).scalars())


async def lapsed_page(
    session: AsyncSession, *, statuses: Collection[str], today: date, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """People whose registration is in one of ``statuses`` with its latest cycle ended before ``today``, and no
    open objection against a refused re-registration keeping it; ``limit`` of them after ``after``."""
    query = (
        sa.select(registrations.c.person_id)
        .join(cycles, cycles.c.person_id == registrations.c.person_id)
        .where(
            _is_latest_cycle(),
            registrations.c.status.in_(statuses),
            cycles.c.ends_on < today,
            # An objection against a refused re-registration keeps the registration while it runs.
            ~holds_registration(registrations.c.person_id),
        )
        .order_by(registrations.c.person_id)
        .limit(limit)
    )
    return await _person_page(session, query, after)


async def ended_page(
    session: AsyncSession, *, statuses: Collection[str], ended_before: datetime, after: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """People whose registration is in one of the ended ``statuses`` since before ``ended_before``."""
    ended_at = (
        sa.select(sa.func.max(status_history.c.at))
        .where(status_history.c.person_id == registrations.c.person_id, status_history.c.to_status.in_(statuses))
        .scalar_subquery()
    )
    query = (
        sa.select(registrations.c.person_id)
        .where(registrations.c.status.in_(statuses), ended_at < ended_before)
        .order_by(registrations.c.person_id)
        .limit(limit)
    )
    return await _person_page(session, query, after)


async def unconfirmed_accounts_page(
    session: AsyncSession, *, created_before: datetime, after: uuid.UUID | None, limit: int
) -> list[Any]:
    """Accounts (id and roles) never confirmed, created before ``created_before``, of people who never
    registered nor applied; the rows locked."""
    query = (
        sa.select(accounts.c.account_id, accounts.c.account_roles)
        .where(
            accounts.c.email_confirmed_at.is_(None),
            accounts.c.created_at < created_before,
            ~sa.exists().where(registrations.c.person_id == accounts.c.account_id),
            ~sa.exists().where(registration_applications.c.person_id == accounts.c.account_id),
        )
        .order_by(accounts.c.account_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(accounts.c.account_id > after)
    return list((await session.execute(lock_rows_skipping_locked(query, session, accounts))).all())


async def reminder_page(
    session: AsyncSession, *, today: date, horizon: date, after: uuid.UUID | None, limit: int
) -> list[Any]:
    """Registered people whose latest cycle ends between ``today`` and ``horizon`` without an application in
    (refused ones do not count), with their address, language and name; the registration rows locked."""
    application_in = sa.exists().where(
        dossiers.c.cycle_id == cycles.c.cycle_id,
        dossiers.c.state != ApplicationState.REFUSED.value,
    )
    query = (
        sa.select(
            registrations.c.person_id,
            registrations.c.registration_number,
            cycles.c.cycle_id,
            cycles.c.ends_on,
            cycles.c.scheme_version,
            accounts.c.email,
            accounts.c.preferred_language,
            people.c.initials,
            people.c.surname,
        )
        .join(cycles, cycles.c.person_id == registrations.c.person_id)
        .join(accounts, accounts.c.account_id == registrations.c.person_id)
        .join(people, people.c.person_id == registrations.c.person_id)
        .where(
            _is_latest_cycle(),
            registrations.c.status == RegistrationStatus.REGISTERED.value,
            cycles.c.ends_on >= today,
            cycles.c.ends_on <= horizon,
            ~application_in,
        )
        .order_by(registrations.c.person_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(registrations.c.person_id > after)
    return list((await session.execute(lock_rows_skipping_locked(query, session, registrations))).all())


async def handled_reminders(
    session: AsyncSession, cycle_ids: Collection[uuid.UUID]
) -> dict[tuple[uuid.UUID, date], set[str]]:
    """The reminders handled (sent or skipped) per (cycle, cycle end)."""
    rows = (
        await session.execute(
            sa.select(reminders_sent.c.cycle_id, reminders_sent.c.cycle_ends_on, reminders_sent.c.reminder).where(
                reminders_sent.c.cycle_id.in_(list(cycle_ids))
            )
        )
    ).all()
    handled: dict[tuple[uuid.UUID, date], set[str]] = defaultdict(set)
    for row in rows:
        handled[(row.cycle_id, row.cycle_ends_on)].add(row.reminder)
    return handled


async def claim_reminder(
    session: AsyncSession,
    *,
    cycle_id: uuid.UUID,
    cycle_ends_on: date,
    reminder: str,
    person_id: uuid.UUID,
    due_on: date,
    at: datetime,
) -> bool:
    """Insert the reminder's unique key; True when this transaction did (so it, and no other replica, acts)."""
    values = {
        "cycle_id": cycle_id,
        "cycle_ends_on": cycle_ends_on,
        "reminder": reminder,
        "person_id": person_id,
        "due_on": due_on,
        "handled_at": at,
        "mail_id": None,
    }
    return await claim(session, reminders_sent, values, _REMINDER_KEY)


async def set_reminder_mail(
    session: AsyncSession, *, cycle_id: uuid.UUID, cycle_ends_on: date, reminder: str, mail_id: uuid.UUID
) -> None:
    """Note the mail a claimed reminder was sent as."""
    await session.execute(
        sa.update(reminders_sent)
        .where(
            reminders_sent.c.cycle_id == cycle_id,
            reminders_sent.c.cycle_ends_on == cycle_ends_on,
            reminders_sent.c.reminder == reminder,
        )
        .values(mail_id=mail_id)
    )


async def unnotified_entries_page(session: AsyncSession, *, limit: int) -> list[Any]:
    """Provider-placed entries not yet in a digest, by person; the rows locked."""
    query = (
        sa.select(entry_notices)
        .where(entry_notices.c.notified_at.is_(None))
        .order_by(entry_notices.c.person_id, entry_notices.c.completion_date, entry_notices.c.activity_id)
        .limit(limit)
    )
    return list((await session.execute(lock_rows_skipping_locked(query, session, entry_notices))).all())


async def mark_notified(session: AsyncSession, activity_ids: Collection[uuid.UUID], at: datetime) -> None:
    """The entries were in a digest (or had nobody to mail)."""
    await session.execute(
        sa.update(entry_notices).where(entry_notices.c.activity_id.in_(list(activity_ids))).values(notified_at=at)
    )
