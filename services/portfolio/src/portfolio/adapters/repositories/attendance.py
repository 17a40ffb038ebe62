"""Attendance voids: a provider withdrawing an attendance, kept until its entry arrives and is voided."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import activities, attendance_voids
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.rows import as_utc, insert_ignoring_duplicates

# --- voids -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoidRecord:
    attendance_id: uuid.UUID
    person_id: uuid.UUID
    provider_id: uuid.UUID
    reason: str
    voided_at: datetime


_ATTENDANCE_LOCKS = 0x4C4B  # advisory-lock namespace of attendances in this database ("LK")


async def lock_attendances(session: AsyncSession, attendance_ids: Iterable[uuid.UUID]) -> None:
    """Serialise the handlers that touch the same attendances, until the transaction ends.

    An attendance batch and a void of one of its rows may be handled at the same moment by two consumers. Each
    would miss the other's uncommitted row (the batch sees no void, the void sees no entry) and the void would
    never be applied. Taking a transaction-scoped advisory lock per attendance first makes the later one wait
    and then see the earlier one's commit. Keys are taken in sorted order (one statement for a whole batch), so
    two batches cannot deadlock. SQLite needs nothing: it has a single writer.
    """
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(attendance_id.bytes[:4], "big", signed=True) for attendance_id in attendance_ids})
    if keys:
        # unnest yields the array in order and the function scan feeds the projection row by row: sorted locking.
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:namespace, key) FROM unnest(CAST(:keys AS integer[])) AS key"),
            {"namespace": _ATTENDANCE_LOCKS, "keys": keys},
        )


async def remember_void(session: AsyncSession, void: VoidRecord) -> None:
    """Keep the void (once per attendance), whether or not its entry has arrived."""
    await session.execute(insert_ignoring_duplicates(session, attendance_voids, "attendance_id").values(asdict(void)))


async def pending_voids(session: AsyncSession, attendance_ids: Iterable[uuid.UUID]) -> list[VoidRecord]:
    """Voids not yet applied to an entry, for the given attendances."""
    ids = list(attendance_ids)
    if not ids:
        return []
    rows = (
        await session.execute(
            sa.select(
                attendance_voids.c.attendance_id,
                attendance_voids.c.person_id,
                attendance_voids.c.provider_id,
                attendance_voids.c.reason,
                attendance_voids.c.voided_at,
            ).where(attendance_voids.c.attendance_id.in_(ids), attendance_voids.c.applied_at.is_(None))
        )
    ).mappings()
    return [VoidRecord(**(dict(row) | {"voided_at": as_utc(row["voided_at"])})) for row in rows]


async def mark_void_applied(session: AsyncSession, attendance_id: uuid.UUID, applied_at: datetime) -> None:
    await session.execute(
        sa.update(attendance_voids)
        .where(attendance_voids.c.attendance_id == attendance_id)
        .values(applied_at=applied_at)
    )


async def activity_for_attendance(session: AsyncSession, attendance_id: uuid.UUID) -> ActivityRecord | None:
    row = (
        (
            await session.execute(
                sa.select(activities).where(activities.c.attendance_id == attendance_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ActivityRecord.from_row(row)
