"""Providers' objections against course decisions, with their course's title and provider's name and address."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import course_objections, courses, providers
from lklr_shared.objections import OPEN_STATES, ObjectionOutcome

OPEN = [state.value for state in OPEN_STATES]


def _select() -> sa.Select[Any]:
    """The objections with their course's title and provider's name (what the queue and the mails show)."""
    return (
        sa.select(
            course_objections,
            courses.c.title.label("course_title"),
            providers.c.name.label("provider_name"),
            providers.c.contact_email.label("provider_contact_email"),
        )
        .join(courses, courses.c.course_id == course_objections.c.course_id)
        .join(providers, providers.c.provider_id == course_objections.c.provider_id)
    )


async def objection(session: AsyncSession, objection_id: uuid.UUID) -> Any:
    """One objection with its course's title and provider's name and address (None when there is none)."""
    return (await session.execute(_select().where(course_objections.c.objection_id == objection_id))).first()


async def lock(session: AsyncSession, objection_id: uuid.UUID) -> bool:
    """Lock the objection until the transaction ends; False when there is none."""
    locked = await session.execute(
        sa.select(course_objections.c.objection_id)
        .where(course_objections.c.objection_id == objection_id)
        .with_for_update()
    )
    return locked.first() is not None


async def latest_of_courses(session: AsyncSession, course_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The latest filed objection of each of the courses that has one."""
    latest: dict[uuid.UUID, Any] = {}
    found = await session.execute(
        _select()
        .where(course_objections.c.course_id.in_(list(course_ids)))
        .order_by(course_objections.c.filed_on, course_objections.c.updated_at)
    )
    for row in found:
        latest[row.course_id] = row  # the later filed one wins
    return latest


async def queue(session: AsyncSession, *, include_decided: bool, limit: int) -> Sequence[Any]:
    """Open objections by decision deadline, then (if asked) decided ones, newest filed first; ``limit`` at most."""
    is_open = course_objections.c.state.in_(OPEN)
    statement = _select()
    if not include_decided:
        statement = statement.where(is_open)
    statement = statement.order_by(
        sa.case((is_open, 0), else_=1), course_objections.c.decision_due_on, course_objections.c.filed_on.desc()
    ).limit(limit)
    return list((await session.execute(statement)).all())


async def open_objection_of_course(session: AsyncSession, course_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the course's objection still in the flow, if any."""
    row = (
        await session.execute(
            sa.select(course_objections.c.objection_id).where(
                course_objections.c.course_id == course_id, course_objections.c.state.in_(OPEN)
            )
        )
    ).first()
    return None if row is None else row.objection_id


async def insert(session: AsyncSession, **values: Any) -> None:
    """Insert an objection row."""
    await session.execute(sa.insert(course_objections).values(**values))


async def update(session: AsyncSession, objection_id: uuid.UUID, **values: Any) -> None:
    """Change an objection's columns."""
    await session.execute(
        sa.update(course_objections).where(course_objections.c.objection_id == objection_id).values(**values)
    )


async def statistics(session: AsyncSession) -> Sequence[Any]:
    """Per year of filing: how many objections were filed, upheld, not upheld and are still open."""
    year = sa.extract("year", course_objections.c.filed_on)
    outcome = course_objections.c.outcome
    statement = (
        sa.select(
            year.label("year"),
            sa.func.count().label("filed"),
            sa.func.count().filter(outcome == ObjectionOutcome.UPHELD.value).label("upheld"),
            sa.func.count().filter(outcome == ObjectionOutcome.NOT_UPHELD.value).label("not_upheld"),
            sa.func.count().filter(course_objections.c.state.in_(OPEN)).label("open"),
        )
        .group_by(year)
        .order_by(year)
    )
    return (await session.execute(statement)).all()
