"""Transactional outbox: events are written in the same transaction as the state change that caused them,
and a relay publishes them afterwards with confirms, marking each row sent.

The relay is woken right after a commit that added rows (so an event leaves within milliseconds), and also
polls, so rows whose publish failed, or that another process committed, are retried. Failed publishes back
off exponentially per row. Delivery is at-least-once: a relay that dies between publish and mark publishes
the row again, and consumers' inboxes drop the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope, utcnow, wrap
from lklr_shared.kit import tracing
from lklr_shared.kit.causation import current_cause
from lklr_shared.kit.db import inbox_table, outbox_table, transaction
from lklr_shared.kit.publisher import Publisher, PublishFailed
from lklr_shared.kit.request_log import RequestScope, current_request_scope

log = logging.getLogger(__name__)


def outbox_row(
    envelope: Envelope, now: datetime | None = None, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The outbox row of an envelope; the routing key is the event's wire name, ``headers`` go out with it."""
    now = now or utcnow()
    return {
        "message_id": envelope.message_id,
        "routing_key": envelope.type,
        "message_type": envelope.type,
        "body": envelope.to_bytes(),
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "headers": dict(headers) if headers else None,
    }


async def add_to_outbox(session: AsyncSession, envelopes: Iterable[Envelope]) -> int:
    """Insert envelopes into the outbox in the caller's transaction (one multi-row insert)."""
    now = utcnow()
    headers = tracing.context_headers()  # the events are published in the trace of the transaction writing them
    rows = [outbox_row(envelope, now, headers) for envelope in envelopes]
    if rows:
        await session.execute(sa.insert(outbox_table), rows)
    return len(rows)


def backoff_delay(attempts: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Exponential backoff with full jitter, so many failed rows do not retry in lockstep."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


class PollingRelay:
    """Works off due rows of a table in batches until stopped: woken right after a commit that added rows, polling
    as a fallback. A failing pass is logged and tried again at the next poll. Subclasses implement `relay_once`
    and name what they relay in `what` (for the log)."""

    what = "relay"

    def __init__(self, *, poll_seconds: float, batch_size: int) -> None:
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Look for due rows now (called right after a commit that added rows)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the batch in progress."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Relay until stop() is called; the current batch is finished before returning."""
        while not self._stopping:
            # A poll timeout is the fallback path, not an error: look for due rows either way.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            self._wake.clear()
            if self._stopping:
                break
            try:
                while await self.relay_once() >= self._batch_size and not self._stopping:
                    pass
            except Exception:
                # A database outage must not end the relay: the rows are still there at the next poll.
                log.exception("%s relay pass failed; retrying at next poll", self.what)

    async def relay_once(self) -> int:
        """Work off one batch of due rows; return how many rows were looked at."""
        raise NotImplementedError


class OutboxRelay(PollingRelay):
    """Publishes unsent outbox rows; woken after commits, polling as a fallback."""

    what = "outbox"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        *,
        poll_seconds: float = 2.0,
        batch_size: int = 200,
        after_publish: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds, batch_size=batch_size)
        self._session_factory = session_factory
        self._publisher = publisher
        # Test hook: runs after a row's publish was confirmed and before the row is marked sent.
        self._after_publish = after_publish

    async def _publish_row(
        self, position: int, routing_key: str, body: bytes, stored_headers: Mapping[str, Any] | None
    ) -> None:
        with tracing.publish_span(routing_key, stored_headers) as headers:
            await self._publisher.publish(routing_key, Envelope.from_bytes(body), body=body, headers=headers)
        if self._after_publish is not None:
            await self._after_publish(position)

    async def relay_once(self) -> int:
        """Publish one batch of due rows; return how many rows were looked at."""
        async with transaction(self._session_factory) as session:
            now = utcnow()
            query = (
                sa.select(
                    outbox_table.c.position,
                    outbox_table.c.routing_key,
                    outbox_table.c.body,
                    outbox_table.c.attempts,
                    outbox_table.c.headers,
                )
                .where(
                    outbox_table.c.sent_at.is_(None),
                    outbox_table.c.parked_at.is_(None),
                    outbox_table.c.next_attempt_at <= now,
                )
                .order_by(outbox_table.c.position)
                .limit(self._batch_size)
            )
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                # Several relay replicas share the table: each takes rows no other replica holds.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            # Publish the whole batch at once and collect the confirms as they come: waiting for each confirm
            # before sending the next message would cap the relay at one broker round trip per event.
            results = await asyncio.gather(
                *(
                    self._publish_row(position, routing_key, body, headers)
                    for position, routing_key, body, _, headers in rows
                ),
                return_exceptions=True,
            )
            sent: list[int] = []
            for (position, _routing_key, _body, attempts, _headers), result in zip(rows, results, strict=True):
                if isinstance(result, PublishFailed):
                    delay = backoff_delay(attempts + 1)
                    log.warning(
                        "outbox row %s not published (attempt %s), retry in %.1fs: %s",
                        position,
                        attempts + 1,
                        delay,
                        result,
                    )
                    await session.execute(
                        sa.update(outbox_table)
                        .where(outbox_table.c.position == position)
                        .values(
                            attempts=attempts + 1,
                            last_error=str(result)[:2000],
                            next_attempt_at=utcnow() + timedelta(seconds=delay),
                        )
                    )
                elif isinstance(result, Exception):
                    # Not the broker: the row itself cannot be published (a body that does not parse, say). Park it
                    # with its error, so the rows behind it are not held up by a row that will never go.
                    error = f"{type(result).__name__}: {result}"
                    log.error("outbox row %s parked: it cannot be published: %s", position, error)
                    await session.execute(
                        sa.update(outbox_table)
                        .where(outbox_table.c.position == position)
                        .values(attempts=attempts + 1, last_error=error[:2000], parked_at=utcnow())
                    )
                elif isinstance(result, BaseException):
                    # A crash or a cancellation: roll back the marks of this batch (its published rows go out
                    # again; consumers' inboxes drop the duplicates) and let it surface.
                    raise result
                else:
                    sent.append(position)
            if sent:
                await session.execute(
                    sa.update(outbox_table).where(outbox_table.c.position.in_(sent)).values(sent_at=utcnow())
                )
            return len(rows)


