"""Webhook endpoints, the messages queued for them, and the notices of expiring accreditations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import webhook_deliveries, webhook_endpoints, webhook_expiry_notices
from accreditation.adapters.repositories.dialect import for_update, insert_ignoring_conflicts

# --- Endpoints ---------------------------------------------------------------------------------------------------


async def provider_endpoint(
    session: AsyncSession, provider_id: uuid.UUID, endpoint_id: uuid.UUID, *, sandbox_only: bool, lock: bool = False
) -> Any | None:
    """The provider's endpoint row (a sandbox one only, if ``sandbox_only``), locked if asked; None if none."""
    query = sa.select(webhook_endpoints).where(
        webhook_endpoints.c.endpoint_id == endpoint_id, webhook_endpoints.c.provider_id == provider_id
    )
    if sandbox_only:
        query = query.where(webhook_endpoints.c.sandbox.is_(True))
    return (await session.execute(for_update(query, session) if lock else query)).first()


async def provider_endpoints(session: AsyncSession, provider_id: uuid.UUID, *, sandbox_only: bool) -> Sequence[Any]:
    """The provider's endpoints (sandbox ones only, if ``sandbox_only``), newest first."""
    select = sa.select(webhook_endpoints).where(webhook_endpoints.c.provider_id == provider_id)
    if sandbox_only:
        select = select.where(webhook_endpoints.c.sandbox.is_(True))
    return (
        await session.execute(select.order_by(webhook_endpoints.c.created_at.desc(), webhook_endpoints.c.endpoint_id))
    ).all()


async def endpoints_for_events(session: AsyncSession, provider_id: uuid.UUID, *, sandbox: bool) -> Sequence[Any]:
    """The provider's sandbox or production endpoints."""
    return (
        await session.execute(
            sa.select(webhook_endpoints).where(
                webhook_endpoints.c.provider_id == provider_id, webhook_endpoints.c.sandbox.is_(sandbox)
            )
        )
    ).all()


async def insert_endpoint(session: AsyncSession, **values: Any) -> None:
    """Insert an endpoint row."""
    await session.execute(sa.insert(webhook_endpoints).values(**values))


async def update_endpoint(session: AsyncSession, endpoint_id: uuid.UUID, **values: Any) -> None:
    """Change an endpoint's columns."""
    await session.execute(
        sa.update(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == endpoint_id).values(**values)
    )


async def locked_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> Any:
    """An endpoint row, locked until the transaction ends."""
    return (
        await session.execute(
            for_update(sa.select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == endpoint_id), session)
        )
    ).one()


async def endpoints_by_id(session: AsyncSession, endpoint_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Endpoint rows by id."""
    rows = await session.execute(sa.select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id.in_(endpoint_ids)))
    return {row.endpoint_id: row for row in rows}


# --- Deliveries --------------------------------------------------------------------------------------------------


async def insert_delivery(session: AsyncSession, **values: Any) -> None:
    """Queue one message row."""
    await session.execute(sa.insert(webhook_deliveries).values(**values))


async def release_pending(session: AsyncSession, endpoint_id: uuid.UUID, now: datetime) -> None:
    """Make the endpoint's pending messages due at once."""
    await session.execute(
        sa.update(webhook_deliveries)
        .where(webhook_deliveries.c.endpoint_id == endpoint_id, webhook_deliveries.c.status == "pending")
        .values(next_attempt_at=now)
    )


async def latest_deliveries(session: AsyncSession, endpoint_id: uuid.UUID, limit: int) -> Sequence[Any]:
    """The endpoint's newest ``limit`` messages."""
    return (
        await session.execute(
            sa.select(webhook_deliveries)
            .where(webhook_deliveries.c.endpoint_id == endpoint_id)
            .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.delivery_id)
            .limit(limit)
        )
    ).all()


async def restart_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, endpoint_id: uuid.UUID, now: datetime
) -> bool:
    """Make the endpoint's message pending and due now with a new retry window; False if it has no such message."""
    found = await session.execute(
        sa.update(webhook_deliveries)
        .where(webhook_deliveries.c.delivery_id == delivery_id, webhook_deliveries.c.endpoint_id == endpoint_id)
        .values(status="pending", next_attempt_at=now, created_at=now)
    )
    return int(getattr(found, "rowcount", 0) or 0) == 1


async def delivery(session: AsyncSession, delivery_id: uuid.UUID, *, lock: bool = False) -> Any:
    """One message row (locked if asked)."""
    query = sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id == delivery_id)
    return (await session.execute(for_update(query, session) if lock else query)).one()


async def deliveries_by_id(session: AsyncSession, delivery_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Message rows by id."""
    rows = await session.execute(
        sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id.in_(delivery_ids))
    )
    return {row.delivery_id: row for row in rows}


async def update_delivery(session: AsyncSession, delivery_id: uuid.UUID, **values: Any) -> None:
    """Change a message's columns."""
    await session.execute(
        sa.update(webhook_deliveries).where(webhook_deliveries.c.delivery_id == delivery_id).values(**values)
    )


async def claim_due(session: AsyncSession, *, now: datetime, limit: int, claim_for: timedelta) -> Sequence[Any]:
    """Up to ``limit`` due messages of enabled endpoints, their next attempt moved ``claim_for`` ahead (PostgreSQL
    skips rows another sender has locked meanwhile)."""
    query = (
        sa.select(
            webhook_deliveries.c.delivery_id,
            webhook_deliveries.c.endpoint_id,
            webhook_deliveries.c.message_id,
            webhook_deliveries.c.payload,
        )
        .join(webhook_endpoints, webhook_endpoints.c.endpoint_id == webhook_deliveries.c.endpoint_id)
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_endpoints.c.enabled.is_(True),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.delivery_id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
    rows = (await session.execute(query)).all()
    if rows:
        await session.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.delivery_id.in_([row.delivery_id for row in rows]))
            .values(next_attempt_at=now + claim_for)
        )
    return rows


# --- Expiry notices ----------------------------------------------------------------------------------------------


async def note_expiry(session: AsyncSession, course_id: uuid.UUID, valid_until: date, now: datetime) -> bool:
    """Record that the end of this validity was announced; False if it was before."""
    inserted = await session.execute(
        insert_ignoring_conflicts(session, webhook_expiry_notices, index_elements=["course_id", "valid_until"])
        .values(course_id=course_id, valid_until=valid_until, noticed_at=now)
        .returning(webhook_expiry_notices.c.course_id)
    )
    return inserted.first() is not None
