"""Erasing a person from the audit's tables: the personal parts of their dossiers go, the rest is anonymised."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import case_activities, dossier_rounds, dossiers, information_answers, judgements, review_cases


async def _count(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


async def registration_numbers(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """The registration numbers the person's dossiers carry."""
    query = sa.select(dossiers.c.registration_number).where(dossiers.c.person_id == person_id).distinct()
    return list((await session.execute(query)).scalars())


async def erase_and_anonymise(session: AsyncSession, person_id: uuid.UUID, *, anonymous: uuid.UUID) -> int:
    """Delete the sampled activities, judgements, answers and automatic checks of the person's dossiers, and tie the
    dossiers to ``anonymous`` without number or employer; returns how many rows were removed or changed."""
    person_dossiers = sa.select(dossiers.c.dossier_id).where(dossiers.c.person_id == person_id)
    person_cases = sa.select(review_cases.c.case_id).where(review_cases.c.dossier_id.in_(person_dossiers))
    rows = 0
    for statement in (
        sa.delete(information_answers).where(information_answers.c.case_id.in_(person_cases)),
        sa.delete(judgements).where(judgements.c.case_id.in_(person_cases)),
        sa.delete(case_activities).where(case_activities.c.case_id.in_(person_cases)),
        sa.update(dossier_rounds).where(dossier_rounds.c.dossier_id.in_(person_dossiers)).values(automatic_check=None),
        sa.update(dossiers)
        .where(dossiers.c.person_id == person_id)
        .values(person_id=anonymous, registration_number="", employer_id=""),
    ):
        rows += await _count(session, statement)
    return rows
