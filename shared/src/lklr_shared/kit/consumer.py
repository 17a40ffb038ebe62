"""Event consumer: one quorum queue per consuming service, inbox-deduplicated, acked after commit.

A FastStream subscriber on the service's queue (declared with the topology's quorum arguments), with manual
acknowledgement: FastStream hands each delivery to `_on_message` and never acks, nacks or rejects by itself.

Per delivery:
1. parse the envelope and its contract; a message that cannot be parsed (or that no handler takes) will never
   succeed, so it is dead-lettered at once, with the reason;
2. in one transaction: claim the message in the inbox (a duplicate is skipped), run the handler; commit;
3. acknowledge only after the commit. When the handler fails, the message goes to a retry queue and comes back
   after a growing delay, or is dead-lettered at once if the handler raised `PermanentFailure` (kit/retry.py);
   the ones behind it go on meanwhile. The queue's delivery limit still bounds a message whose consumer dies
   while handling it, again and again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message, UnknownMessageType
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit import metrics, tracing
from lklr_shared.kit.inbox import claim
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from lklr_shared.kit.retry import FailureRouter, describe
from lklr_shared.kit.subscription import ManualSubscription
from lklr_shared.kit.topology import (
    Topology,
    declare_broker_dead_letter_queue,
    declare_broker_exchanges,
    declare_broker_retry_exchange,
)

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]
AfterCommit = Callable[[Envelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerWiring:
    """What an event consumer (plain or batched) is wired to: its name (which names its queue), the broker and
    topology it consumes from, the database it applies deliveries to and the relay that sends what its handlers
    emit."""

    name: str
    broker: RabbitBroker
    topology: Topology
    session_factory: async_sessionmaker[AsyncSession]
    relay: OutboxRelay | None = None
    publish_timeout: float = 5.0

    @property
    def queue_name(self) -> str:
        return self.topology.consumer_queue(self.name)

    def failure_router(self) -> FailureRouter:
        """Where the consumer's failed deliveries go: its retry queue, or its dead-letter queue."""
        return FailureRouter(
            self.name, self.broker, self.topology, self.queue_name, publish_timeout=self.publish_timeout
        )


async def open_delivery(
    name: str,
    raw: AbstractIncomingMessage,
    handled: Container[type[Message]],
    failures: FailureRouter,
    stats: Counter[str],
) -> tuple[Envelope, Message] | None:
    """The envelope and contract of a delivery to consumer ``name``; None for one that will never succeed (it
    does not parse, or no handler of ``handled`` takes it), which is dead-lettered at once with the reason and
    counted in ``stats``."""
    try:
        envelope = Envelope.from_bytes(raw.body)
        contract = envelope.open()
    except (ValidationError, UnknownMessageType, ValueError) as exc:
        log.error("%s: unparseable message %s: %s", name, raw.message_id, exc)
        stats[await failures.dead_letter(raw, f"unparseable: {describe(exc)}", "unparseable")] += 1
        return None
    if type(contract) not in handled:
        log.error("%s: no handler for %s", name, envelope.type)
        stats[await failures.dead_letter(raw, f"no handler for {envelope.type}", "permanent")] += 1
        return None
    return envelope, contract


class EventConsumer(ManualSubscription):
    """Consumes a service's event queue and applies each message exactly once to its database."""

    def __init__(
        self,
        wiring: ConsumerWiring,
        handlers: Mapping[type[Message], EventHandler],
        *,
        prefetch_count: int = 32,
        after_commit: AfterCommit | None = None,
    ) -> None:
        name, topology = wiring.name, wiring.topology
        routing_keys = sorted(contract.routing_key() for contract in handlers)
        super().__init__(
            name,
            wiring.broker,
            topology.consumer_queue_spec(name),
            prefetch_count=prefetch_count,
            title=f"{wiring.queue_name}:consume",
            description=f"{name} consumes " + ", ".join(routing_keys),
        )
        self.routing_keys = routing_keys
        self._topology = topology
        self._session_factory = wiring.session_factory
        self._handlers = dict(handlers)
        self._relay = wiring.relay
        # Hook after the commit and before the ack (tests use it to die in exactly that gap).
        self._after_commit = after_commit
        self._failures = wiring.failure_router()
        # Outcome counts per delivery (applied, duplicate, failed, retried, dead_lettered, requeued, ...): for logs,
        # probes and tests.
        self.stats: Counter[str] = Counter()

    @property
    def queue_name(self) -> str:
        return self._topology.consumer_queue(self.name)

    async def start(self) -> None:
        """Declare the queue with its bindings and start consuming."""
        self._stopping = False
        await declare_broker_exchanges(self._broker, self._topology)
        await declare_broker_dead_letter_queue(self._broker, self._topology, self.queue_name)
        await super().start()
        # FastStream binds a queue to one routing key; the others are bound here on the same queue object (the
        # declarer returns the subscriber's own), which aio-pika re-binds after a reconnect.
        queue = await self._broker.declare_queue(self._topology.consumer_queue_spec(self.name))
        exchange = await self._broker.declare_exchange(self._topology.events_exchange_spec())
        for key in self.routing_keys:
            await queue.bind(exchange, routing_key=key)
        await declare_broker_retry_exchange(self._broker, self._topology, self.queue_name, queue)

    async def handle(self, message: RabbitMessage) -> None:
        """Apply one delivery and settle it (see the module docstring)."""
        with (
            tracing.consumer_span(self.name, message.raw_message.type, message.headers),
            metrics.handling(self.name, [message.raw_message.type], self.stats),
        ):
            await self._process(message)

    async def _process(self, message: RabbitMessage) -> None:
        raw = message.raw_message
        opened = await open_delivery(self.name, raw, self._handlers, self._failures, self.stats)
        if opened is None:
            return
        envelope, contract = opened
        handler = self._handlers[type(contract)]
        what = f"{envelope.type} {envelope.message_id}"
        try:
            applied = await self.apply(envelope, contract, handler)
        except Exception as exc:  # noqa: BLE001 - settled by the router, which logs it
            # Settled here, never raised: the router logs it and retries or dead-letters the message.
            tracing.record_failure(exc)
            self.stats["failed"] += 1
            self.stats[await self._failures.settle_failure(raw, exc, what)] += 1
            return
        self.stats["applied" if applied else "duplicate"] += 1
        try:
            if self._after_commit is not None:
                await self._after_commit(envelope)
            await message.ack()
        except Exception:
            # Applied and committed, but not acked (the channel went away): the broker redelivers it and the inbox
            # skips it as a duplicate.
            log.exception("%s: %s applied but not acknowledged; it will be redelivered and skipped", self.name, what)
            self.stats["unacked"] += 1
            await self._requeue(message, what)

    async def _requeue(self, message: RabbitMessage, what: str) -> None:
        try:
            await message.nack(requeue=True)
        except Exception as exc:  # noqa: BLE001 - logged; the broker redelivers it
            log.warning("%s: %s could not be returned (%s); the broker will redeliver it", self.name, what, exc)

    async def apply(self, envelope: Envelope, contract: Message, handler: EventHandler) -> bool:
        """Apply one message in one transaction unless the inbox has it; return whether it was applied."""
        async with UnitOfWork(self._session_factory, self._relay, caused_by=envelope) as uow:
            if not await claim(uow.session, self.name, envelope):
                log.info("%s: duplicate %s %s skipped", self.name, envelope.type, envelope.message_id)
                return False
            await handler(uow, contract, envelope)
            await uow.commit()
            return True
