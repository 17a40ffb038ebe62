"""Judgements of sampled activities, the professional's answers to questions, and the requests due."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import information_answers, judgements, review_cases
from audit.adapters.repositories.rows import as_utc
from audit.domain.cases import RecordedJudgement
from audit.domain.judgement import Judgement, Verdict


@dataclass(frozen=True, slots=True)
class StoredJudgement:
    """A judgement row: the domain's judgement, its place in the history, and who made it when."""

    recorded: RecordedJudgement
    judged_by: str
    judged_at: datetime


def _judgement(row: Mapping[Any, Any]) -> StoredJudgement:
    judgement = Judgement(
        activity_id=row["activity_id"],
        verdict=Verdict(row["verdict"]),
        judged_on=row["judged_on"],
        reason=row["reason"],
        information_deadline=row["information_deadline"],
    )
    return StoredJudgement(RecordedJudgement(row["sequence"], judgement), row["judged_by"], as_utc(row["judged_at"]))


async def judgement_history(
    session: AsyncSession, case_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[StoredJudgement]]:
    """Every judgement of the cases, oldest first per activity."""
    ids = list(case_ids)
    found: dict[uuid.UUID, list[StoredJudgement]] = {case_id: [] for case_id in ids}
    if not ids:
        return found
    rows = (
        await session.execute(
            sa.select(judgements)
            .where(judgements.c.case_id.in_(ids))
            .order_by(judgements.c.case_id, judgements.c.activity_id, judgements.c.sequence)
        )
    ).mappings()
    for row in rows:
        found[row["case_id"]].append(_judgement(row))
    return found


async def insert_judgement(
    session: AsyncSession,
    case_id: uuid.UUID,
    recorded: RecordedJudgement,
    *,
    judged_by: str,
    judged_at: datetime,
) -> None:
    judgement = recorded.judgement
    await session.execute(
        sa.insert(judgements).values(
            case_id=case_id,
            activity_id=judgement.activity_id,
            sequence=recorded.sequence,
            verdict=judgement.verdict.value,
            reason=judgement.reason,
            judged_on=judgement.judged_on,
            information_deadline=judgement.information_deadline,
            judged_by=judged_by,
            judged_at=judged_at,
        )
    )


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    activity_id: uuid.UUID
    request_sequence: int
    text: str
    evidence_ids: list[str]
    answered_at: datetime


async def answers_of(session: AsyncSession, case_id: uuid.UUID) -> list[AnswerRecord]:
    rows = await session.execute(
        sa.select(
            information_answers.c.activity_id,
            information_answers.c.request_sequence,
            information_answers.c.text,
            information_answers.c.evidence_ids,
            information_answers.c.answered_at,
        )
        .where(information_answers.c.case_id == case_id)
        .order_by(information_answers.c.answered_at)
    )
    return [AnswerRecord(a, s, t, list(e), as_utc(at)) for a, s, t, e, at in rows]


async def insert_answer(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(sa.insert(information_answers).values(**values))


async def cases_with_requests_due(session: AsyncSession, deadline_before: date, *, limit: int = 100) -> list[uuid.UUID]:
    """Open cases holding a request for more information with a deadline before ``deadline_before``.

    A candidate list only (the request may have been settled or answered since); the caller locks each case and
    decides from its full history.
    """
    query = (
        sa.select(judgements.c.case_id)
        .join(review_cases, review_cases.c.case_id == judgements.c.case_id)
        .where(
            review_cases.c.status == "open",
            judgements.c.verdict == Verdict.MORE_INFORMATION_NEEDED.value,
            judgements.c.information_deadline < deadline_before,
        )
        .distinct()
        .limit(limit)
    )
    return [row[0] for row in await session.execute(query)]
