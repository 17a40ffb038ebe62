"""Verifiable credentials issued (each row's key is its bit in the status list) and the norm-met day of a cycle
they prove."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import credentials, cycles


async def live_credential(
    session: AsyncSession, person_id: uuid.UUID, kind: str, valid_from: date, valid_until: date
) -> Any:
    """The person's unrevoked credential of ``kind`` over exactly this period (credential_id, status_index, ...),
    or None."""
    return (
        await session.execute(
            sa.select(credentials).where(
                credentials.c.person_id == person_id,
                credentials.c.kind == kind,
                credentials.c.valid_from == valid_from,
                credentials.c.valid_until == valid_until,
                credentials.c.revoked_at.is_(None),
            )
        )
    ).first()


async def add_credential(
    session: AsyncSession,
    *,
    credential_id: str,
    person_id: uuid.UUID,
    kind: str,
    valid_from: date,
    valid_until: date,
    issued_at: datetime,
) -> int:
    """Record an issued credential; returns its status index (its own bit in the status list)."""
    status_index: int = (
        await session.execute(
            sa.insert(credentials)
            .values(
                credential_id=credential_id,
                person_id=person_id,
                kind=kind,
                valid_from=valid_from,
                valid_until=valid_until,
                issued_at=issued_at,
            )
            .returning(credentials.c.status_index)
        )
    ).scalar_one()
    return status_index


async def highest_status_index(session: AsyncSession) -> int | None:
    """The highest status index given out, or None before the first credential."""
    highest: int | None = (await session.execute(sa.select(sa.func.max(credentials.c.status_index)))).scalar_one()
    return highest


async def revoked_status_indexes(session: AsyncSession, first: int, count: int) -> Sequence[int]:
    """The status indexes in ``first`` .. ``first + count - 1`` of revoked credentials."""
    return (
        (
            await session.execute(
                sa.select(credentials.c.status_index).where(
                    credentials.c.revoked_at.is_not(None),
                    credentials.c.status_index >= first,
                    credentials.c.status_index < first + count,
                )
            )
        )
        .scalars()
        .all()
    )


async def lock_cycle_norm(session: AsyncSession, cycle_id: uuid.UUID) -> Any:
    """The cycle's person_id, starts_on, ends_on and norm_met_on, its row locked until the commit; or None."""
    return (
        await session.execute(
            sa.select(cycles.c.person_id, cycles.c.starts_on, cycles.c.ends_on, cycles.c.norm_met_on)
            .where(cycles.c.cycle_id == cycle_id)
            .with_for_update()
        )
    ).first()


async def set_norm_met(session: AsyncSession, cycle_id: uuid.UUID, met_on: date) -> None:
    """Keep the day the cycle's norm was met."""
    await session.execute(sa.update(cycles).where(cycles.c.cycle_id == cycle_id).values(norm_met_on=met_on))
