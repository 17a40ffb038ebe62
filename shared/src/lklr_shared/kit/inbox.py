"""Inbox: remembers which messages a consumer has applied, in the handler's own transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts.envelope import Envelope, utcnow
from lklr_shared.kit.db import inbox_table


async def already_processed(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """True when this consumer has committed the effect of this message before."""
    found = await session.execute(
        sa.select(inbox_table.c.message_id).where(
            inbox_table.c.consumer == consumer, inbox_table.c.message_id == envelope.message_id
        )
    )
    return found.first() is not None


async def record_processed(session: AsyncSession, consumer: str, envelope: Envelope) -> None:
    """Record (consumer, message id) in the caller's transaction.

    The primary key backs the check: two deliveries racing past `already_processed` cannot both commit.
    """
    await session.execute(
        sa.insert(inbox_table).values(
            consumer=consumer,
            message_id=envelope.message_id,
            message_type=envelope.type,
            processed_at=utcnow(),
        )
    )
