"""The evidence grants this service checks on every read: a reviewer's (kept from audit.EvidenceAccessGranted) and
the register office's for the files sent with an objection (kept from registry.ObjectionEvidenceShared)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import objection_evidence_grants, review_evidence_grants
from portfolio.adapters.repositories.rows import insert_ignoring_duplicates

ACTIVITY, EVIDENCE = "activity", "evidence"


async def add_grants(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    reviewer_id: uuid.UUID,
    person_id: uuid.UUID,
    dossier_id: uuid.UUID,
    items: Iterable[tuple[str, uuid.UUID]],
    now: datetime,
) -> None:
    """Store grants; a grant that exists already (a redelivered event) is skipped."""
    rows = [
        {
            "case_id": case_id,
            "reviewer_id": reviewer_id,
            "item_kind": kind,
            "item_id": item_id,
            "person_id": person_id,
            "dossier_id": dossier_id,
            "granted_at": now,
        }
        for kind, item_id in dict.fromkeys(items)
    ]
    if not rows:
        return
    statement = insert_ignoring_duplicates(
        session, review_evidence_grants, "case_id", "reviewer_id", "item_kind", "item_id"
    )
    await session.execute(statement, rows)


async def is_granted(
    session: AsyncSession,
    *,
    case_id: uuid.UUID,
    reviewer_id: uuid.UUID,
    person_id: uuid.UUID,
    evidence_id: uuid.UUID,
    activity_id: uuid.UUID | None,
) -> bool:
    """Whether the reviewer's case grants this file of `person_id`: by its activity or by the file itself."""
    items = [sa.and_(review_evidence_grants.c.item_kind == EVIDENCE, review_evidence_grants.c.item_id == evidence_id)]
    if activity_id is not None:
        items.append(
            sa.and_(review_evidence_grants.c.item_kind == ACTIVITY, review_evidence_grants.c.item_id == activity_id)
        )
    query = (
        sa.select(sa.literal(1))
        .select_from(review_evidence_grants)
        .where(
            review_evidence_grants.c.case_id == case_id,
            review_evidence_grants.c.reviewer_id == reviewer_id,
            review_evidence_grants.c.person_id == person_id,
            sa.or_(*items),
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


async def add_objection_grants(
    session: AsyncSession,
    *,
    objection_id: uuid.UUID,
    person_id: uuid.UUID,
    evidence_ids: Iterable[uuid.UUID],
    now: datetime,
) -> None:
    """Store which files of ``person_id`` the objection shares with the office; one already there is skipped."""
    rows = [
        {"objection_id": objection_id, "evidence_id": evidence_id, "person_id": person_id, "granted_at": now}
        for evidence_id in dict.fromkeys(evidence_ids)
    ]
    if rows:
        statement = insert_ignoring_duplicates(session, objection_evidence_grants, "objection_id", "evidence_id")
        await session.execute(statement, rows)


async def is_shared_with_objection(
    session: AsyncSession, *, objection_id: uuid.UUID, person_id: uuid.UUID, evidence_id: uuid.UUID
) -> bool:
    """Whether the objection shares this file of ``person_id`` with the office."""
    query = sa.select(sa.literal(1)).where(
        objection_evidence_grants.c.objection_id == objection_id,
        objection_evidence_grants.c.evidence_id == evidence_id,
        objection_evidence_grants.c.person_id == person_id,
    )
    return (await session.execute(query)).first() is not None
