"""Announcing once that a cycle's norm is met."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import activities, cycles, norm_met_announcements
from portfolio.adapters.repositories.rows import insert_ignoring_duplicates

# --- norm met announcements ------------------------------------------------------------------------------------


async def cycles_that_may_meet_norm(
    session: AsyncSession,
    person_ids: Iterable[uuid.UUID],
    *,
    started_by: date,
    states: Iterable[str],
    at_least: Decimal,
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Per person, the begun cycles not yet announced as met whose entries in ``states`` add up to ``at_least``
    points or more: one aggregate query, so a batch of thousands of placed entries skips people far from the norm
    without loading their portfolios."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    in_cycle = sa.and_(
        activities.c.person_id == cycles.c.person_id,
        activities.c.completion_date >= cycles.c.starts_on,
        activities.c.completion_date <= cycles.c.ends_on,
        activities.c.state.in_(list(states)),
    )
    announced = sa.select(norm_met_announcements.c.cycle_id).where(
        norm_met_announcements.c.cycle_id == cycles.c.cycle_id
    )
    query = (
        sa.select(cycles.c.person_id, cycles.c.cycle_id)
        .join(activities, in_cycle)
        .where(cycles.c.person_id.in_(ids), cycles.c.starts_on <= started_by, ~announced.exists())
        .group_by(cycles.c.person_id, cycles.c.cycle_id)
        .having(sa.func.sum(activities.c.points) >= at_least)
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, cycle_id in (await session.execute(query)).all():
        found.setdefault(person_id, set()).add(cycle_id)
    return found


async def claim_norm_met(
    session: AsyncSession, cycle_id: uuid.UUID, person_id: uuid.UUID, met_on: date, at: datetime
) -> bool:
    """Record that the cycle's norm is announced as met; False when it was already (by this or another
    transaction: the primary key decides, so the announcement goes out once)."""
    statement = insert_ignoring_duplicates(session, norm_met_announcements, "cycle_id").returning(
        norm_met_announcements.c.cycle_id
    )
    result = await session.execute(
        statement, [{"cycle_id": cycle_id, "person_id": person_id, "met_on": met_on, "announced_at": at}]
    )
    return result.first() is not None
