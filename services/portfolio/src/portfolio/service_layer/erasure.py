"""Forgetting a person (registry.PersonErasureRequested): their activities, history, evidence files (rows and the
bytes in the blob store), dossiers and reviewers' grants for the ``portfolio`` kind; the read model of their
registration (name, number) for ``registration`` (the registry erases that kind last, with everything left).
Confirmed with portfolio.PersonErased. The security log gets a line under the erasure's pseudonym only.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import forget_in_kit_tables
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event
from portfolio.adapters.orm import (
    activities,
    activity_versions,
    attendance_voids,
    cycles,
    dossier_activities,
    dossiers,
    early_status_changes,
    evidence_files,
    evidence_uploads,
    norm_met_announcements,
    objection_evidence_grants,
    portfolio_visits,
    registered_people,
    review_evidence_grants,
)
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import blob_key

log = logging.getLogger(__name__)

PORTFOLIO_KINDS = frozenset({"portfolio", "attendance"})


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


async def forget_person(
    context: PortfolioContext, uow: UnitOfWork, event: registry_events.PersonErasureRequested, _envelope: Envelope
) -> None:
    """Erase what the event's kinds cover and confirm (a repeat finds nothing and confirms again with zeros)."""
    session = uow.session
    person_id = event.person_id
    kinds = set(event.kinds)
    rows = files = 0
    if kinds & PORTFOLIO_KINDS or "registration" in kinds or "account" in kinds:
        rows, keys = await _erase_portfolio(session, person_id)
        # The bytes go inside the transaction, before the rows' commit: a handler cannot act after the consumer's
        # commit. Should the commit fail, the retry finds the rows again and deleting a missing blob is a no-op;
        # what cannot happen is a committed erasure that left the files behind.
        for key in keys:
            await context.blobs.delete(key)
        files = len(keys)
    number = None
    if "registration" in kinds or "account" in kinds:
        number = (
            await session.execute(
                sa.select(registered_people.c.registration_number).where(registered_people.c.person_id == person_id)
            )
        ).scalar_one_or_none()
        for statement in (
            sa.delete(early_status_changes).where(early_status_changes.c.person_id == person_id),
            sa.delete(registered_people).where(registered_people.c.person_id == person_id),
        ):
            rows += await _deleted(session, statement)
    rows += await forget_in_kit_tables(session, [str(person_id), number or ""])
    await record_security_event(
        session,
        actor="registry",
        action="person.erased",
        object=event.pseudonym,
        detail={"erasure_id": str(event.erasure_id), "rows": str(rows), "files": str(files)},
    )
    uow.emit(contracts.PersonErased(erasure_id=event.erasure_id, kinds=list(event.kinds), rows=rows, files=files))
    log.info("erasure %s: %d rows and %d evidence files removed", event.erasure_id, rows, files)


async def _erase_portfolio(session: AsyncSession, person_id: uuid.UUID) -> tuple[int, list[str]]:
    """Delete the person's portfolio rows; returns the row count and the blob keys of their files and uploads."""
    stored = list(
        (await session.execute(sa.select(evidence_files.c.blob_key).where(evidence_files.c.person_id == person_id)))
        .scalars()
        .all()
    )
    unfinished = [
        blob_key(upload_id)
        for upload_id in (
            await session.execute(
                sa.select(evidence_uploads.c.upload_id).where(
                    evidence_uploads.c.person_id == person_id, evidence_uploads.c.status != "completed"
                )
            )
        ).scalars()
    ]
    person_activities = sa.select(activities.c.activity_id).where(activities.c.person_id == person_id)
    person_dossiers = sa.select(dossiers.c.dossier_id).where(dossiers.c.person_id == person_id)
    person_cycles = sa.select(cycles.c.cycle_id).where(cycles.c.person_id == person_id)
    rows = 0
    for statement in (
        sa.delete(review_evidence_grants).where(review_evidence_grants.c.person_id == person_id),
        sa.delete(objection_evidence_grants).where(objection_evidence_grants.c.person_id == person_id),
        sa.delete(dossier_activities).where(dossier_activities.c.dossier_id.in_(person_dossiers)),
        sa.delete(dossiers).where(dossiers.c.person_id == person_id),
        sa.delete(activity_versions).where(activity_versions.c.activity_id.in_(person_activities)),
        sa.delete(evidence_files).where(evidence_files.c.person_id == person_id),
        sa.delete(evidence_uploads).where(evidence_uploads.c.person_id == person_id),
        sa.delete(activities).where(activities.c.person_id == person_id),
        sa.delete(attendance_voids).where(attendance_voids.c.person_id == person_id),
        sa.delete(norm_met_announcements).where(norm_met_announcements.c.cycle_id.in_(person_cycles)),
        sa.delete(cycles).where(cycles.c.person_id == person_id),
        sa.delete(portfolio_visits).where(portfolio_visits.c.person_id == person_id),
    ):
        rows += await _deleted(session, statement)
    return rows, stored + unfinished
