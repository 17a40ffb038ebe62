"""Batching event consumer: many deliveries applied in one transaction, with the same guarantees as `consumer.py`.

The plain `EventConsumer` spends one transaction (and several round trips) per message, which caps a consumer at a
few hundred messages a second. A peak such as 50,000 re-registration dossiers at a cycle end needs more, so a
service whose handler can work on many events at once (multi-row inserts, one lock for a whole batch) uses this
consumer instead. Per batch:

1. collect deliveries: up to `max_batch`, waiting at most `max_wait_seconds` after the first one;
2. parse each; a message that cannot be parsed, or that no handler takes, is dead-lettered at once, exactly as
   the plain consumer does;
3. in ONE transaction: look the batch up in the inbox (one query), drop what was applied before (and repeats of
   a message inside the batch), hand the rest to the handlers grouped by contract in arrival order (or, with
   `in_order`, in runs that keep the arrival order: of every message, or with an `order_key` of the messages that
   share a key, such as the person they are about), record every applied message in the inbox (one multi-row
   insert), commit;
4. acknowledge only after the commit, every delivery: an ack that fails (its channel was lost) is logged and the
   others are still acknowledged; the broker redelivers the unacknowledged ones and the inbox skips them.

When the batch transaction fails (a poison message, a deadlock, a lost connection), nothing of it is kept and the
batch is retried message by message, each in its own transaction: the good messages are applied and acked, a
failing one goes to a retry queue and comes back after a growing delay, or to the dead-letter queue at once if its
handler raised `PermanentFailure` (kit/retry.py), while the ones behind it go on. The inbox's primary key still
backs deduplication when two replicas race on a redelivery.

Handlers get ``(uow, items)`` with ``items`` a sequence of ``(event, envelope)``; they must not commit. Events
they emit should name their cause: `BatchUnitOfWork.emit_caused_by` wraps an event with the causing envelope's
correlation and message id, as the plain consumer's unit of work does for its single message.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope, utcnow, wrap
from lklr_shared.kit import amqp_raw, metrics, tracing
from lklr_shared.kit.consumer import ConsumerWiring, EventHandler, open_delivery
from lklr_shared.kit.db import inbox_table
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.retry import describe
from lklr_shared.kit.topology import (
    declare_broker_exchanges,
    declare_broker_retry_exchange,
    declare_consumer_queue,
)

log = logging.getLogger(__name__)

BatchItems = Sequence[tuple[Any, Envelope]]
BatchHandler = Callable[["BatchUnitOfWork", BatchItems], Awaitable[None]]
# What a message touches (e.g. the people it is about), for ordering in a batch; None: it may touch anything.
OrderKey = Callable[[Any], Collection[Hashable] | None]
AfterBatchCommit = Callable[[Sequence[Envelope]], Awaitable[None]]

# Inbox lookups are chunked so that a large batch never exceeds a driver's bind-parameter limit.
_INBOX_CHUNK = 1000


class BatchUnitOfWork(UnitOfWork):
    """A unit of work for many incoming messages: each emitted event can name its own cause."""

    def emit_caused_by(self, message: Message, caused_by: Envelope) -> Envelope:
        """Queue an event caused by ``caused_by`` (inherits its correlation id; causation = its message id)."""
        envelope = wrap(message, caused_by=caused_by)
        # The base class keeps pending events in `_pending` and writes them at commit; we add to the same list.
        self._pending.append(envelope)
        return envelope

    @contextmanager
    def caused(self, envelope: Envelope) -> Iterator[None]:
        """Inside the block, `emit` names ``envelope`` as the cause (as the plain consumer's unit of work does)."""
        previous = self._caused_by
        self._caused_by = envelope
        try:
            yield
        finally:
            self._caused_by = previous


def per_event(handler: EventHandler) -> BatchHandler:
    """A batch handler that runs a one-message handler for each item in turn, inside the batch's transaction, each
    emitting its events as caused by its own message. What it saves over the plain consumer is the transaction,
    the inbox round trip and the acknowledgement per message; the handler's own statements stay as they are."""

    async def handle(uow: BatchUnitOfWork, items: BatchItems) -> None:
        for event, envelope in items:
            with uow.caused(envelope):
                await handler(uow, event, envelope)

    return handle


def _runs(
    deliveries: Sequence[_Delivery], in_order: bool, order_key: OrderKey | None = None
) -> list[tuple[type[Message], list[tuple[Any, Envelope]]]]:
    """The deliveries as (contract, items) for the handlers.

    Not in order: every contract once (first-seen order). In order without ``order_key``: each run of consecutive
    deliveries of one contract, so that no message is applied before one that came earlier. In order with
    ``order_key``: a delivery joins the last run of its contract unless a message with one of its keys came in a
    later run, so messages that share a key keep their arrival order while unrelated ones gather in few runs (a
    burst of registrations and cycles, interleaved person by person, is two runs instead of one per message).
    """
    if not in_order:
        by_contract: dict[type[Message], list[tuple[Any, Envelope]]] = {}
        for delivery in deliveries:
            by_contract.setdefault(type(delivery.contract), []).append((delivery.contract, delivery.envelope))
        return list(by_contract.items())
    runs: list[tuple[type[Message], list[tuple[Any, Envelope]]]] = []
    # Per key, the index of the last run holding a message with it; and the index of the last barrier (a message
    # without keys, which nothing may pass) and of each contract's last run.
    last_with_key: dict[Hashable, int] = {}
    barrier = -1
    last_of_contract: dict[type[Message], int] = {}
    for delivery in deliveries:
        contract_type = type(delivery.contract)
        item = (delivery.contract, delivery.envelope)
        keys = order_key(delivery.contract) if order_key is not None else None
        floor = len(runs) - 1 if keys is None else max([barrier, *(last_with_key.get(key, -1) for key in keys)])
        index = last_of_contract.get(contract_type, -1)
        if index < 0 or index < floor:
            runs.append((contract_type, [item]))
            index = len(runs) - 1
            last_of_contract[contract_type] = index
        else:
            runs[index][1].append(item)
        if keys is None:
            barrier = index
        else:
            for key in keys:
                last_with_key[key] = index
    return runs


@dataclass
class _Delivery:
    message: AbstractIncomingMessage
    envelope: Envelope
    contract: Message


class BatchEventConsumer:
    """Consumes a service's event queue in batches and applies each message exactly once to its database."""

    def __init__(
        self,
        wiring: ConsumerWiring,
        handlers: Mapping[type[Message], BatchHandler],
        *,
        max_batch: int = 200,
        max_wait_seconds: float = 0.02,
        prefetch_count: int | None = None,
        after_commit: AfterBatchCommit | None = None,
        in_order: bool = False,
        order_key: OrderKey | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.name = wiring.name
        self._broker = wiring.broker
        self._topology = wiring.topology
        self._session_factory = wiring.session_factory
        self._handlers = dict(handlers)
        self._relay = wiring.relay
        self._max_batch = max_batch
        self._max_wait = max_wait_seconds
        # Two batches' worth in flight: the next batch is arriving while the current one is in its transaction.
        self._prefetch_count = prefetch_count or 2 * max_batch
        # Hook after the commit and before the acks (tests use it to die in exactly that gap).
        self._after_commit = after_commit
        # In order: handlers see the batch's messages in arrival order (runs of one contract), not grouped by contract.
        self._in_order = in_order
        # In order, by key: only messages with a key in common keep their arrival order (see `_runs`).
        self._order_key = order_key
        self._failures = wiring.failure_router()
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._buffer: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._stopping = False
        self._busy = False
        self._deliveries = 0
        # Outcome counts per delivery (applied, duplicate, failed, retried, dead_lettered, unacked, ...) and batches:
        # logs, probes, tests.
        self.stats: Counter[str] = Counter()

    @property
    def queue_name(self) -> str:
        return self._topology.consumer_queue(self.name)

    async def start(self) -> None:
        """Declare the queue with its bindings and start consuming.

        FastStream has no batch subscriber for RabbitMQ: this consumes with aio-pika (kit/amqp_raw.py) on a channel
        of the broker's connection, which aio-pika restores, with its consumer, after a reconnect.
        """
        self._stopping = False
        # The exchanges through the broker first, on its confirming channel (see declare_broker_exchanges).
        await declare_broker_exchanges(self._broker, self._topology)
        self._channel = await amqp_raw.open_channel(self._broker, prefetch_count=self._prefetch_count)
        routing_keys = sorted(contract.routing_key() for contract in self._handlers)
        self._queue = await declare_consumer_queue(self._channel, self._topology, self.name, routing_keys)
        await declare_broker_retry_exchange(self._broker, self._topology, self.queue_name, self._queue)
        self._worker = asyncio.create_task(self._work(), name=f"{self.name}-batch-consumer")
        self._consumer_tag = await amqp_raw.start_consuming(self._queue, self._on_message)

    def consuming(self) -> bool:
        """Whether the consumer is registered on an open channel (readiness and the watchdog)."""
        return not self._stopping and amqp_raw.channel_consuming(self._channel, self._consumer_tag)

    def deliveries(self) -> int:
        """Deliveries received so far (the watchdog compares rounds)."""
        return self._deliveries

    def busy(self) -> bool:
        """Whether a batch is being applied or deliveries wait in the buffer."""
        return self._busy or not self._buffer.empty()

    async def restart(self) -> None:
        """Consume again on a fresh channel after the consumer was lost or stalled (the watchdog calls this); the
        worker keeps running. Buffered deliveries of the old channel are dropped unacked: the broker redelivers
        them when the channel closes."""
        if self._stopping or self._queue is None or self._channel is None:
            return
        old = self._channel
        while not self._buffer.empty():
            self._buffer.get_nowait()
        if not old.is_closed:
            await old.close()
        self._channel = await amqp_raw.open_channel(self._broker, prefetch_count=self._prefetch_count)
        routing_keys = sorted(contract.routing_key() for contract in self._handlers)
        self._queue = await declare_consumer_queue(self._channel, self._topology, self.name, routing_keys)
        self._consumer_tag = await amqp_raw.start_consuming(self._queue, self._on_message)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking messages, finish the batch in progress (up to the grace period), close the channel.

        Buffered messages that were not started are never acked, so the broker gives them to another replica.
        """
        self._stopping = True
        if (
            self._channel is not None
            and not self._channel.is_closed
            and self._queue is not None
            and self._consumer_tag is not None
        ):
            await amqp_raw.stop_consuming(self._queue, self._consumer_tag)
        if self._worker is not None:
            if not self._busy:
                # Idle or still collecting: nothing is in a transaction, and unacked deliveries go back to the queue.
                self._worker.cancel()
            _done, pending = await asyncio.wait({self._worker}, timeout=grace_seconds)
            if pending:
                log.warning("%s: batch still in flight after %ss; it will be redelivered", self.name, grace_seconds)
                self._worker.cancel()
                await asyncio.wait({self._worker})
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # Deliveries only enter the buffer; one worker applies them in order, so batches never interleave.
        self._deliveries += 1
        if not self._stopping:
            self._buffer.put_nowait(message)

    async def _work(self) -> None:
        while not self._stopping:
            batch = [await self._buffer.get()]
            await self._fill(batch)
            self._busy = True
            try:
                with (
                    self._span(batch),
                    metrics.handling(self.name, [message.type for message in batch], self.stats),
                ):
                    await self.process(batch)
            except Exception:
                # Handler and ack failures are settled inside process(); what reaches here failed after the commit
                # (the after-commit hook). The messages stay unacked, the broker redelivers them and the inbox skips
                # them: log loudly and go on.
                log.exception("%s: batch of %s failed after its commit; it will be redelivered", self.name, len(batch))
            finally:
                self._busy = False

    def _span(self, batch: list[AbstractIncomingMessage]) -> AbstractContextManager[Any]:
        """The trace span of a batch. A lone message (the usual case below a peak: nothing waits for stragglers
        unless `max_wait_seconds` says so) gets the plain consumer's span, a child of its publish, so one trace
        follows it through this service and on to what it emits; a batch of several, which come from many traces,
        gets a span of its own that links to each."""
        if len(batch) == 1:
            return tracing.consumer_span(self.name, batch[0].type, batch[0].headers)
        return tracing.batch_consumer_span(self.name, (message.headers for message in batch))

    async def _fill(self, batch: list[AbstractIncomingMessage]) -> None:
        """Top the batch up from the buffer, waiting at most `max_wait_seconds` for stragglers."""
        deadline = asyncio.get_running_loop().time() + self._max_wait
        while len(batch) < self._max_batch:
            try:
                batch.append(self._buffer.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            try:
                batch.append(await asyncio.wait_for(self._buffer.get(), timeout=remaining))
            except TimeoutError:
                return

    async def process(self, messages: Sequence[AbstractIncomingMessage]) -> None:
        """Apply a batch of deliveries and settle every one of them (ack, reject or requeue)."""
        self.stats["batches"] += 1
        deliveries: list[_Delivery] = []
        for message in messages:
            delivery = await self._parse(message)
            if delivery is not None:
                deliveries.append(delivery)
        if not deliveries:
            return
        try:
            applied, duplicates = await self.apply(deliveries)
        except Exception:
            log.warning(
                "%s: batch of %s failed; retrying its messages one by one", self.name, len(deliveries), exc_info=True
            )
            self.stats["batch_retried"] += 1
            for delivery in deliveries:
                await self._process_alone(delivery)
            return
        self.stats["applied"] += applied
        self.stats["duplicate"] += duplicates
        await self._acknowledge(deliveries)

    async def _parse(self, message: AbstractIncomingMessage) -> _Delivery | None:
        opened = await open_delivery(self.name, message, self._handlers, self._failures, self.stats)
        return None if opened is None else _Delivery(message, *opened)

    async def _process_alone(self, delivery: _Delivery) -> None:
        try:
            applied, _ = await self.apply([delivery])
        except Exception as exc:  # noqa: BLE001 - settled by the router, which logs it
            # Settled here, never raised: the router logs it and retries or dead-letters the message.
            self.stats["failed"] += 1
            what = f"{delivery.envelope.type} {delivery.envelope.message_id}"
            self.stats[await self._failures.settle_failure(delivery.message, exc, what)] += 1
            return
        self.stats["applied" if applied else "duplicate"] += 1
        await self._acknowledge([delivery])

    async def _acknowledge(self, deliveries: Sequence[_Delivery]) -> None:
        """Acknowledge applied deliveries, every one of them even when some acks fail."""
        if self._after_commit is not None:
            await self._after_commit([delivery.envelope for delivery in deliveries])
        last = deliveries[-1].message
        if len(deliveries) > 1 and amqp_raw.same_open_channel([d.message for d in deliveries]):
            # One frame for the whole batch: `multiple` acks every unsettled delivery up to the last one's tag. That
            # is this batch: deliveries arrive in tag order, batches are applied one at a time in that order, and
            # an earlier delivery is settled (acked, rejected, requeued) or, if its ack failed, committed, so acking
            # it too is right. A batch that spans a channel recovery is acked one by one (tags restart there).
            try:
                await last.ack(multiple=True)
                return
            except Exception as exc:  # noqa: BLE001 - logged; each is acknowledged on its own below
                log.warning("%s: acknowledging a batch at once failed (%s); one by one", self.name, describe(exc))
        failures: list[BaseException] = []
        for delivery in deliveries:
            try:
                await delivery.message.ack()
            except Exception as exc:  # noqa: BLE001 - collected and logged below
                # Its channel is gone (a batch that spans a channel recovery): the broker redelivers it and the
                # inbox skips it. Go on: the deliveries after it may be on a live channel, where an unsettled one
                # would hold a prefetch slot, and stay unacked, until that channel closes.
                failures.append(exc)
        if failures:
            self.stats["unacked"] += len(failures)
            log.error(
                "%s: %s of %s applied deliveries could not be acknowledged (%s); they will be redelivered and "
                "skipped as duplicates",
                self.name,
                len(failures),
                len(deliveries),
                describe(failures[0]),
                exc_info=failures[0],
            )

    async def apply(self, deliveries: Sequence[_Delivery]) -> tuple[int, int]:
        """Apply deliveries in one transaction, skipping those the inbox has; return (applied, duplicates)."""
        async with BatchUnitOfWork(self._session_factory, self._relay) as uow:
            seen = await self._already_processed(uow.session, [d.envelope.message_id for d in deliveries])
            fresh: list[_Delivery] = []
            for delivery in deliveries:
                if delivery.envelope.message_id in seen:
                    continue
                # A repeat inside the batch (a redelivery overtaking its original) is applied once.
                seen.add(delivery.envelope.message_id)
                fresh.append(delivery)
            duplicates = len(deliveries) - len(fresh)
            if duplicates:
                log.info("%s: %s duplicate message(s) skipped", self.name, duplicates)
            if not fresh:
                return 0, duplicates
            for contract_type, items in _runs(fresh, self._in_order, self._order_key):
                await self._handlers[contract_type](uow, items)
            now = utcnow()
            await uow.session.execute(
                sa.insert(inbox_table),
                [
                    {
                        "consumer": self.name,
                        "message_id": d.envelope.message_id,
                        "message_type": d.envelope.type,
                        "processed_at": now,
                    }
                    for d in fresh
                ],
            )
            await uow.commit()
            return len(fresh), duplicates

    async def _already_processed(self, session: AsyncSession, message_ids: Sequence[Any]) -> set[Any]:
        found: set[Any] = set()
        unique = list(dict.fromkeys(message_ids))
        if session.get_bind().dialect.name == "postgresql":
            # One array parameter: the same statement text whatever the batch size, so it is prepared once.
            rows = await session.execute(
                sa.select(inbox_table.c.message_id).where(
                    inbox_table.c.consumer == self.name,
                    inbox_table.c.message_id == sa.any_(sa.bindparam("ids", unique, type_=ARRAY(sa.Uuid))),
                )
            )
            return {row[0] for row in rows}
        for start in range(0, len(unique), _INBOX_CHUNK):
            rows = await session.execute(
                sa.select(inbox_table.c.message_id).where(
                    inbox_table.c.consumer == self.name,
                    inbox_table.c.message_id.in_(unique[start : start + _INBOX_CHUNK]),
                )
            )
            found.update(row[0] for row in rows)
        return found
