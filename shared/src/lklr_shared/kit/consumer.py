"""Event consumer: one quorum queue per consuming service, inbox-deduplicated, acked after commit.

Per delivery:
1. parse the envelope and its contract; a message that cannot be parsed will never succeed, so it is
   rejected without requeue and dead-lettered at once;
2. in one transaction: skip if the inbox has it, else run the handler and record it in the inbox; commit;
3. acknowledge only after the commit. Any exception is logged and the message is returned to the queue;
   the queue's delivery limit dead-letters a message that keeps failing, while the ones behind it go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message, UnknownMessageType
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.inbox import already_processed, record_processed
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from lklr_shared.kit.topology import Topology, declare_consumer_queue

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]
AfterCommit = Callable[[Envelope], Awaitable[None]]


class EventConsumer:
    """Consumes a service's event queue and applies each message exactly once to its database."""

    def __init__(
        self,
        name: str,
        connection: AbstractRobustConnection,
        topology: Topology,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: Mapping[type[Message], EventHandler],
        *,
        relay: OutboxRelay | None = None,
        prefetch_count: int = 32,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.name = name
        self._connection = connection
        self._topology = topology
        self._session_factory = session_factory
        self._handlers = dict(handlers)
        self._relay = relay
        self._prefetch_count = prefetch_count
        # Hook after the commit and before the ack (tests use it to die in exactly that gap).
        self._after_commit = after_commit
        self._channel: AbstractChannel | None = None
        self._consumer_tag: str | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        # Outcome counts per delivery (applied, duplicate, failed, dead_lettered): for logs, probes and tests.
        self.stats: Counter[str] = Counter()

    @property
    def queue_name(self) -> str:
        return self._topology.consumer_queue(self.name)

    async def start(self) -> None:
        """Declare the queue with its bindings and start consuming."""
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self._prefetch_count)
        routing_keys = sorted(contract.routing_key() for contract in self._handlers)
        queue = await declare_consumer_queue(self._channel, self._topology, self.name, routing_keys)
        self._consumer_tag = await queue.consume(self._on_message)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking messages, let in-flight ones finish (up to the grace period), close the channel.

        Messages prefetched but not started are never acked, so the broker gives them to another replica.
        """
        self._stopping = True
        if self._channel is not None and not self._channel.is_closed:
            if self._consumer_tag is not None:
                # Cancelling stops new deliveries; in-flight handlers keep their channel for the ack.
                queue = await self._channel.get_queue(self.queue_name, ensure=False)
                await queue.cancel(self._consumer_tag)
            try:
                await asyncio.wait_for(self._idle.wait(), timeout=grace_seconds)
            except TimeoutError:
                log.warning(
                    "%s: %s message(s) still in flight after %ss; they will be redelivered",
                    self.name,
                    self._in_flight,
                    grace_seconds,
                )
            await self._channel.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._stopping:
            return  # not acked: returned to the queue when the channel closes
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._process(message)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _process(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.from_bytes(message.body)
            contract = envelope.open()
        except (ValidationError, UnknownMessageType, ValueError) as exc:
            log.error("%s: unparseable message %s dead-lettered: %s", self.name, message.message_id, exc)
            self.stats["dead_lettered"] += 1
            await message.reject(requeue=False)
            return
        handler = self._handlers.get(type(contract))
        if handler is None:
            log.error("%s: no handler for %s; dead-lettered", self.name, envelope.type)
            self.stats["dead_lettered"] += 1
            await message.reject(requeue=False)
            return
        try:
            applied = await self.apply(envelope, contract, handler)
            self.stats["applied" if applied else "duplicate"] += 1
            if self._after_commit is not None:
                await self._after_commit(envelope)
            await message.ack()
        except Exception:
            log.exception(
                "%s: handling %s %s failed; returned for redelivery",
                self.name,
                envelope.type,
                envelope.message_id,
            )
            self.stats["failed"] += 1
            await message.nack(requeue=True)

    async def apply(self, envelope: Envelope, contract: Message, handler: EventHandler) -> bool:
        """Apply one message in one transaction unless the inbox has it; return whether it was applied."""
        async with UnitOfWork(self._session_factory, self._relay, caused_by=envelope) as uow:
            if await already_processed(uow.session, self.name, envelope):
                log.info("%s: duplicate %s %s skipped", self.name, envelope.type, envelope.message_id)
                return False
            await handler(uow, contract, envelope)
            await record_processed(uow.session, self.name, envelope)
            await uow.commit()
            return True
