"""Audit dossiers: reading and updating one, the corrections past their deadline, a round's automatic check."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import dossier_rounds, dossiers
from audit.adapters.repositories.rows import as_utc, dialect


@dataclass(frozen=True, slots=True)
class DossierRecord:
    dossier_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    employer_id: str
    scheme_version: str
    applied_on: date
    audit_year: int
    round: int
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    sampled: bool
    seed: str
    draw: float
    exemption_reason: str | None
    status: str
    outcome: str | None
    was_returned: bool
    correction_deadline: date | None
    concluded_on: date | None
    received_at: datetime


def dossier_record(row: Mapping[Any, Any]) -> DossierRecord:
    """The record of a row of ``dossiers`` (its columns, and maybe others, which are left out)."""
    values = {name: row[name] for name in DossierRecord.__dataclass_fields__}
    return DossierRecord(**(values | {"received_at": as_utc(row["received_at"])}))


async def get_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, for_update: bool = False
) -> DossierRecord | None:
    query = sa.select(dossiers).where(dossiers.c.dossier_id == dossier_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dossier_record(row)


async def update_dossier(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(dossiers).where(dossiers.c.dossier_id == dossier_id).values(**values))


async def expired_corrections(session: AsyncSession, deadline_before: date, *, limit: int = 100) -> list[uuid.UUID]:
    """Dossiers returned for correction whose deadline lies before ``deadline_before``, locked for this
    transaction; rows another replica holds are skipped (it is handling them)."""
    query = (
        sa.select(dossiers.c.dossier_id)
        .where(dossiers.c.status == "returned_for_correction", dossiers.c.correction_deadline < deadline_before)
        .order_by(dossiers.c.correction_deadline)
        .limit(limit)
    )
    if dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [row[0] for row in await session.execute(query)]


async def automatic_check_of(session: AsyncSession, dossier_id: uuid.UUID, round_number: int) -> Any:
    """The stored automatic check of a dossier's round (JSON), or None."""
    return (
        await session.execute(
            sa.select(dossier_rounds.c.automatic_check).where(
                dossier_rounds.c.dossier_id == dossier_id, dossier_rounds.c.round == round_number
            )
        )
    ).scalar_one_or_none()
