"""The batching consumer on a real RabbitMQ and PostgreSQL: once per message, acked after commit, poison isolated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
import pytest_asyncio
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message, MessageKind
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.kit import tracing
from lklr_shared.kit.batch_consumer import BatchEventConsumer, BatchItems, BatchUnitOfWork
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.consumer import ConsumerWiring
from lklr_shared.kit.db import kit_metadata, make_engine, make_session_factory, outbox_table
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.topology import Topology, declare_broker_exchanges

pytestmark = [pytest.mark.integration]

CONSUMER = "batch-probe"


class BatchProbed(Message):
    """A test-only event."""

    wire_name: ClassVar[str] = "tests.BatchProbed"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    key: str


class BatchEcho(Message):
    """A test-only event the handler emits (to check causation)."""

    wire_name: ClassVar[str] = "tests.BatchEcho"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    key: str


effects_metadata = sa.MetaData()
effects = sa.Table(
    "batch_probe_effects",
    effects_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(100), nullable=False),
)


@dataclass
class Handler:
    """Writes one effect row per event; keys in `poison` always fail, keys in `transient` lose the database
    connection as often as they say; records the batch sizes it saw."""

    poison: set[str] = field(default_factory=set)
    # Keys that lose the database connection (a transient failure) this many more times.
    transient: dict[str, int] = field(default_factory=dict)
    batch_sizes: list[int] = field(default_factory=list)

    async def __call__(self, uow: BatchUnitOfWork, items: BatchItems) -> None:
        self.batch_sizes.append(len(items))
        await uow.session.execute(sa.insert(effects), [{"key": event.key} for event, _ in items])
        for event, envelope in items:
            if self.transient.get(event.key, 0) > 0:
                self.transient[event.key] -= 1
                await uow.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
            if event.key in self.poison:
                raise RuntimeError(f"poison: {event.key}")
            uow.emit_caused_by(BatchEcho(key=event.key), envelope)


@dataclass
class Setup:
    broker: RabbitBroker
    topology: Topology
    session_factory: async_sessionmaker[AsyncSession]
    publisher: Publisher

    def consumer(self, handler: Handler, **options: Any) -> BatchEventConsumer:
        return BatchEventConsumer(
            ConsumerWiring(CONSUMER, self.broker, self.topology, self.session_factory),
            {BatchProbed: handler},
            **options,
        )

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        await asyncio.gather(*(self.publisher.publish(e.type, e) for e in envelopes))

    async def count(self, key: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(effects)
        if key is not None:
            query = query.where(effects.c.key == key)
        async with self.session_factory() as session:
            return int((await session.execute(query)).scalar_one())

    async def dead_letters(self) -> int:
        return await self.depth(self.topology.dead_letter_queue(self.topology.consumer_queue(CONSUMER)))

    async def depth(self, queue_name: str | None = None) -> int:
        """Messages ready in a queue (the consumer's own by default)."""
        channel = await (await self.broker.connect()).channel()
        try:
            queue = await channel.declare_queue(queue_name or self.topology.consumer_queue(CONSUMER), passive=True)
            return int(queue.declaration_result.message_count or 0)
        finally:
            await channel.close()


@pytest_asyncio.fixture
async def setup(databases: Any, broker_names: Any, amqp_url: str) -> AsyncIterator[Setup]:
    url = await databases.create("batch")
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(effects_metadata.create_all)
    topology = broker_names.topology(delivery_limit=2, consumers={CONSUMER})
    broker = await connect_broker(amqp_url, name="batch-consumer-tests")
    await declare_broker_exchanges(broker, topology)
    publisher = Publisher(broker, topology.events_exchange, timeout=5)
    try:
        yield Setup(broker, topology, make_session_factory(engine), publisher)
    finally:
        await publisher.close()
        await broker.stop()
        await engine.dispose()


async def _declare_queue(setup: Setup) -> None:
    """Start and stop a consumer once, so the queue exists and publishes are routable."""
    consumer = setup.consumer(Handler())
    await consumer.start()
    await consumer.stop()


async def _eventually(predicate: Any, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_a_burst_is_applied_once_in_a_few_transactions(setup: Setup) -> None:
    await _declare_queue(setup)
    envelopes = [wrap(BatchProbed(key=f"k{i}")) for i in range(300)]
    await setup.publish(envelopes)
    handler = Handler()
    consumer = setup.consumer(handler, max_batch=100, max_wait_seconds=0.05)
    await consumer.start()
    try:
        await _eventually(lambda: _equals(setup.count(), 300))
    finally:
        await consumer.stop()
    async with setup.session_factory() as session:
        echoes = (await session.execute(sa.select(outbox_table.c.body))).scalars().all()

    assert consumer.stats["applied"] == 300
    assert len(handler.batch_sizes) <= 10 and max(handler.batch_sizes) == 100
    # Acked (one multiple-ack per batch): nothing went back to the queue when the consumer's channel closed.
    assert await setup.depth() == 0
    # Each emitted event names its own cause, though 100 of them were written in one transaction.
    caused = {Envelope.from_bytes(body).causation_id for body in echoes}
    assert caused == {e.message_id for e in envelopes}


async def test_a_batch_span_links_the_trace_of_every_message_and_its_events_carry_the_batch_context(
    setup: Setup,
) -> None:
    await _declare_queue(setup)
    exporter = InMemorySpanExporter()
    recorder = TracerProvider()
    recorder.add_span_processor(SimpleSpanProcessor(exporter))
    senders = []
    for key in ("first", "second"):
        # Two requests elsewhere, each its own trace, each publishing one event with its context.
        with recorder.get_tracer("test").start_as_current_span(f"request {key}") as span:
            envelope = wrap(BatchProbed(key=key))
            await setup.publisher.publish(envelope.type, envelope, headers=tracing.context_headers())
            senders.append(span.get_span_context())
    consumer = setup.consumer(Handler(), max_batch=10, max_wait_seconds=0.5)
    with tracing.use_tracer_provider(recorder):
        await consumer.start()
        try:
            await _eventually(lambda: _equals(setup.count(), 2))
        finally:
            await consumer.stop()
    async with setup.session_factory() as session:
        stored = (await session.execute(sa.select(outbox_table.c.headers))).scalars().all()

    (batch,) = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.CONSUMER]
    assert batch.attributes is not None and batch.attributes["messaging.batch.message_count"] == 2
    assert {link.context.span_id for link in batch.links} == {sender.span_id for sender in senders}
    # The echoes were written in the batch's transaction: they go out in the batch span's trace.
    batch_ids = f"{batch.context.trace_id:032x}-{batch.context.span_id:016x}"
    assert [headers["traceparent"].split("-")[1:3] for headers in stored] == [batch_ids.split("-")] * 2


async def test_a_lone_message_is_handled_in_the_trace_of_its_publish_and_its_events_carry_that_context(
    setup: Setup,
) -> None:
    await _declare_queue(setup)
    exporter = InMemorySpanExporter()
    recorder = TracerProvider()
    recorder.add_span_processor(SimpleSpanProcessor(exporter))
    with recorder.get_tracer("test").start_as_current_span("request") as sender:
        envelope = wrap(BatchProbed(key="alone"))
        await setup.publisher.publish(envelope.type, envelope, headers=tracing.context_headers())
    consumer = setup.consumer(Handler(), max_batch=10, max_wait_seconds=0.0)
    with tracing.use_tracer_provider(recorder):
        await consumer.start()
        try:
            await _eventually(lambda: _equals(setup.count(), 1))
        finally:
            await consumer.stop()
    async with setup.session_factory() as session:
        stored = (await session.execute(sa.select(outbox_table.c.headers))).scalars().all()

    (handled,) = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.CONSUMER]
    assert handled.name == f"{envelope.type} process"
    assert handled.parent is not None and handled.parent.span_id == sender.get_span_context().span_id
    assert handled.context.trace_id == sender.get_span_context().trace_id
    # The echo was written while handling it: it goes out in the same trace, as a child of the handling.
    handled_ids = [f"{handled.context.trace_id:032x}", f"{handled.context.span_id:016x}"]
    assert [headers["traceparent"].split("-")[1:3] for headers in stored] == [handled_ids]


