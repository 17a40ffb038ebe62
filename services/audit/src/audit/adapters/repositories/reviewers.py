"""Reviewers, their loads, and handing waiting cases to them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import dossiers, review_cases, reviewers
from audit.adapters.repositories.rows import dialect
from audit.domain.assignment import Reviewer
from lklr_shared.kit.db import dialect_insert

# Advisory-lock key of reviewer assignment in this database ("AU" + 1). Every transaction that assigns cases takes
# it first, so loads are counted and raised by one transaction at a time, whatever the number of replicas.
_ASSIGNMENT_LOCK = 0x4155_0001


async def lock_assignment(session: AsyncSession) -> None:
    """Serialise assignment across replicas until the transaction ends (SQLite has a single writer anyway)."""
    if dialect(session) == "postgresql":
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ASSIGNMENT_LOCK)))


@dataclass(frozen=True, slots=True)
class ReviewerRecord:
    reviewer_id: uuid.UUID
    person_id: uuid.UUID | None
    employer_id: str
    name: str
    active: bool
    open_cases: int

    def as_domain(self) -> Reviewer:
        return Reviewer(
            reviewer_id=self.reviewer_id,
            employer_id=self.employer_id,
            person_id=self.person_id,
            active=self.active,
            load=self.open_cases,
        )


async def reviewers_with_loads(session: AsyncSession) -> list[ReviewerRecord]:
    """Every reviewer with their load: the number of open cases assigned to them, counted now."""
    loads = (
        sa.select(review_cases.c.reviewer_id, sa.func.count().label("open_cases"))
        .where(review_cases.c.status == "open")
        .group_by(review_cases.c.reviewer_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(
            reviewers.c.reviewer_id,
            reviewers.c.person_id,
            reviewers.c.employer_id,
            reviewers.c.name,
            reviewers.c.active,
            sa.func.coalesce(loads.c.open_cases, 0),
        )
        .select_from(reviewers.outerjoin(loads, loads.c.reviewer_id == reviewers.c.reviewer_id))
        .order_by(reviewers.c.name, reviewers.c.reviewer_id)
    )
    return [ReviewerRecord(*row) for row in rows]


async def upsert_reviewer(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Add a reviewer, or update name, employer, person and active state of a known one."""
    statement = dialect_insert(session, reviewers).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in {"reviewer_id", "registered_at"}}
    await session.execute(statement.on_conflict_do_update(index_elements=["reviewer_id"], set_=changes))


@dataclass(frozen=True, slots=True)
class WaitingCase:
    """A case without a reviewer, with what the conflict-of-interest rules need about its dossier's owner."""

    case_id: uuid.UUID
    person_id: uuid.UUID
    employer_id: str
    dossier_id: uuid.UUID


async def unassigned_cases(session: AsyncSession) -> list[WaitingCase]:
    rows = await session.execute(
        sa.select(review_cases.c.case_id, dossiers.c.person_id, dossiers.c.employer_id, dossiers.c.dossier_id)
        .select_from(review_cases.join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id))
        .where(review_cases.c.status == "unassigned")
        .order_by(review_cases.c.created_at, review_cases.c.case_id)
    )
    return [WaitingCase(*row) for row in rows]


async def count_unassigned(session: AsyncSession) -> int:
    query = sa.select(sa.func.count()).select_from(review_cases).where(review_cases.c.status == "unassigned")
    return int((await session.execute(query)).scalar_one())


async def assign_cases(session: AsyncSession, assignments: Mapping[uuid.UUID, uuid.UUID], now: datetime) -> None:
    """Give waiting cases their reviewer (case id → reviewer id)."""
    for case_id, reviewer_id in assignments.items():
        await session.execute(
            sa.update(review_cases)
            .where(review_cases.c.case_id == case_id, review_cases.c.status == "unassigned")
            .values(reviewer_id=reviewer_id, status="open", assigned_at=now)
        )
