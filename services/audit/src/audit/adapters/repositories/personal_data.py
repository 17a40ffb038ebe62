"""A person's own data held by the audit, read for their "download all my data" (who reviewed is left out)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import case_activities, dossiers, information_answers, judgements, review_cases
from audit.adapters.repositories.dossiers import DossierRecord, dossier_record
from audit.adapters.repositories.rows import as_utc


@dataclass(frozen=True, slots=True)
class PersonDossier:
    """One of the person's dossiers, and its review case if it was sampled."""

    dossier: DossierRecord
    case_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class JudgementLine:
    """A judgement of one of the person's sampled activities, with the activity's title."""

    case_id: uuid.UUID
    activity_id: uuid.UUID
    title: str
    verdict: str
    reason: str
    judged_on: date
    information_deadline: date | None


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """The person's answer to a request for information."""

    case_id: uuid.UUID
    activity_id: uuid.UUID
    text: str
    evidence_ids: list[uuid.UUID]
    answered_at: datetime


async def dossiers_of_person(session: AsyncSession, person_id: uuid.UUID) -> list[PersonDossier]:
    """Every dossier of the person, oldest first, with its case id (None when not sampled)."""
    rows = await session.execute(
        sa.select(dossiers, review_cases.c.case_id)
        .outerjoin(review_cases, review_cases.c.dossier_id == dossiers.c.dossier_id)
        .where(dossiers.c.person_id == person_id)
        .order_by(dossiers.c.applied_on, dossiers.c.dossier_id)
    )
    return [PersonDossier(dossier_record(row), row["case_id"]) for row in rows.mappings()]


async def judgements_of_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> list[JudgementLine]:
    """The judgements of the cases, in the order they were made."""
    if not case_ids:
        return []
    rows = await session.execute(
        sa.select(
            judgements.c.case_id,
            judgements.c.activity_id,
            case_activities.c.title,
            judgements.c.verdict,
            judgements.c.reason,
            judgements.c.judged_on,
            judgements.c.information_deadline,
        )
        .join(
            case_activities,
            sa.and_(
                case_activities.c.case_id == judgements.c.case_id,
                case_activities.c.activity_id == judgements.c.activity_id,
            ),
        )
        .where(judgements.c.case_id.in_(list(case_ids)))
        # Judgements of one moment (a clock that stands still in tests) keep the case's order.
        .order_by(judgements.c.judged_at, case_activities.c.rank, judgements.c.sequence)
    )
    return [JudgementLine(**row) for row in rows.mappings()]


async def answers_of_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> list[AnswerLine]:
    """The answers given in the cases, in the order they were given."""
    if not case_ids:
        return []
    rows = await session.execute(
        sa.select(information_answers)
        .where(information_answers.c.case_id.in_(list(case_ids)))
        .order_by(information_answers.c.answered_at)
    )
    return [
        AnswerLine(
            case_id=row.case_id,
            activity_id=row.activity_id,
            text=row.text,
            evidence_ids=[uuid.UUID(str(evidence)) for evidence in row.evidence_ids],
            answered_at=as_utc(row.answered_at),
        )
        for row in rows
    ]
