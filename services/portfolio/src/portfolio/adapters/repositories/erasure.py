"""Erasing a person from the portfolio's tables (the blob store's bytes are the service layer's to delete)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

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


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


async def stored_blob_keys(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """The blob keys of the person's stored evidence files."""
    return list(
        (await session.execute(sa.select(evidence_files.c.blob_key).where(evidence_files.c.person_id == person_id)))
        .scalars()
        .all()
    )


async def unfinished_upload_ids(session: AsyncSession, person_id: uuid.UUID) -> list[uuid.UUID]:
    """The person's uploads never completed (their staged bytes are in the blob store too)."""
    return list(
        (
            await session.execute(
                sa.select(evidence_uploads.c.upload_id).where(
                    evidence_uploads.c.person_id == person_id, evidence_uploads.c.status != "completed"
                )
            )
        ).scalars()
    )


async def erase_portfolio_rows(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete the person's portfolio rows (entries and their history, evidence rows, dossiers, grants, cycles,
    visits); returns how many rows went."""
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
    return rows


async def registration_number(session: AsyncSession, person_id: uuid.UUID) -> str | None:
    """The person's registration number in the read model, if it is still there."""
    return (
        await session.execute(
            sa.select(registered_people.c.registration_number).where(registered_people.c.person_id == person_id)
        )
    ).scalar_one_or_none()


async def erase_registration_rows(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete the person's registration read model (and a status change waiting for it); returns the row count."""
    rows = 0
    for statement in (
        sa.delete(early_status_changes).where(early_status_changes.c.person_id == person_id),
        sa.delete(registered_people).where(registered_people.c.person_id == person_id),
    ):
        rows += await _deleted(session, statement)
    return rows
