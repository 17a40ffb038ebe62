"""The public audit statistics: counts per year of application, nothing that identifies a person."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import dossiers
from lklr_shared.contracts.audit import AuditYearStatistics


async def statistics(session: AsyncSession, year: int | None) -> list[AuditYearStatistics]:
    """Counts per year of application, as published; nothing that identifies a person leaves this query."""

    def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = sa.select(
        dossiers.c.audit_year.label("year"),
        sa.func.count().label("dossiers"),
        count_where(dossiers.c.sampled.is_(True)).label("sampled"),
        count_where(dossiers.c.outcome == "met").label("met"),
        count_where(dossiers.c.was_returned.is_(True)).label("returned"),
        count_where(dossiers.c.outcome == "not_met").label("not_met"),
        count_where(dossiers.c.status != "concluded").label("in_progress"),
    ).group_by(dossiers.c.audit_year)
    if year is not None:
        query = query.where(dossiers.c.audit_year == year)
    rows = await session.execute(query.order_by(dossiers.c.audit_year))
    return [AuditYearStatistics(**{name: int(value) for name, value in row.items()}) for row in rows.mappings()]