async def test_redeliveries_are_skipped_by_the_inbox_even_inside_one_batch(setup: Setup) -> None:
    await _declare_queue(setup)
    original = wrap(BatchProbed(key="twice"))
    await setup.publish([original, original, wrap(BatchProbed(key="other"))])
    consumer = setup.consumer(Handler(), max_batch=10, max_wait_seconds=0.2)
    await consumer.start()
    try:
        await _eventually(lambda: _equals(setup.count("other"), 1))
        await setup.publish([original])
        await _eventually(lambda: _at_least(consumer.stats["duplicate"], 2))
    finally:
        await consumer.stop()

    assert await setup.count("twice") == 1
    assert (consumer.stats["applied"], consumer.stats["duplicate"]) == (2, 2)


async def test_a_poison_message_is_dead_lettered_while_the_rest_of_its_batch_is_applied(setup: Setup) -> None:
    await _declare_queue(setup)
    await setup.publish([wrap(BatchProbed(key=key)) for key in ["a", "b", "poison", "c", "d"]])
    await setup.broker.publish(
        b"not an envelope",
        exchange=setup.topology.events_exchange_spec(),
        routing_key=BatchProbed.wire_name,
        message_id="garbage",
        timeout=5,
    )
    consumer = setup.consumer(Handler(poison={"poison"}), max_batch=10, max_wait_seconds=0.2)
    await consumer.start()
    try:
        await _eventually(lambda: _equals(setup.dead_letters(), 2))
    finally:
        await consumer.stop()

    assert [await setup.count(key) for key in ["a", "b", "c", "d", "poison"]] == [1, 1, 1, 1, 0]
    assert consumer.stats["batch_retried"] >= 1
    # The unparseable one at once; the poison one after its retries (the topology's delays), with its attempts.
    assert consumer.stats["dead_lettered"] == 2
    assert consumer.stats["retried"] == len(setup.topology.retry_delays)


