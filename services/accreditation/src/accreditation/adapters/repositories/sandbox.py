"""A sandbox key's attendance records (test people only, apart from the register's)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import sandbox_attendance
from accreditation.adapters.repositories.dialect import insert_ignoring_conflicts
from accreditation.domain.attendance import Candidate


async def already_recorded(
    session: AsyncSession, edition_id: uuid.UUID, candidates: Sequence[Candidate]
) -> dict[uuid.UUID, uuid.UUID]:
    """Sandbox attendance ids on this edition, by test person."""
    if not candidates:
        return {}
    by_number = {c.registration_number: c.person_id for c in candidates}
    rows = await session.execute(
        sa.select(sandbox_attendance.c.registration_number, sandbox_attendance.c.attendance_id).where(
            sandbox_attendance.c.edition_id == edition_id,
            sandbox_attendance.c.registration_number.in_(list(by_number)),
            sandbox_attendance.c.voided_at.is_(None),
        )
    )
    return {by_number[number]: attendance_id for number, attendance_id in rows}


async def insert_record(session: AsyncSession, **values: Any) -> bool:
    """Record a test person on an edition; False when an active record of that number is there already."""
    inserted = await session.execute(
        insert_ignoring_conflicts(
            session,
            sandbox_attendance,
            index_elements=["edition_id", "registration_number"],
            index_where=sandbox_attendance.c.voided_at.is_(None),
        )
        .values(**values)
        .returning(sandbox_attendance.c.attendance_id)
    )
    return inserted.first() is not None


async def void(session: AsyncSession, attendance_id: uuid.UUID, *, reason: str, now: datetime) -> bool:
    """Void an active sandbox record; False when it was voided already."""
    voided = await session.execute(
        sa.update(sandbox_attendance)
        .where(sandbox_attendance.c.attendance_id == attendance_id, sandbox_attendance.c.voided_at.is_(None))
        .values(voided_at=now, void_reason=reason)
    )
    return int(getattr(voided, "rowcount", 0) or 0) == 1


async def record(session: AsyncSession, attendance_id: uuid.UUID) -> Any:
    """The sandbox record, or None."""
    query = sa.select(sandbox_attendance).where(sandbox_attendance.c.attendance_id == attendance_id)
    return (await session.execute(query)).first()


async def records_of_edition(session: AsyncSession, edition_id: uuid.UUID) -> Sequence[Any]:
    """The edition's sandbox records (voided ones too), by registration number."""
    rows = await session.execute(
        sa.select(sandbox_attendance)
        .where(sandbox_attendance.c.edition_id == edition_id)
        .order_by(
            sandbox_attendance.c.registration_number,
            sandbox_attendance.c.recorded_at,
            sandbox_attendance.c.attendance_id,
        )
    )
    return list(rows.all())