async def prune_processed_messages(
    session_factory: async_sessionmaker[AsyncSession], *, retention: timedelta, now: datetime | None = None
) -> tuple[int, int]:
    """Delete sent outbox rows and inbox records older than ``retention``; returns (outbox, inbox) counts.

    Both tables grow with every event. A redelivery older than the retention cannot happen in practice (queues
    hold messages for minutes, dead letters are replayed within days), and the read models' natural keys back the
    inbox up beyond it. Unsent and parked outbox rows are never pruned.
    """
    cutoff = (now or utcnow()) - retention
    async with transaction(session_factory) as session:
        outbox = await session.execute(
            sa.delete(outbox_table).where(outbox_table.c.sent_at.is_not(None), outbox_table.c.sent_at < cutoff)
        )
        inbox = await session.execute(sa.delete(inbox_table).where(inbox_table.c.processed_at < cutoff))
    return int(getattr(outbox, "rowcount", 0) or 0), int(getattr(inbox, "rowcount", 0) or 0)


class UnitOfWork:
    """One database transaction plus the events it emits; commit wakes the outbox relay.

    Use cases receive a UnitOfWork, change state through `session`, `emit` events, and `commit`. Leaving the
    block without commit rolls everything back, events included.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        relay: OutboxRelay | None = None,
        *,
        caused_by: Envelope | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._relay = relay
        # Without an explicit cause, the message this task is handling (an RPC request): its events then carry the
        # request's correlation id.
        self._caused_by = caused_by if caused_by is not None else current_cause()
        self._pending: list[Envelope] = []
        self._session: AsyncSession | None = None
        # Likewise the request id of the command being handled: the first unit of work claims it (request_log).
        self._request_scope: RequestScope | None = current_request_scope()

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        """Where this unit of work gets its session (for a record that must outlive its rollback)."""
        return self._session_factory

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'async with' block")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        try:
            await self._session.begin()
            if self._request_scope is not None:
                # First statement of the transaction: a duplicate of a committed request stops here, unchanged.
                await self._request_scope.claim(self._session, self, self._session_factory)
        except BaseException:
            await self._session.close()
            self._session = None
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._session is not None
        try:
            if self._session.in_transaction():
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None
            self._pending.clear()
            if self._request_scope is not None:
                self._request_scope.released(self)

    def emit(self, message: Message) -> Envelope:
        """Queue an event for the outbox; it is written at commit, in the same transaction."""
        envelope = wrap(message, caused_by=self._caused_by)
        self._pending.append(envelope)
        return envelope

    async def commit(self) -> None:
        """Write pending events to the outbox, commit, and wake the relay if anything was emitted."""
        emitted = await add_to_outbox(self.session, self._pending)
        await self.session.commit()
        self._pending.clear()
        if self._request_scope is not None:
            self._request_scope.committed(self, self._session_factory)
        if emitted and self._relay is not None:
            self._relay.wake()
