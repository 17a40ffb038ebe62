"""Statistics: registered professionals against the office's working total of the year."""

from __future__ import annotations

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories import statistics as statistics_rows
from registry.adapters.repositories.security_log import record_action
from registry.domain.people import Role, roles_of
from registry.domain.statistics import register_statistics
from registry.domain.status import RegistrationStatus
from registry.domain.working_totals import InvalidWorkingTotal, WorkingTotal
from registry.service_layer.context import RegistryContext
from registry.service_layer.office import office_member

# A timely re-registration application keeps the person registered until the decision.
COUNTED_AS_REGISTERED = (RegistrationStatus.REGISTERED.value, RegistrationStatus.REREGISTRATION_PENDING.value)


async def count_registered(uow: UnitOfWork) -> tuple[int, dict[Role, int]]:
    """Registered people in total and per role (someone in both roles counts once in the total)."""
    rows = await statistics_rows.roles_of_registered(uow.session, COUNTED_AS_REGISTERED)
    per_role: dict[Role, int] = dict.fromkeys(Role, 0)
    for roles in rows:
        for role in roles_of(roles):
            per_role[role] += 1
    return len(rows), per_role


async def get_statistics(ctx: RegistryContext, query: contracts.GetStatistics) -> contracts.Statistics:
    """Today's registered count against the working total of the requested (default: current) year."""
    async with ctx.unit_of_work() as uow:
        year = query.year if query.year is not None else ctx.today().year
        registered, per_role = await count_registered(uow)
        total_row = await statistics_rows.working_total(uow.session, year)
    total_per_role = {Role(role): int(count) for role, count in (total_row.per_role if total_row else {}).items()}
    statistics = register_statistics(
        year=year,
        registered_total=registered,
        registered_by_role=per_role,
        working_total=total_row.total if total_row else None,
        working_total_by_role=total_per_role,
        decimals=ctx.policy.statistics_decimals,
    )
    return contracts.Statistics(
        year=statistics.year,
        registered=statistics.registered,
        working_total=statistics.working_total,
        percentage=float(statistics.percentage) if statistics.percentage is not None else None,
        per_role={item.role.value: item.registered for item in statistics.by_role},
        working_total_per_role={
            item.role.value: item.working_total for item in statistics.by_role if item.working_total is not None
        },
        percentage_per_role={
            item.role.value: float(item.percentage) if item.percentage is not None else None
            for item in statistics.by_role
            if item.working_total is not None
        },
    )


async def set_working_total(ctx: RegistryContext, command: contracts.SetWorkingTotal) -> contracts.WorkingTotalRecorded:
    """The office enters (or corrects) the working total of a year."""
    async with ctx.unit_of_work() as uow:
        actor, now = await office_member(
            uow,
            ctx,
            command.actor_account_id,
            action="set_working_total",
            subject=f"working_total:{command.year}",
            client_ip=command.client_ip,
        )
        try:
            figure = WorkingTotal(
                year=command.year,
                total=command.total,
                per_role={Role(role): count for role, count in command.per_role.items()},
            )
        except InvalidWorkingTotal as exc:
            raise RuleViolation("invalid_working_total", str(exc)) from exc
        await statistics_rows.store_working_total(
            uow.session,
            figure.year,
            total=figure.total,
            per_role={role.value: count for role, count in figure.per_role.items()},
            at=now,
            by=actor.account_id,
        )
        await record_action(
            uow,
            at=now,
            action="set_working_total",
            subject=f"working_total:{figure.year}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=None,
            detail={"total": str(figure.total)},
        )
        await uow.commit()
        return contracts.WorkingTotalRecorded(
            year=figure.year, total=figure.total, per_role={role.value: n for role, n in figure.per_role.items()}
        )
