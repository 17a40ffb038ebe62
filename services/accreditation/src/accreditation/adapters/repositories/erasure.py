"""Forgetting a person: every row that names them, by the kinds of data an erasure covers."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    attendance,
    attendance_disputes,
    idempotency_keys,
    person_names,
    registered_people,
    registration_history,
    teaching_claims,
    webhook_deliveries,
    xapi_statements,
)


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


def _mentions(column: Any, needles: list[str]) -> sa.ColumnElement[bool]:
    text = sa.cast(column, sa.Text)
    return sa.or_(*(text.contains(needle, autoescape=True) for needle in needles))


async def registration_numbers(session: AsyncSession, person_id: uuid.UUID) -> set[str]:
    """The numbers the person is known by: in the read model, and on their attendance."""
    return set(
        (
            await session.execute(
                sa.select(registered_people.c.registration_number).where(registered_people.c.person_id == person_id)
            )
        ).scalars()
    ) | set(
        (await session.execute(sa.select(attendance.c.registration_number).where(attendance.c.person_id == person_id)))
        .scalars()
        .all()
    )


async def erase_attendance(session: AsyncSession, person_id: uuid.UUID, needles: list[str]) -> int:
    """Delete the person's attendance, disputes and teaching claims, and the xAPI statements, webhook messages and
    stored replies that mention any of ``needles``; returns how many rows."""
    rows = 0
    person_attendance = sa.select(attendance.c.attendance_id).where(attendance.c.person_id == person_id)
    for statement in (
        sa.delete(xapi_statements).where(
            sa.or_(
                xapi_statements.c.attendance_id.in_(person_attendance),
                _mentions(xapi_statements.c.statement, needles),
            )
        ),
        sa.delete(webhook_deliveries).where(_mentions(webhook_deliveries.c.payload, needles)),
        sa.delete(idempotency_keys).where(
            idempotency_keys.c.response.is_not(None), _mentions(idempotency_keys.c.response, needles)
        ),
        sa.delete(attendance_disputes).where(attendance_disputes.c.person_id == person_id),
        sa.delete(attendance).where(attendance.c.person_id == person_id),
        sa.delete(teaching_claims).where(teaching_claims.c.person_id == person_id),
    ):
        rows += await _deleted(session, statement)
    return rows


async def erase_registration(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete the read model's rows of the person (history, name, registration); returns how many rows."""
    rows = 0
    for statement in (
        sa.delete(registration_history).where(registration_history.c.person_id == person_id),
        sa.delete(person_names).where(person_names.c.person_id == person_id),
        sa.delete(registered_people).where(registered_people.c.person_id == person_id),
    ):
        rows += await _deleted(session, statement)
    return rows
