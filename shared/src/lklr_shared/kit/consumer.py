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

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from faststream.rabbit.subscriber import RabbitSubscriber
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message, UnknownMessageType
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit import amqp_raw, metrics, tracing
from lklr_shared.kit.broker import consumer_channel, current_message, leave_body
from lklr_shared.kit.inbox import claim
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from lklr_shared.kit.retry import FailureRouter, describe
from lklr_shared.kit.topology import (
    Topology,
    declare_broker_dead_letter_queue,
    declare_broker_exchanges,
    declare_broker_retry_exchange,
)

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]
AfterCommit = Callable[[Envelope], Awaitable[None]]


class EventConsumer:
    """Consumes a service's event queue and applies each message exactly once to its database."""

    def __init__(
        self,
        name: str,
        broker: RabbitBroker,
        topology: Topology,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: Mapping[type[Message], EventHandler],
        *,
        relay: OutboxRelay | None = None,
        prefetch_count: int = 32,
        after_commit: AfterCommit | None = None,
        publish_timeout: float = 5.0,
    ) -> None:
        self.name = name
        self._broker = broker
        self._topology = topology
        self._session_factory = session_factory
        self._handlers = dict(handlers)
        self._relay = relay
        self._prefetch_count = prefetch_count
        # Hook after the commit and before the ack (tests use it to die in exactly that gap).
        self._after_commit = after_commit
        self._failures = FailureRouter(
            name, broker, topology, topology.consumer_queue(name), publish_timeout=publish_timeout
        )
        self._subscriber: RabbitSubscriber | None = None
        self._in_flight = 0
        self._deliveries = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        # Outcome counts per delivery (applied, duplicate, failed, retried, dead_lettered, requeued, ...): for logs,
        # probes and tests.
        self.stats: Counter[str] = Counter()

    @property
    def queue_name(self) -> str:
        return self._topology.consumer_queue(self.name)

    @property
    def routing_keys(self) -> list[str]:
        """The routing keys this consumer's queue is bound to: one per handled event."""
        return sorted(contract.routing_key() for contract in self._handlers)

    @property
    def subscriber(self) -> RabbitSubscriber:
        """The FastStream subscriber, registered on the broker on first use."""
        if self._subscriber is None:
            self._subscriber = self._broker.subscriber(
                self._topology.consumer_queue_spec(self.name),
                # Its own channel: its own prefetch, and closing it returns prefetched messages at stop.
                channel=consumer_channel(self._prefetch_count),
                ack_policy=AckPolicy.MANUAL,
                no_reply=True,
                title=f"{self.queue_name}:consume",
                description=f"{self.name} consumes " + ", ".join(self.routing_keys),
            )
            self._subscriber(self._on_message, decoder=leave_body)
        return self._subscriber

    def consuming(self) -> bool:
        """Whether the subscriber has a live consumer on an open channel (readiness and the watchdog)."""
        return self._subscriber is not None and not self._stopping and amqp_raw.consumer_active(self._subscriber)

    async def start(self) -> None:
        """Declare the queue with its bindings and start consuming."""
        self._stopping = False
        await declare_broker_exchanges(self._broker, self._topology)
        await declare_broker_dead_letter_queue(self._broker, self._topology, self.queue_name)
        subscriber = self.subscriber
        # A channel of its own (a fresh one after a stop closed the last), and the queue declared on it.
        subscriber.channel = consumer_channel(self._prefetch_count)
        amqp_raw.forget_queue(self._broker, self._topology.consumer_queue_spec(self.name))
        await subscriber.start()
        # FastStream binds a queue to one routing key; the others are bound here on the same queue object (the
        # declarer returns the subscriber's own), which aio-pika re-binds after a reconnect.
        queue = await self._broker.declare_queue(self._topology.consumer_queue_spec(self.name))
        exchange = await self._broker.declare_exchange(self._topology.events_exchange_spec())
        for key in self.routing_keys:
            await queue.bind(exchange, routing_key=key)
        await declare_broker_retry_exchange(self._broker, self._topology, self.queue_name, queue)

    def deliveries(self) -> int:
        """Deliveries received so far (the watchdog compares rounds)."""
        return self._deliveries

    def busy(self) -> bool:
        """Whether a delivery is being handled."""
        return self._in_flight > 0

    async def restart(self) -> None:
        """Consume again on a fresh channel after the consumer was lost or stalled (the watchdog calls this)."""
        if self._subscriber is None or self._stopping:
            return
        await amqp_raw.stop_subscriber(self._subscriber)
        await self.start()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking messages, let in-flight ones finish (up to the grace period), close the channel.

        Messages prefetched but not started are never acked, so the broker gives them to another replica.
        """
        self._stopping = True
        if self._subscriber is None:
            return
        channel = amqp_raw.subscriber_channel(self._subscriber)
        # Cancelling stops new deliveries; in-flight handlers keep their channel for the ack.
        await self._subscriber.stop()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace_seconds)
        except TimeoutError:
            log.warning(
                "%s: %s message(s) still in flight after %ss; they will be redelivered",
                self.name,
                self._in_flight,
                grace_seconds,
            )
        if channel is not None and not channel.is_closed:
            await channel.close()

    async def _on_message(self, _body: None) -> None:
        message = current_message(self._broker)
        self._deliveries += 1
        if self._stopping:
            return  # not acked: returned to the queue when the channel closes
        self._in_flight += 1
        self._idle.clear()
        try:
            with (
                tracing.consumer_span(self.name, message.raw_message.type, message.headers),
                metrics.handling(self.name, [message.raw_message.type], self.stats),
            ):
                await self._process(message)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _process(self, message: RabbitMessage) -> None:
        raw = message.raw_message
        try:
            envelope = Envelope.from_bytes(message.body)
            contract = envelope.open()
        except (ValidationError, UnknownMessageType, ValueError) as exc:
            log.error("%s: unparseable message %s: %s", self.name, message.message_id, exc)
            self.stats[await self._failures.dead_letter(raw, f"unparseable: {describe(exc)}", "unparseable")] += 1
            return
        handler = self._handlers.get(type(contract))
        if handler is None:
            log.error("%s: no handler for %s", self.name, envelope.type)
            reason = f"no handler for {envelope.type}"
            self.stats[await self._failures.dead_letter(raw, reason, "permanent")] += 1
            return
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
