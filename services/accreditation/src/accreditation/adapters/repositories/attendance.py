"""Attendance: the posts, the records they make, the look-ups a post needs, and the professionals' disputes.

The post's statements are set-based (a few IN queries per 1,000 rows, one multi-row INSERT per batch): a post of
1,000 rows makes no per-row round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    attendance,
    attendance_disputes,
    attendance_posts,
    courses,
    editions,
    providers,
    registered_people,
    registration_history,
)
from accreditation.adapters.repositories.dialect import as_utc, insert_ignoring_conflicts
from accreditation.domain.attendance import Candidate, Person, batches
from accreditation.domain.registrations import StatusEntry
from lklr_shared.kit.db import upsert

# --- What a post needs -------------------------------------------------------------------------------------------


async def edition_with_course(session: AsyncSession, edition_id: uuid.UUID) -> Any | None:
    """The edition with its course's terms and state and its provider's name, or None."""
    return (
        await session.execute(
            sa.select(
                editions.c.edition_id,
                editions.c.end_date,
                courses.c.course_id,
                courses.c.provider_id,
                courses.c.title,
                courses.c.category,
                courses.c.status,
                courses.c.study_load_hours,
                courses.c.points,
                courses.c.allows_partial_attendance,
                courses.c.valid_from,
                courses.c.valid_until,
                courses.c.withdrawn_on,
                providers.c.name.label("provider_name"),
            )
            .join(courses, courses.c.course_id == editions.c.course_id)
            .join(providers, providers.c.provider_id == courses.c.provider_id)
            .where(editions.c.edition_id == edition_id)
        )
    ).first()


async def people_by_number(session: AsyncSession, numbers: Iterable[str]) -> dict[str, Person]:
    """The read model's people for these numbers, with their status history (2 queries per 1,000 numbers)."""
    found: dict[str, tuple[uuid.UUID, list[StatusEntry]]] = {}
    for number_chunk in batches(sorted(numbers)):
        rows = await session.execute(
            sa.select(registered_people.c.registration_number, registered_people.c.person_id).where(
                registered_people.c.registration_number.in_(number_chunk)
            )
        )
        for number, person_id in rows:
            found[number] = (person_id, [])
    by_person = {person_id: entries for person_id, entries in found.values()}
    for person_chunk in batches(list(by_person)):
        history = await session.execute(
            sa.select(
                registration_history.c.person_id,
                registration_history.c.effective_on,
                registration_history.c.status,
                registration_history.c.occurred_at,
            ).where(registration_history.c.person_id.in_(person_chunk))
        )
        for person_id, effective_on, status, occurred_at in history:
            by_person[person_id].append(StatusEntry(effective_on, status, as_utc(occurred_at)))
    return {
        number: Person(person_id=person_id, registration_number=number, history=tuple(entries))
        for number, (person_id, entries) in found.items()
    }


