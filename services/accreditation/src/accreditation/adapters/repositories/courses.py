"""Courses, their editions and history, and the public catalogue's query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import course_history, courses, editions, providers
from accreditation.adapters.repositories.dialect import for_update
from accreditation.domain.courses import CourseStatus

# --- Courses with their provider's name --------------------------------------------------------------------------


async def _with_provider_name(session: AsyncSession, where: sa.ColumnElement[bool], *order_by: Any) -> Sequence[Any]:
    return (
        await session.execute(
            sa.select(courses, providers.c.name.label("provider_name"))
            .join(providers, providers.c.provider_id == courses.c.provider_id)
            .where(where)
            .order_by(*order_by, courses.c.course_id)
        )
    ).all()


async def course_with_provider_name(session: AsyncSession, course_id: uuid.UUID) -> Sequence[Any]:
    """The course (none or one row) with its provider's name."""
    return await _with_provider_name(session, courses.c.course_id == course_id)


async def courses_of_provider(session: AsyncSession, provider_id: uuid.UUID) -> Sequence[Any]:
    """The provider's courses, newest submission first."""
    return await _with_provider_name(session, courses.c.provider_id == provider_id, courses.c.submitted_at.desc())


async def courses_for_review(session: AsyncSession) -> Sequence[Any]:
    """New and revised submissions and courses with an open objection, oldest first."""
    return await _with_provider_name(
        session,
        sa.or_(courses.c.status == CourseStatus.SUBMITTED.value, courses.c.objection_open.is_(True)),
        courses.c.submitted_at,
    )


async def courses_with_open_objection(session: AsyncSession) -> Sequence[Any]:
    """Courses whose provider objected to the latest decision and the committee has not answered, oldest first."""
    return await _with_provider_name(session, courses.c.objection_open.is_(True), courses.c.submitted_at)


# --- One course --------------------------------------------------------------------------------------------------


async def course(session: AsyncSession, course_id: uuid.UUID, *, lock: bool = False) -> Any | None:
    """The course's row (locked until the transaction ends, if asked), or None."""
    query = sa.select(courses).where(courses.c.course_id == course_id)
    return (await session.execute(for_update(query, session) if lock else query)).first()


async def insert_course(session: AsyncSession, **values: Any) -> None:
    """Insert a course row."""
    await session.execute(sa.insert(courses).values(**values))


async def update_course(session: AsyncSession, course_id: uuid.UUID, **values: Any) -> None:
    """Change a course's columns."""
    await session.execute(sa.update(courses).where(courses.c.course_id == course_id).values(**values))


async def objection_open(session: AsyncSession, course_id: uuid.UUID) -> bool:
    """Whether the course waits for the committee's answer to an objection."""
    found = await session.execute(sa.select(courses.c.objection_open).where(courses.c.course_id == course_id))
    return bool(found.scalar_one_or_none())


async def decision_summary(session: AsyncSession, course_id: uuid.UUID) -> Any:
    """What a decision's webhook tells of the course: its provider, title, status, points and validity."""
    return (
        await session.execute(
            sa.select(
                courses.c.course_id,
                courses.c.provider_id,
                courses.c.title,
                courses.c.status,
                courses.c.points,
                courses.c.valid_from,
                courses.c.valid_until,
            ).where(courses.c.course_id == course_id)
        )
    ).one()


async def approved_ending_between(session: AsyncSession, first: date, last: date) -> Sequence[Any]:
    """Approved courses whose validity ends from ``first`` to ``last``: id, provider, title and end."""
    return (
        await session.execute(
            sa.select(courses.c.course_id, courses.c.provider_id, courses.c.title, courses.c.valid_until).where(
                courses.c.status == "approved",
                courses.c.valid_until.is_not(None),
                courses.c.valid_until >= first,
                courses.c.valid_until <= last,
            )
        )
    ).all()


# --- History and editions ----------------------------------------------------------------------------------------


async def insert_history(session: AsyncSession, **values: Any) -> None:
    """Add a step to a course's history."""
    await session.execute(sa.insert(course_history).values(**values))


async def history_of(session: AsyncSession, course_ids: Iterable[uuid.UUID]) -> Sequence[Any]:
    """The history steps of the courses, in the order they were taken."""
    return (
        await session.execute(
            sa.select(course_history)
            .where(course_history.c.course_id.in_(list(course_ids)))
            .order_by(course_history.c.entry_id)
        )
    ).all()


async def insert_edition(session: AsyncSession, **values: Any) -> None:
    """Insert an edition row."""
    await session.execute(sa.insert(editions).values(**values))


async def edition(session: AsyncSession, edition_id: uuid.UUID) -> Any:
    """One edition's row."""
    return (await session.execute(sa.select(editions).where(editions.c.edition_id == edition_id))).one()


async def editions_of(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> Sequence[Any]:
    """The editions of the courses, by dates."""
    return (
        await session.execute(
            sa.select(editions)
            .where(editions.c.course_id.in_(course_ids))
            .order_by(editions.c.start_date, editions.c.end_date, editions.c.edition_id)
        )
    ).all()


# --- The public catalogue ----------------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    # The search text is data, not a pattern: escape LIKE's wildcards.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def catalogue(
    session: AsyncSession, *, today: date, category: str | None, text: str, limit: int, offset: int
) -> tuple[int, Sequence[Any]]:
    """Approved courses valid today (the rule of ``domain.courses.is_in_catalogue``, as SQL), of the category and
    containing the text if given, by title: how many in all, and the page's rows with their provider's name."""
    conditions: list[sa.ColumnElement[bool]] = [
        courses.c.status == CourseStatus.APPROVED.value,
        courses.c.valid_from <= today,
        courses.c.valid_until >= today,
        sa.or_(courses.c.withdrawn_on.is_(None), courses.c.withdrawn_on > today),
    ]
    if category is not None:
        conditions.append(courses.c.category == category)
    if text:
        pattern = _like_pattern(text)
        conditions.append(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (courses.c.title, courses.c.description, courses.c.target_group, providers.c.name)
                )
            )
        )
    base = sa.select(courses, providers.c.name.label("provider_name")).join(
        providers, providers.c.provider_id == courses.c.provider_id
    )
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(base.where(*conditions).subquery()))
    ).scalar_one()
    rows = (
        await session.execute(
            base.where(*conditions)
            .order_by(sa.func.lower(courses.c.title), courses.c.course_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return int(total), rows
