"""The public, anonymised audit statistics: per year of application, counts only."""

from __future__ import annotations

from audit.adapters.repositories import statistics as statistics_repo
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import audit as contracts


async def audit_statistics(context: AuditContext, query: contracts.GetAuditStatistics) -> contracts.AuditStatistics:
    """GetAuditStatistics: dossiers, sampled, met, returned, not met and in progress, per year."""
    async with context.unit_of_work() as uow:
        figures = await statistics_repo.statistics(uow.session, query.year)
    return contracts.AuditStatistics(years=figures)
