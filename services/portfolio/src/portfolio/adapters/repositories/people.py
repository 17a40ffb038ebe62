"""The read models of registered people and their cycles (fed by registry events)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.kit.db import upsert, upsert_many
from portfolio.adapters.orm import cycles, early_status_changes, registered_people
from portfolio.adapters.repositories.rows import as_utc, field_names, maybe_utc


@dataclass(frozen=True, slots=True)
class PersonRecord:
    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    registered_since: date
    status: str
    employer_id: str = ""


@dataclass(frozen=True, slots=True)
class CycleRecord:
    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str
    frozen_at: datetime | None
    correction_until: date | None = None


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> PersonRecord | None:
    # The record's own columns only: the read model's bookkeeping (when its status was set) is the event handlers'.
    columns = [registered_people.c[name] for name in field_names(PersonRecord)]
    row = (
        (await session.execute(sa.select(*columns).where(registered_people.c.person_id == person_id)))
        .mappings()
        .first()
    )
    return None if row is None else PersonRecord(**row)


async def list_cycles(
    session: AsyncSession, person_id: uuid.UUID, *, lock: Literal["share", "update"] | None = None
) -> list[CycleRecord]:
    """The person's cycles, oldest first.

    ``lock`` locks the rows until the transaction ends (PostgreSQL; SQLite has a single writer): "update" when
    freezing a cycle into a dossier, "share" when changing an entry. Freezing then waits for entries being saved
    (and sees them), and an entry saved after the freeze sees the frozen cycle, so no entry slips past a dossier.
    """
    query = (
        sa.select(
            cycles.c.cycle_id,
            cycles.c.sequence,
            cycles.c.starts_on,
            cycles.c.ends_on,
            cycles.c.scheme_version,
            cycles.c.frozen_at,
            cycles.c.correction_until,
        )
        .where(cycles.c.person_id == person_id)
        .order_by(cycles.c.sequence)
    )
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    rows = (await session.execute(query)).mappings()
    return [CycleRecord(**(dict(row) | {"frozen_at": maybe_utc(row["frozen_at"])})) for row in rows]


async def freeze_cycle(session: AsyncSession, cycle_id: uuid.UUID, at: datetime, *, refreeze: bool = False) -> bool:
    """Freeze a cycle (and end any correction window); False when it was frozen already (unless ``refreeze``)."""
    statement = sa.update(cycles).where(cycles.c.cycle_id == cycle_id)
    if not refreeze:
        statement = statement.where(cycles.c.frozen_at.is_(None))
    result = await session.execute(statement.values(frozen_at=at, correction_until=None))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def set_correction_until(session: AsyncSession, cycle_id: uuid.UUID, until: date | None) -> None:
    await session.execute(sa.update(cycles).where(cycles.c.cycle_id == cycle_id).values(correction_until=until))


async def update_person_details(session: AsyncSession, person_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        sa.update(registered_people).where(registered_people.c.person_id == person_id).values(**values)
    )


async def lock_people(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> None:
    """Lock these people's rows until the transaction ends, always in the same order (no deadlock between two
    transactions that lock overlapping sets). A no-op on SQLite, which has one writer at a time anyway."""
    ids = sorted(set(person_ids))
    if ids:
        await session.execute(
            sa.select(registered_people.c.person_id)
            .where(registered_people.c.person_id.in_(ids))
            .order_by(registered_people.c.person_id)
            .with_for_update()
        )


# --- keeping the read models current (registry events may arrive out of order) ---------------------------------


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A registration status and when the event that set it happened (None: not known)."""

    status: str
    changed_at: datetime | None


async def one_person_at_a_time(session: AsyncSession, person_id: uuid.UUID) -> None:
    """Make the handlers of one person wait for each other until the transaction ends.

    PostgreSQL: an advisory lock until the transaction ends (SQLite has one writer at a time anyway).
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(person_id.bytes[:8], "big", signed=True)
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def registration_status(session: AsyncSession, person_id: uuid.UUID) -> StatusRecord | None:
    """The person's registration status in the read model, or None while their registration is unknown."""
    row = (
        await session.execute(
            sa.select(registered_people.c.status, registered_people.c.status_changed_at).where(
                registered_people.c.person_id == person_id
            )
        )
    ).first()
    return None if row is None else StatusRecord(row.status, maybe_utc(row.status_changed_at))


