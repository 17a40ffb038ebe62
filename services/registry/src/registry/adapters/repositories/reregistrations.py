"""Re-registration applications: the frozen dossiers the registry took (or refused), their audit and decision."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import cycles, people, registrations, reregistrations
from registry.domain.reregistration import ApplicationState, AuditState


async def load(session: AsyncSession, dossier_id: uuid.UUID) -> Any:
    """The application row of a dossier, or None."""
    return (await session.execute(sa.select(reregistrations).where(reregistrations.c.dossier_id == dossier_id))).first()


async def insert(session: AsyncSession, dossier_id: uuid.UUID, person_id: uuid.UUID, **values: Any) -> None:
    """Start the record of a dossier."""
    await session.execute(sa.insert(reregistrations).values(dossier_id=dossier_id, person_id=person_id, **values))


async def insert_awaiting_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, person_id: uuid.UUID, cycle_id: uuid.UUID | None, now: datetime
) -> None:
    """Start the record of a dossier from audit news that overtook the dossier itself."""
    await insert(
        session,
        dossier_id,
        person_id,
        cycle_id=cycle_id,
        state=ApplicationState.AWAITING_DOSSIER.value,
        audit_state=AuditState.AWAITING_SAMPLING.value,
        received_at=now,
        updated_at=now,
    )


async def update(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    """Change the application row of a dossier."""
    await session.execute(sa.update(reregistrations).where(reregistrations.c.dossier_id == dossier_id).values(**values))


async def cycle_has_application_in(session: AsyncSession, cycle_id: uuid.UUID, states: Collection[str]) -> bool:
    """Whether the cycle has an application in one of ``states``."""
    found = await session.execute(
        sa.select(reregistrations.c.dossier_id).where(
            reregistrations.c.cycle_id == cycle_id, reregistrations.c.state.in_(states)
        )
    )
    return found.first() is not None


async def objectable_of(session: AsyncSession, person_id: uuid.UUID, refusal_reasons: Collection[str]) -> list[Any]:
    """The person's applications not granted after the audit, or refused for one of ``refusal_reasons``."""
    rows = await session.execute(
        sa.select(
            reregistrations.c.dossier_id,
            reregistrations.c.state,
            reregistrations.c.refusal_reason,
            reregistrations.c.applied_on,
            reregistrations.c.received_at,
            reregistrations.c.decided_on,
            reregistrations.c.decision_reason,
        ).where(
            reregistrations.c.person_id == person_id,
            sa.or_(
                reregistrations.c.state == ApplicationState.NOT_GRANTED.value,
                sa.and_(
                    reregistrations.c.state == ApplicationState.REFUSED.value,
                    reregistrations.c.refusal_reason.in_(refusal_reasons),
                ),
            ),
        )
    )
    return list(rows)


async def overview(session: AsyncSession, *, state: str | None, limit: int) -> list[Any]:
    """Up to ``limit`` applications (of ``state``, if given) with the registration, the person's name, the cycle
    applied in and the next cycle a grant opened; newest application first."""
    applied = cycles.alias("applied_cycle")
    following = cycles.alias("next_cycle")
    statement = (
        sa.select(
            reregistrations,
            registrations.c.registration_number,
            registrations.c.status.label("registration_status"),
            people.c.initials,
            people.c.surname,
            applied.c.cycle_id.label("applied_cycle_id"),
            applied.c.sequence.label("applied_sequence"),
            applied.c.starts_on.label("applied_starts_on"),
            applied.c.ends_on.label("applied_ends_on"),
            applied.c.scheme_version.label("applied_scheme_version"),
            following.c.sequence.label("next_sequence"),
            following.c.starts_on.label("next_starts_on"),
            following.c.ends_on.label("next_ends_on"),
            following.c.scheme_version.label("next_scheme_version"),
        )
        .join(registrations, registrations.c.person_id == reregistrations.c.person_id)
        .join(people, people.c.person_id == reregistrations.c.person_id)
        .outerjoin(applied, applied.c.cycle_id == reregistrations.c.cycle_id)
        .outerjoin(following, following.c.cycle_id == reregistrations.c.next_cycle_id)
    )
    if state is not None:
        statement = statement.where(reregistrations.c.state == state)
    statement = statement.order_by(
        reregistrations.c.applied_on.desc().nulls_last(), reregistrations.c.received_at.desc()
    ).limit(limit)
    return list((await session.execute(statement)).all())
