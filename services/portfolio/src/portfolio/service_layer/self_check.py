"""The professional's self-check before applying for re-registration: the audit's dossier checks
(``lklr_shared.dossier_checks``, the one rule set the audit also runs on the frozen dossier) on the cycle's entries
as they are now, including those that would not be frozen (disputed, voided), so each can be fixed first."""

from __future__ import annotations

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.dossier_checks import CheckedActivity, check_dossier, check_view
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.service_layer.common import PortfolioContext, require_owner, require_person
from portfolio.service_layer.reregistration import cycle_to_apply_for


async def self_check(context: PortfolioContext, query: contracts.SelfCheckDossier) -> contracts.SelfCheckResult:
    """SelfCheckDossier: the findings a reviewer's automatic checks would give the cycle's dossier today."""
    require_owner(query.person_id, query.actor)
    today = context.today()
    async with context.unit_of_work() as uow:
        person = await require_person(uow, query.person_id)
        cycles = await people_repo.list_cycles(uow.session, person.person_id)
        cycle = cycle_to_apply_for(context, cycles, query.cycle_id, today)
        records = await activity_repo.list_activities(
            uow.session, person.person_id, completed_from=cycle.starts_on, completed_to=cycle.ends_on
        )
        evidence = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id for record in records])
    activities = [
        CheckedActivity(
            activity_id=str(record.activity_id),
            category=record.category,
            title=record.title,
            points=record.points,
            accredited=record.accredited,
            source=record.source,
            state=record.state,
            completion_date=record.completion_date,
            evidence_count=len(evidence[record.activity_id]),
            a2_type=record.a2_type,
            study_load_hours=record.study_load_hours,
            quantity=record.quantity,
            hours_per_unit=record.hours_per_unit,
        )
        for record in records
    ]
    result = check_dossier(context.book.get(cycle.scheme_version), cycle.starts_on, cycle.ends_on, activities)
    return contracts.SelfCheckResult(
        cycle_id=cycle.cycle_id,
        cycle_starts_on=cycle.starts_on,
        cycle_ends_on=cycle.ends_on,
        check=check_view(result, {activity.activity_id: activity.title for activity in activities}),
    )
