"""The office's overview of re-registration applications: cycle, audit state and decision of each."""

from __future__ import annotations

from typing import Any

from lklr_shared.contracts import registry as contracts
from registry.adapters.repositories import reregistrations as dossiers
from registry.service_layer.context import RegistryContext
from registry.service_layer.office import office_member


async def list_reregistrations(ctx: RegistryContext, query: contracts.ListReregistrations) -> contracts.Reregistrations:
    """The office's decisions page: applications with their cycle, audit state and decision, newest first."""
    async with ctx.unit_of_work() as uow:
        await office_member(uow, ctx, query.actor_account_id, action="list_reregistrations", subject="reregistrations")
        rows = await dossiers.overview(uow.session, state=query.status, limit=query.limit + 1)
    return contracts.Reregistrations(
        applications=[_view(row) for row in rows[: query.limit]], truncated=len(rows) > query.limit
    )


def _view(row: Any) -> contracts.ReregistrationView:
    cycle = None
    if row.applied_cycle_id is not None:
        cycle = contracts.CycleView(
            cycle_id=row.applied_cycle_id,
            sequence=row.applied_sequence,
            starts_on=row.applied_starts_on,
            ends_on=row.applied_ends_on,
            scheme_version=row.applied_scheme_version,
        )
    next_cycle = None
    if row.next_cycle_id is not None and row.next_sequence is not None:
        next_cycle = contracts.CycleView(
            cycle_id=row.next_cycle_id,
            sequence=row.next_sequence,
            starts_on=row.next_starts_on,
            ends_on=row.next_ends_on,
            scheme_version=row.next_scheme_version,
        )
    return contracts.ReregistrationView(
        dossier_id=row.dossier_id,
        person_id=row.person_id,
        registration_number=row.registration_number,
        initials=row.initials,
        surname=row.surname,
        registration_status=row.registration_status,
        status=row.state,
        refusal_reason=row.refusal_reason,
        cycle=cycle,
        applied_on=row.applied_on,
        total_points=row.total_points,
        accredited_points=row.accredited_points,
        a2_points=row.a2_points,
        audit_state=row.audit_state,
        sampled_activities=row.sampled_activities,
        sampled=row.sampled,
        more_information_due_on=row.more_information_due_on,
        correction_due_on=row.correction_due_on,
        outcome=row.outcome,
        concluded_on=row.concluded_on,
        decided_on=row.decided_on,
        decision_reason=row.decision_reason,
        next_cycle=next_cycle,
    )
