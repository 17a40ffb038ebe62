"""The register's counts: registered people by role, and the office's working totals per year."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import people, registrations, working_totals
from registry.adapters.sql import insert_if_absent


async def roles_of_registered(session: AsyncSession, statuses: Collection[str]) -> list[Any]:
    """The roles (a JSON list) of every person whose registration is in one of ``statuses``."""
    rows = await session.execute(
        sa.select(people.c.roles)
        .join(registrations, registrations.c.person_id == people.c.person_id)
        .where(registrations.c.status.in_(statuses))
    )
    return list(rows.scalars().all())


async def working_total(session: AsyncSession, year: int) -> Any:
    """The working total row of ``year``, or None when the office has not entered it."""
    return (await session.execute(sa.select(working_totals).where(working_totals.c.year == year))).first()


async def store_working_total(
    session: AsyncSession, year: int, *, total: int, per_role: dict[str, int], at: datetime, by: Any
) -> None:
    """Enter or correct the working total of ``year``."""
    values = {"total": total, "per_role": per_role, "entered_at": at, "entered_by": by}
    # Insert-if-absent then update: entering the same year twice at once cannot fail on the key.
    await insert_if_absent(session, working_totals, {"year": year, **values}, [working_totals.c.year])
    await session.execute(sa.update(working_totals).where(working_totals.c.year == year).values(**values))