async def already_recorded(
    session: AsyncSession, edition_id: uuid.UUID, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Active attendance ids on this edition, by person."""
    recorded: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in batches(person_ids):
        rows = await session.execute(
            sa.select(attendance.c.person_id, attendance.c.attendance_id).where(
                attendance.c.edition_id == edition_id,
                attendance.c.person_id.in_(chunk),
                attendance.c.voided_at.is_(None),
            )
        )
        recorded.update({person_id: attendance_id for person_id, attendance_id in rows})
    return recorded


async def insert_post(session: AsyncSession, **values: Any) -> None:
    """Insert an attendance post row."""
    await session.execute(sa.insert(attendance_posts).values(**values))


async def set_post_counts(
    session: AsyncSession, post_id: uuid.UUID, *, recorded: int, duplicate: int, rejected: int
) -> None:
    """Store how many rows of the post were recorded, duplicates and rejected."""
    await session.execute(
        sa.update(attendance_posts)
        .where(attendance_posts.c.post_id == post_id)
        .values(recorded=recorded, duplicate=duplicate, rejected=rejected)
    )


async def insert_batch(
    session: AsyncSession, batch: Sequence[Candidate], *, edition: Any, post_id: uuid.UUID, channel: str, now: datetime
) -> dict[int, uuid.UUID]:
    """One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING; returns the new attendance id per row index.

    Rows clashing with an active record of the same person on the edition are skipped by the unique index, not
    by us: that is what keeps concurrent posts from recording a person twice.
    """
    planned = {candidate.index: uuid.uuid4() for candidate in batch}
    values = [
        {
            "attendance_id": planned[c.index],
            "post_id": post_id,
            "provider_id": edition.provider_id,
            "course_id": edition.course_id,
            "edition_id": edition.edition_id,
            "person_id": c.person_id,
            "registration_number": c.registration_number,
            "hours": c.hours,
            "points": c.points,
            "completion_date": edition.end_date,
            "channel": channel,
            "recorded_at": now,
        }
        for c in batch
    ]
    statement = insert_ignoring_conflicts(
        session,
        attendance,
        index_elements=["person_id", "edition_id"],
        index_where=attendance.c.voided_at.is_(None),
    ).returning(attendance.c.attendance_id)
    # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" sends the batch as one multi-row INSERT (up to
    # 1,000 rows a page, our batch size) from a statement compiled once and cached. Building the same INSERT with
    # .values(list) would compile 15,000 bind parameters anew for every batch, which costs more than the database.
    inserted = set((await session.execute(statement, values)).scalars())
    return {index: attendance_id for index, attendance_id in planned.items() if attendance_id in inserted}


# --- One record --------------------------------------------------------------------------------------------------


async def record(session: AsyncSession, attendance_id: uuid.UUID) -> Any:
    """The attendance row, or None."""
    return (await session.execute(sa.select(attendance).where(attendance.c.attendance_id == attendance_id))).first()


async def void(session: AsyncSession, attendance_id: uuid.UUID, *, now: datetime, reason: str, voided_by: str) -> bool:
    """Void the record if it is active; False when it was voided already."""
    updated = await session.execute(
        sa.update(attendance)
        .where(attendance.c.attendance_id == attendance_id, attendance.c.voided_at.is_(None))
        .values(voided_at=now, void_reason=reason, voided_by=voided_by)
    )
    return int(getattr(updated, "rowcount", 0) or 0) == 1


async def attendance_reference(session: AsyncSession, attendance_id: uuid.UUID) -> Any | None:
    """The record's course, edition and registration number, or None."""
    return (
        await session.execute(
            sa.select(
                attendance.c.attendance_id,
                attendance.c.course_id,
                attendance.c.edition_id,
                attendance.c.registration_number,
            ).where(attendance.c.attendance_id == attendance_id)
        )
    ).first()


async def is_disputed(session: AsyncSession, attendance_id: uuid.UUID) -> bool:
    """Whether a professional disputed the record."""
    disputed = await session.execute(
        sa.select(attendance_disputes.c.attendance_id).where(attendance_disputes.c.attendance_id == attendance_id)
    )
    return disputed.first() is not None


# --- Lists -------------------------------------------------------------------------------------------------------


def _entries(*extra: Any) -> sa.Select[Any]:
    """Attendance rows with the person's name and any dispute (its time and reason)."""
    return sa.select(
        attendance,
        registered_people.c.initials,
        registered_people.c.surname,
        attendance_disputes.c.disputed_at,
        attendance_disputes.c.reason.label("dispute_reason"),
        *extra,
    )


async def entries_of_edition(session: AsyncSession, edition_id: uuid.UUID) -> Sequence[Any]:
    """The edition's records (voided ones too) by registration number, with names and disputes."""
    rows = await session.execute(
        _entries()
        .outerjoin(registered_people, registered_people.c.person_id == attendance.c.person_id)
        .outerjoin(attendance_disputes, attendance_disputes.c.attendance_id == attendance.c.attendance_id)
        .where(attendance.c.edition_id == edition_id)
        .order_by(attendance.c.registration_number, attendance.c.recorded_at, attendance.c.attendance_id)
    )
    return list(rows.all())


async def disputed_of_provider(session: AsyncSession, provider_id: uuid.UUID) -> Sequence[Any]:
    """The provider's disputed records with their course's title, newest dispute first."""
    rows = await session.execute(
        _entries(courses.c.title.label("course_title"))
        .join(attendance_disputes, attendance_disputes.c.attendance_id == attendance.c.attendance_id)
        .join(courses, courses.c.course_id == attendance.c.course_id)
        .outerjoin(registered_people, registered_people.c.person_id == attendance.c.person_id)
        .where(attendance.c.provider_id == provider_id)
        .order_by(attendance_disputes.c.disputed_at.desc(), attendance.c.attendance_id)
    )
    return list(rows.all())


async def attendance_of_person(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Any]:
    """Every record of the person (voided ones too) with provider, course title and any dispute, oldest first."""
    rows = await session.execute(
        sa.select(
            attendance,
            providers.c.name.label("provider_name"),
            courses.c.title.label("course_title"),
            attendance_disputes.c.reason.label("dispute_reason"),
            attendance_disputes.c.disputed_at,
        )
        .join(providers, providers.c.provider_id == attendance.c.provider_id)
        .join(courses, courses.c.course_id == attendance.c.course_id)
        .outerjoin(attendance_disputes, attendance_disputes.c.attendance_id == attendance.c.attendance_id)
        .where(attendance.c.person_id == person_id)
        .order_by(attendance.c.completion_date, attendance.c.recorded_at, attendance.c.attendance_id)
    )
    return list(rows.all())


# --- Disputes ----------------------------------------------------------------------------------------------------


async def save_dispute(session: AsyncSession, **values: Any) -> None:
    """Attach a professional's dispute to a record (replacing an earlier one)."""
    await upsert(session, attendance_disputes, values, key=["attendance_id"])


async def insert_dispute(session: AsyncSession, **values: Any) -> None:
    """Insert a dispute row (a record has one at most: the unique key refuses a second)."""
    await session.execute(sa.insert(attendance_disputes).values(**values))


async def provider_has_dispute(session: AsyncSession, provider_id: uuid.UUID) -> bool:
    """Whether any of the provider's records is disputed."""
    found = await session.execute(
        sa.select(attendance_disputes.c.attendance_id).where(attendance_disputes.c.provider_id == provider_id)
    )
    return found.first() is not None