async def test_a_batch_committed_but_not_acked_is_redelivered_and_skipped(setup: Setup) -> None:
    await _declare_queue(setup)
    await setup.publish([wrap(BatchProbed(key=f"k{i}")) for i in range(20)])

    async def die_before_ack(_envelopes: Sequence[Envelope]) -> None:
        raise ConnectionError("the process died between commit and ack")

    first = setup.consumer(Handler(), max_batch=50, max_wait_seconds=0.2, after_commit=die_before_ack)
    await first.start()
    await _eventually(lambda: _equals(setup.count(), 20))
    await first.stop()  # closing the channel returns the unacked deliveries to the queue
    second = setup.consumer(Handler(), max_batch=50, max_wait_seconds=0.2)
    await second.start()
    try:
        await _eventually(lambda: _at_least(second.stats["duplicate"], 20))
    finally:
        await second.stop()

    assert await setup.count() == 20
    assert second.stats["applied"] == 0


async def test_every_delivery_of_a_batch_is_acknowledged_even_when_acks_fail_part_way(setup: Setup) -> None:
    await _declare_queue(setup)
    await setup.publish([wrap(BatchProbed(key=f"k{i}")) for i in range(4)])
    queue_name = setup.topology.consumer_queue(CONSUMER)
    connection = await setup.broker.connect()
    lost, live = await connection.channel(), await connection.channel()
    lost_queue = await lost.get_queue(queue_name, ensure=False)
    live_queue = await live.get_queue(queue_name, ensure=False)
    taken_lost = [await lost_queue.get(no_ack=False, timeout=5) for _ in range(2)]
    taken_live = [await live_queue.get(no_ack=False, timeout=5) for _ in range(2)]
    # A batch that spans a lost channel: the acks of its first two deliveries fail, in the middle of the batch.
    await lost.close()
    consumer = setup.consumer(Handler())
    await consumer.process([taken_lost[0], taken_live[0], taken_lost[1], taken_live[1]])

    assert (consumer.stats["applied"], consumer.stats["unacked"]) == (4, 2)
    # The deliveries on the live channel were acknowledged despite the failures before them: closing it returns
    # nothing, and only the lost channel's two are back in the queue, to be skipped as duplicates.
    await live.close()
    assert await setup.depth() == 2
    consumer = setup.consumer(Handler(), max_batch=10, max_wait_seconds=0.2)
    await consumer.start()
    try:
        await _eventually(lambda: _at_least(consumer.stats["duplicate"], 2))
    finally:
        await consumer.stop()
    assert await setup.count() == 4
    assert await setup.depth() == 0


async def test_a_batch_that_fails_for_a_transient_reason_is_retried_after_a_delay_and_applied_once(
    setup: Setup,
) -> None:
    await _declare_queue(setup)
    await setup.publish([wrap(BatchProbed(key=key)) for key in ["steady", "flaky"]])
    # Twice: the first delivery fails in its batch and again alone, and goes to a retry queue.
    handler = Handler(transient={"flaky": 2})
    consumer = setup.consumer(handler, max_batch=10, max_wait_seconds=0.2)
    await consumer.start()
    try:
        await _eventually(lambda: _equals(setup.count("flaky"), 1))
    finally:
        await consumer.stop()

    assert await setup.count("steady") == 1
    assert (consumer.stats["retried"], consumer.stats["dead_lettered"]) == (1, 0)
    assert await setup.dead_letters() == 0


async def _equals(awaitable: Any, expected: int) -> bool:
    return bool(await awaitable == expected)


async def _at_least(value: int, expected: int) -> bool:
    return value >= expected


def test_refuses_an_empty_batch_size() -> None:
    with pytest.raises(ValueError):
        BatchEventConsumer(ConsumerWiring(CONSUMER, None, Topology(), None), {}, max_batch=0)  # type: ignore[arg-type]
