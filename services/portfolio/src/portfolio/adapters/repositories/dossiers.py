"""Re-registration dossiers and the activities frozen into each round."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import dossier_activities, dossiers
from portfolio.adapters.repositories.rows import as_utc

# --- re-registration dossiers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DossierRecord:
    dossier_id: uuid.UUID
    person_id: uuid.UUID
    cycle_id: uuid.UUID
    # the application and its round (a return for correction brings round 2)
    applied_on: date
    frozen_at: datetime
    round: int
    # the frozen totals
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    norm_met: bool
    # where the audit stands
    status: str
    sampled: bool | None
    correction_deadline: date | None
    concluded_on: date | None
    updated_at: datetime
    registry_decision: str | None = None
    registry_decided_on: date | None = None


async def find_dossier(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> DossierRecord | None:
    """A dossier by id, by cycle, or the person's latest; ``for_update`` locks it until the transaction ends."""
    query = sa.select(dossiers)
    if dossier_id is not None:
        query = query.where(dossiers.c.dossier_id == dossier_id)
    if person_id is not None:
        query = query.where(dossiers.c.person_id == person_id)
    if cycle_id is not None:
        query = query.where(dossiers.c.cycle_id == cycle_id)
    query = query.order_by(dossiers.c.applied_on.desc(), dossiers.c.frozen_at.desc()).limit(1)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        return None
    return DossierRecord(
        **(dict(row) | {"frozen_at": as_utc(row["frozen_at"]), "updated_at": as_utc(row["updated_at"])})
    )


async def insert_dossier(session: AsyncSession, record: DossierRecord) -> None:
    await session.execute(sa.insert(dossiers).values(asdict(record)))


async def update_dossier(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(dossiers).where(dossiers.c.dossier_id == dossier_id).values(**values))


async def insert_dossier_activities(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(dossier_activities), list(rows))


async def dossier_activity_rows(
    session: AsyncSession, dossier_id: uuid.UUID, round_number: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            sa.select(dossier_activities)
            .where(dossier_activities.c.dossier_id == dossier_id, dossier_activities.c.round == round_number)
            .order_by(dossier_activities.c.completion_date, dossier_activities.c.activity_id)
        )
    ).mappings()
    return [dict(row) for row in rows]


# --- the registry's decisions --------------------------------------------------------------------------------------


async def mark_reregistration_requested(session: AsyncSession, cycle_id: uuid.UUID) -> None:
    """The registry accepted the cycle's dossier as a timely application (a decision already there stays)."""
    await session.execute(
        sa.update(dossiers)
        .where(dossiers.c.cycle_id == cycle_id, dossiers.c.registry_decision.is_(None))
        .values(registry_decision="requested")
    )


async def set_registry_decision(session: AsyncSession, cycle_id: uuid.UUID, decision: str, decided_on: date) -> None:
    """The registry's decision on the cycle's dossier (granted or not_granted) and its day."""
    await session.execute(
        sa.update(dossiers)
        .where(dossiers.c.cycle_id == cycle_id)
        .values(registry_decision=decision, registry_decided_on=decided_on)
    )
