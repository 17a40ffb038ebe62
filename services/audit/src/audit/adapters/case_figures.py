"""The audit's operational figures: review cases open, waiting for a reviewer, overdue (for the metrics and the
administrator's system page). Read-only counts over indexed columns, run at scrape time."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.adapters.orm import dossiers, information_answers, judgements, review_cases


async def case_figures(session_factory: async_sessionmaker[AsyncSession], today: date) -> dict[str, float]:
    """``open`` (assigned, being judged), ``waiting_for_reviewer`` (no eligible reviewer yet) and ``overdue``: open
    cases with a request for information unanswered past its deadline, and returned dossiers past their correction
    deadline, that the deadline job has not settled yet (a value that stays up means the job does not run)."""
    by_status = sa.select(review_cases.c.status, sa.func.count()).group_by(review_cases.c.status)
    later = judgements.alias("later")
    # The current judgement of an activity is its latest; an earlier request that a later judgement settled is not
    # overdue.
    unanswered = (
        sa.select(sa.func.count(sa.distinct(judgements.c.case_id)))
        .select_from(judgements.join(review_cases, review_cases.c.case_id == judgements.c.case_id))
        .where(
            review_cases.c.status == "open",
            judgements.c.information_deadline < today,
            ~sa.exists().where(
                later.c.case_id == judgements.c.case_id,
                later.c.activity_id == judgements.c.activity_id,
                later.c.sequence > judgements.c.sequence,
            ),
            # An answered request waits for the reviewer; it never lapses.
            ~sa.exists().where(
                information_answers.c.case_id == judgements.c.case_id,
                information_answers.c.activity_id == judgements.c.activity_id,
                information_answers.c.request_sequence == judgements.c.sequence,
            ),
        )
    )
    uncorrected = (
        sa.select(sa.func.count())
        .select_from(review_cases.join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id))
        .where(review_cases.c.status == "awaiting_correction", dossiers.c.correction_deadline < today)
    )
    async with session_factory() as session:
        counts: dict[str, int] = dict((await session.execute(by_status)).tuples().all())
        overdue = (await session.execute(unanswered)).scalar_one() + (await session.execute(uncorrected)).scalar_one()
    return {
        "open": float(counts.get("open", 0)),
        "waiting_for_reviewer": float(counts.get("unassigned", 0)),
        "overdue": float(overdue),
    }
