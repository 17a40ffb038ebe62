"""Statistics: registered professionals against the office's working total of the year."""

from __future__ import annotations

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import people, registrations, working_totals
from registry.adapters.repositories.security_log import record_action
from registry.adapters.sql import insert_if_absent
from registry.domain.accounts import AccountRole
from registry.domain.people import Role, roles_of
from registry.domain.statistics import register_statistics
from registry.domain.status import RegistrationStatus
from registry.domain.working_totals import InvalidWorkingTotal, WorkingTotal
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import unprocessable

# A timely re-registration application keeps the person registered until the decision.
COUNTED_AS_REGISTERED = (RegistrationStatus.REGISTERED.value, RegistrationStatus.REREGISTRATION_PENDING.value)


async def count_registered(uow: UnitOfWork) -> tuple[int, dict[Role, int]]:
    """Registered people in total and per role (someone in both roles counts once in the total)."""
    rows = (
        (
            await uow.session.execute(
                sa.select(people.c.roles)
                .join(registrations, registrations.c.person_id == people.c.person_id)
                .where(registrations.c.status.in_(COUNTED_AS_REGISTERED))
            )
        )
        .scalars()
        .all()
    )
    per_role: dict[Role, int] = dict.fromkeys(Role, 0)
    for roles in rows:
        for role in roles_of(roles):
            per_role[role] += 1
    return len(rows), per_role


async def get_statistics(uow: UnitOfWork, ctx: RegistryContext, query: contracts.GetStatistics) -> contracts.Statistics:
    """Today's registered count against the working total of the requested (default: current) year."""
    year = query.year if query.year is not None else ctx.today().year
    registered, per_role = await count_registered(uow)
    total_row = (await uow.session.execute(sa.select(working_totals).where(working_totals.c.year == year))).first()
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


async def set_working_total(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.SetWorkingTotal
) -> contracts.WorkingTotalRecorded:
    """The office enters (or corrects) the working total of a year."""
    actor = await load_actor(uow, command.actor_account_id)
    now = ctx.now()
    await require_role(
        uow,
        actor,
        AccountRole.OFFICE,
        at=now,
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
        raise unprocessable("invalid_working_total", str(exc)) from exc
    values = {
        "total": figure.total,
        "per_role": {role.value: count for role, count in figure.per_role.items()},
        "entered_at": now,
        "entered_by": actor.account_id,
    }
    # Insert-if-absent then update: entering the same year twice at once cannot fail on the key.
    await insert_if_absent(uow.session, working_totals, {"year": figure.year, **values}, [working_totals.c.year])
    await uow.session.execute(sa.update(working_totals).where(working_totals.c.year == figure.year).values(**values))
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
