"""Cycle extensions for illness or pregnancy, and the office's refusals to extend."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import cycle_extension_refusals, cycle_extensions, cycles
from registry.domain.cycles import Extension


async def record_extension(
    session: AsyncSession, cycle_id: uuid.UUID, extension: Extension, *, ends_on: date, at: datetime, by: str
) -> None:
    """Keep the granted extension and move the cycle's end."""
    await session.execute(
        sa.insert(cycle_extensions).values(
            extension_id=uuid.uuid4(),
            cycle_id=cycle_id,
            case_reference=extension.case,
            reason=extension.reason.value,
            weeks=extension.weeks,
            granted_at=at,
            granted_by=by,
        )
    )
    await session.execute(sa.update(cycles).where(cycles.c.cycle_id == cycle_id).values(ends_on=ends_on))


async def insert_refusal(session: AsyncSession, refusal_id: uuid.UUID, **values: Any) -> None:
    """Keep a refused request to extend a cycle, with its reasons and date."""
    await session.execute(sa.insert(cycle_extension_refusals).values(refusal_id=refusal_id, **values))


async def refusals_of(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """The person's refused extension requests, with their decision day and reasons."""
    rows = await session.execute(
        sa.select(
            cycle_extension_refusals.c.refusal_id,
            cycle_extension_refusals.c.decided_on,
            cycle_extension_refusals.c.reasons,
        ).where(cycle_extension_refusals.c.person_id == person_id)
    )
    return list(rows)