async def early_status_change(session: AsyncSession, person_id: uuid.UUID) -> StatusRecord | None:
    """A status change that arrived before the person's registration, if one waits."""
    row = (
        await session.execute(
            sa.select(early_status_changes.c.new_status, early_status_changes.c.occurred_at).where(
                early_status_changes.c.person_id == person_id
            )
        )
    ).first()
    return None if row is None else StatusRecord(row.new_status, maybe_utc(row.occurred_at))


async def save_registration(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Insert or replace the person's registration row (keyed on person_id)."""
    await upsert(session, registered_people, dict(values), key=["person_id"])


async def forget_early_status_change(session: AsyncSession, person_id: uuid.UUID) -> None:
    """Drop the waiting status change once the registration took it in."""
    await session.execute(sa.delete(early_status_changes).where(early_status_changes.c.person_id == person_id))


async def set_status(session: AsyncSession, person_id: uuid.UUID, status: str, changed_at: datetime) -> None:
    """Set the registration's status and when the event that set it happened."""
    await session.execute(
        sa.update(registered_people)
        .where(registered_people.c.person_id == person_id)
        .values(status=status, status_changed_at=changed_at)
    )


async def keep_early_status_change(
    session: AsyncSession, person_id: uuid.UUID, new_status: str, occurred_at: datetime
) -> None:
    """Keep a status change until the registration it belongs to arrives (the newest one replaces an older)."""
    await upsert(
        session,
        early_status_changes,
        {"person_id": person_id, "new_status": new_status, "occurred_at": occurred_at},
        key=["person_id"],
    )


async def cycle_announced_at(session: AsyncSession, cycle_id: uuid.UUID) -> datetime | None:
    """When the newest announcement of the cycle happened; None for a cycle not known yet."""
    row = (await session.execute(sa.select(cycles.c.announced_at).where(cycles.c.cycle_id == cycle_id))).first()
    return None if row is None or row.announced_at is None else as_utc(row.announced_at)


async def save_cycle(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Insert or replace a cycle the registry announced (keyed on cycle_id)."""
    await upsert(session, cycles, dict(values), key=["cycle_id"])


# --- the same for a batch of events (one statement each, whatever the batch's size) ----------------------------


async def people_at_a_time(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> None:
    """`one_person_at_a_time` for many people in one statement, the keys taken in sorted order (two batches that
    share people cannot deadlock on each other)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(person_id.bytes[:8], "big", signed=True) for person_id in person_ids})
    if keys:
        # unnest yields the array in order and the function scan feeds the projection row by row: sorted locking.
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) AS key"), {"keys": keys}
        )


async def registration_statuses(
    session: AsyncSession, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, StatusRecord]:
    """`registration_status` of many people: the people whose registration the read model holds."""
    return await _statuses(
        session,
        person_ids,
        registered_people.c.person_id,
        registered_people.c.status,
        registered_people.c.status_changed_at,
    )


async def waiting_status_changes(
    session: AsyncSession, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, StatusRecord]:
    """`early_status_change` of many people: the status changes that wait for their registration."""
    return await _statuses(
        session,
        person_ids,
        early_status_changes.c.person_id,
        early_status_changes.c.new_status,
        early_status_changes.c.occurred_at,
    )


async def _statuses(
    session: AsyncSession, person_ids: Iterable[uuid.UUID], person: Any, status: Any, changed_at: Any
) -> dict[uuid.UUID, StatusRecord]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = await session.execute(sa.select(person, status, changed_at).where(person.in_(ids)))
    return {row[0]: StatusRecord(row[1], maybe_utc(row[2])) for row in rows}


async def save_registrations(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """`save_registration` of many people (one row per person)."""
    await upsert_many(session, registered_people, rows, key=["person_id"])


async def forget_early_status_changes(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> None:
    """`forget_early_status_change` of many people."""
    ids = list(set(person_ids))
    if ids:
        await session.execute(sa.delete(early_status_changes).where(early_status_changes.c.person_id.in_(ids)))


async def cycles_announced_at(
    session: AsyncSession, cycle_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, datetime | None]:
    """`cycle_announced_at` of many cycles: the cycles the read model holds."""
    ids = list(set(cycle_ids))
    if not ids:
        return {}
    rows = await session.execute(sa.select(cycles.c.cycle_id, cycles.c.announced_at).where(cycles.c.cycle_id.in_(ids)))
    return {row.cycle_id: maybe_utc(row.announced_at) for row in rows}


async def save_cycles(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """`save_cycle` of many cycles (one row per cycle)."""
    await upsert_many(session, cycles, rows, key=["cycle_id"])
