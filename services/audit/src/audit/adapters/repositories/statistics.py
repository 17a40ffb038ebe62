"""The public audit statistics: counts per year of application, nothing that identifies a person."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import dossiers


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    dossiers: int
    sampled: int
    met: int
    returned: int
    not_met: int
    in_progress: int


async def statistics(session: AsyncSession, year: int | None) -> list[YearFigures]:
    """Counts per year of application; nothing that identifies a person leaves this query."""

    def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = sa.select(
        dossiers.c.audit_year,
        sa.func.count(),
        count_where(dossiers.c.sampled.is_(True)),
        count_where(dossiers.c.outcome == "met"),
        count_where(dossiers.c.was_returned.is_(True)),
        count_where(dossiers.c.outcome == "not_met"),
        count_where(dossiers.c.status != "concluded"),
    ).group_by(dossiers.c.audit_year)
    if year is not None:
        query = query.where(dossiers.c.audit_year == year)
    rows = await session.execute(query.order_by(dossiers.c.audit_year))
    return [YearFigures(*(int(value) for value in row)) for row in rows]
