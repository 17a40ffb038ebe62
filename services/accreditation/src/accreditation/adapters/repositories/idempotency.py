"""Attendance posts' Idempotency-Keys: each held by one attempt's lease while in flight, then its stored response."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import idempotency_keys
from accreditation.adapters.repositories.dialect import for_update, insert_ignoring_conflicts
from accreditation.domain.idempotency import KeyState


def _key_is(provider_id: uuid.UUID, key: str) -> sa.ColumnElement[bool]:
    return sa.and_(idempotency_keys.c.provider_id == provider_id, idempotency_keys.c.idempotency_key == key)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(session: AsyncSession, **values: Any) -> bool:
    """Insert the key (in flight, leased); False when the provider used it before."""
    inserted = (
        await session.execute(
            insert_ignoring_conflicts(session, idempotency_keys, index_elements=["provider_id", "idempotency_key"])
            .values(state=KeyState.IN_FLIGHT.value, **values)
            .returning(idempotency_keys.c.lease_token)
        )
    ).first()
    return inserted is not None


async def locked_key(session: AsyncSession, provider_id: uuid.UUID, key: str) -> Any:
    """The provider's key row, locked until the transaction ends."""
    return (
        await session.execute(for_update(sa.select(idempotency_keys).where(_key_is(provider_id, key)), session))
    ).one()


async def take_over(
    session: AsyncSession,
    provider_id: uuid.UUID,
    key: str,
    *,
    from_lease: uuid.UUID,
    lease_token: uuid.UUID,
    locked_until: datetime,
) -> bool:
    """Move an in-flight key's lease from ``from_lease`` to this attempt; False when it changed meanwhile."""
    taken = await session.execute(
        sa.update(idempotency_keys)
        .where(
            _key_is(provider_id, key),
            idempotency_keys.c.lease_token == from_lease,
            idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
        )
        .values(lease_token=lease_token, locked_until=locked_until)
    )
    return _rowcount(taken) == 1


async def complete(
    session: AsyncSession,
    provider_id: uuid.UUID,
    key: str,
    lease_token: uuid.UUID,
    *,
    now: datetime,
    post_id: uuid.UUID,
    response: str,
) -> bool:
    """Store the response with the key while this lease holds it; False when the attempt lost its lease."""
    updated = await session.execute(
        sa.update(idempotency_keys)
        .where(
            _key_is(provider_id, key),
            idempotency_keys.c.lease_token == lease_token,
            idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
        )
        .values(state=KeyState.COMPLETED.value, completed_at=now, post_id=post_id, response=response)
    )
    return _rowcount(updated) == 1


async def release(session: AsyncSession, provider_id: uuid.UUID, key: str, lease_token: uuid.UUID) -> None:
    """Delete the in-flight key while this lease holds it."""
    await session.execute(
        sa.delete(idempotency_keys).where(
            _key_is(provider_id, key),
            idempotency_keys.c.lease_token == lease_token,
            idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
        )
    )


async def release_lease(session: AsyncSession, lease_token: uuid.UUID) -> bool:
    """Delete the in-flight key held by this lease, whichever it is; False when none was."""
    released = await session.execute(
        sa.delete(idempotency_keys).where(
            idempotency_keys.c.lease_token == lease_token,
            idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
        )
    )
    return _rowcount(released) > 0


async def stored_response_of_post(session: AsyncSession, provider_id: uuid.UUID, post_id: uuid.UUID) -> str | None:
    """The stored first response of the provider's post (JSON), or None."""
    stored = (
        await session.execute(
            sa.select(idempotency_keys.c.response).where(
                idempotency_keys.c.provider_id == provider_id,
                idempotency_keys.c.post_id == post_id,
                idempotency_keys.c.response.is_not(None),
            )
        )
    ).scalar_one_or_none()
    return None if stored is None else str(stored)
