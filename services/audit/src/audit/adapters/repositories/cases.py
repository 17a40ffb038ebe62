"""Review cases and their sampled activities, and the lists of cases a reviewer or a person sees."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import case_activities, dossiers, review_cases
from audit.adapters.repositories.rows import as_utc, maybe_utc


async def insert_cases(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(review_cases), list(rows))


async def insert_case_activities(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(case_activities), list(rows))


@dataclass(frozen=True, slots=True)
class CaseRecord:
    case_id: uuid.UUID
    dossier_id: uuid.UUID
    reviewer_id: uuid.UUID | None
    status: str
    self_entered_ids: list[str]
    created_at: datetime
    assigned_at: datetime | None
    closed_at: datetime | None


def _case(row: Mapping[Any, Any]) -> CaseRecord:
    return CaseRecord(
        **(
            dict(row)
            | {
                "created_at": as_utc(row["created_at"]),
                "assigned_at": maybe_utc(row["assigned_at"]),
                "closed_at": maybe_utc(row["closed_at"]),
            }
        )
    )


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False) -> CaseRecord | None:
    """One case; ``for_update`` locks it until the transaction ends: every change of a case (a judgement, an
    answer, the deadline job) takes this lock first, so a case is concluded exactly once."""
    query = sa.select(review_cases).where(review_cases.c.case_id == case_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _case(row)


async def case_of_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, for_update: bool = False
) -> CaseRecord | None:
    query = sa.select(review_cases).where(review_cases.c.dossier_id == dossier_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _case(row)


async def update_case(session: AsyncSession, case_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(review_cases).where(review_cases.c.case_id == case_id).values(**values))


@dataclass(frozen=True, slots=True)
class CaseActivityRecord:
    case_id: uuid.UUID
    activity_id: uuid.UUID
    rank: int
    category: str
    activity_type: str
    title: str
    description: str
    points: Decimal
    accredited: bool
    completion_date: date
    evidence: list[dict[str, Any]]


async def activities_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[CaseActivityRecord]:
    rows = (
        await session.execute(
            sa.select(case_activities).where(case_activities.c.case_id == case_id).order_by(case_activities.c.rank)
        )
    ).mappings()
    return [CaseActivityRecord(**dict(row)) for row in rows]


async def activity_ids_of_cases(
    session: AsyncSession, case_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The sampled activities of several cases (case id → activity ids in rank order), in one query."""
    ids = list(case_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {case_id: [] for case_id in ids}
    if ids:
        rows = await session.execute(
            sa.select(case_activities.c.case_id, case_activities.c.activity_id)
            .where(case_activities.c.case_id.in_(ids))
            .order_by(case_activities.c.case_id, case_activities.c.rank)
        )
        for case_id, activity_id in rows:
            found[case_id].append(activity_id)
    return found


@dataclass(frozen=True, slots=True)
class CaseLine:
    case_id: uuid.UUID
    dossier_id: uuid.UUID
    registration_number: str
    status: str
    assigned_at: datetime | None
    outcome: str | None


async def cases_of_reviewer(session: AsyncSession, reviewer_id: uuid.UUID, *, include_closed: bool) -> list[CaseLine]:
    query = (
        sa.select(
            review_cases.c.case_id,
            review_cases.c.dossier_id,
            dossiers.c.registration_number,
            review_cases.c.status,
            review_cases.c.assigned_at,
            dossiers.c.outcome,
        )
        .select_from(review_cases.join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id))
        .where(review_cases.c.reviewer_id == reviewer_id)
        .order_by((review_cases.c.status != "open"), review_cases.c.assigned_at, review_cases.c.case_id)
    )
    if not include_closed:
        query = query.where(review_cases.c.status == "open")
    return [CaseLine(c, d, n, s, maybe_utc(at), o) for c, d, n, s, at, o in await session.execute(query)]


async def activity_counts(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not case_ids:
        return {}
    rows = await session.execute(
        sa.select(case_activities.c.case_id, sa.func.count())
        .where(case_activities.c.case_id.in_(list(case_ids)))
        .group_by(case_activities.c.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


async def open_cases_of_person(session: AsyncSession, person_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(case id, dossier id) of the person's cases under review."""
    rows = await session.execute(
        sa.select(review_cases.c.case_id, review_cases.c.dossier_id)
        .join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id)
        .where(dossiers.c.person_id == person_id, review_cases.c.status == "open")
        .order_by(review_cases.c.created_at)
    )
    return [(case_id, dossier_id) for case_id, dossier_id in rows]
