"""Reliability of the messaging kit on the real RabbitMQ and PostgreSQL (architecture brief, "Messaging")."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import Envelope, utcnow
from lklr_shared.kit.db import inbox_table, outbox_table
from lklr_shared.kit.deadletters import list_dead_letters
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork, prune_processed_messages
from lklr_shared.kit.publisher import Publisher, PublishFailed
from lklr_shared.kit.topology import declare_broker_exchanges
from tests.messaging import harness
from tests.messaging.consumer_process import DIED_AFTER_COMMIT

pytestmark = [pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


class RelayCrashed(BaseException):
    """Stands in for the process dying: BaseException so no `except Exception` can catch it."""


@pytest_asyncio.fixture
async def database(databases: Any) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    async with harness.probe_database(databases, "msg") as created:
        yield created


def fresh_topology(broker_names, delivery_limit: int = 5):  # type: ignore[no-untyped-def]
    return broker_names.topology(delivery_limit=delivery_limit, consumers={harness.CONSUMER})


async def test_consumer_that_dies_after_commit_before_ack_gets_the_message_again_and_applies_it_once(
    amqp_url, broker, database, broker_names, eventually
):
    url, session_factory = database
    topology = fresh_topology(broker_names)
    # Declare the queue first so the published message has somewhere to go.
    declaring = harness.make_consumer(broker, topology, session_factory)
    await declaring.start()
    await declaring.stop()
    await harness.publish_probe(broker, topology, "k1")

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.messaging.consumer_process",
        amqp_url,
        url,
        topology.prefix,
        str(topology.delivery_limit),
        cwd=ROOT,
    )
    assert await asyncio.wait_for(process.wait(), timeout=60) == DIED_AFTER_COMMIT
    assert await harness.effect_count(session_factory, "k1") == 1
    # The broker saw the consumer vanish without an ack and put the message back.
    await eventually(
        lambda: _ready_is(amqp_url, topology.consumer_queue(harness.CONSUMER), 1),
        message="message returned to the queue",
    )

    survivor = harness.make_consumer(broker, topology, session_factory)
    await survivor.start()
    await eventually(lambda: survivor.stats["duplicate"] == 1, message="redelivery seen as duplicate")
    await survivor.stop()
    assert await harness.effect_count(session_factory, "k1") == 1
    assert await harness.queue_counts(amqp_url, topology.consumer_queue(harness.CONSUMER)) == 0


async def _ready_is(amqp_url: str, queue: str, expected: int) -> bool:
    return await harness.queue_counts(amqp_url, queue) == expected


async def test_relay_that_dies_after_publishing_before_marking_sent_publishes_again_and_effect_happens_once(
    broker, database, broker_names, eventually
):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    consumer = harness.make_consumer(broker, topology, session_factory)
    await consumer.start()
    async with UnitOfWork(session_factory) as uow:
        uow.emit(harness.Probed(key="k2"))
        await uow.commit()
    publisher = Publisher(broker, topology.events_exchange, timeout=5)

    async def crash(_position: int) -> None:
        raise RelayCrashed

    with pytest.raises(RelayCrashed):
        await OutboxRelay(session_factory, publisher, after_publish=crash).relay_once()
    assert await _unsent(session_factory) == 1, "the crash happened before the row was marked sent"

    await OutboxRelay(session_factory, publisher).relay_once()
    assert await _unsent(session_factory) == 0
    await eventually(
        lambda: consumer.stats["applied"] + consumer.stats["duplicate"] == 2, message="both publishes delivered"
    )
    await consumer.stop()
    assert consumer.stats["applied"] == 1
    assert consumer.stats["duplicate"] == 1
    assert await harness.effect_count(session_factory, "k2") == 1


async def _unsent(session_factory) -> int:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        return int(
            (
                await session.execute(
                    sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
                )
            ).scalar_one()
        )


async def test_poison_message_is_dead_lettered_after_its_retries_while_later_messages_are_processed(
    amqp_url, broker, database, broker_names, eventually
):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    switches = harness.Switches(always_fail={"poison"})
    consumer = harness.make_consumer(broker, topology, session_factory, switches)
    await consumer.start()
    await harness.publish_probe(broker, topology, "poison")
    for key in ("after-1", "after-2", "after-3"):
        await harness.publish_probe(broker, topology, key)

    for key in ("after-1", "after-2", "after-3"):
        await eventually(lambda key=key: harness.applied_once(session_factory, key), message=f"{key} applied")
    letters = await eventually(
        lambda: list_dead_letters(amqp_url, topology, harness.CONSUMER), message="poison message dead-lettered"
    )
    assert [letter.message_type for letter in letters] == ["tests.Probed"]
    assert letters[0].attempts == len(topology.retry_delays) + 1
    assert letters[0].reason == "RuntimeError: poison: poison"
    assert consumer.stats["failed"] == len(topology.retry_delays) + 1
    assert await harness.effect_count(session_factory, "poison") == 0, "failed attempts rolled back"

    # The operator fixes the cause and replays with the command-line tool.
    switches.always_fail.clear()
    listed = await harness.run_dead_letter_cli(amqp_url, topology.prefix, "list", harness.CONSUMER)
    assert "1 dead-lettered message(s)" in listed
    replayed = await harness.run_dead_letter_cli(amqp_url, topology.prefix, "replay", harness.CONSUMER)
    assert "1 message(s) replayed" in replayed
    await eventually(lambda: harness.applied_once(session_factory, "poison"), message="replayed message applied")
    await consumer.stop()
    assert await list_dead_letters(amqp_url, topology, harness.CONSUMER) == []


async def test_publish_no_queue_receives_fails_and_the_outbox_row_stays_unsent(broker, database, broker_names):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    await declare_broker_exchanges(broker, topology)
    publisher = Publisher(broker, topology.events_exchange, timeout=5)
    with pytest.raises(PublishFailed, match="unroutable"):
        await publisher.publish(harness.Unbound.routing_key(), Envelope(type="tests.Unbound", payload={"key": "x"}))

    async with UnitOfWork(session_factory) as uow:
        uow.emit(harness.Unbound(key="nobody-listens"))
        await uow.commit()
    await OutboxRelay(session_factory, publisher).relay_once()
    async with session_factory() as session:
        row = (await session.execute(sa.select(outbox_table))).one()
    assert row.sent_at is None
    assert row.attempts == 1
    assert "unroutable" in row.last_error
    assert row.next_attempt_at > row.created_at, "retried later, with backoff"


async def test_database_error_inside_a_handler_does_not_lose_the_message_it_is_redelivered_and_applied(
    broker, database, broker_names, eventually
):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    switches = harness.Switches(database_error_once={"k5"})
    consumer = harness.make_consumer(broker, topology, session_factory, switches)
    await consumer.start()
    await harness.publish_probe(broker, topology, "k5")
    await eventually(lambda: harness.applied_once(session_factory, "k5"), message="applied after redelivery")
    await consumer.stop()
    assert consumer.stats["failed"] == 1
    assert consumer.stats["applied"] == 1


async def test_relay_is_woken_by_commit_not_only_by_its_poll(broker, database, broker_names, eventually):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    consumer = harness.make_consumer(broker, topology, session_factory)
    await consumer.start()
    publisher = Publisher(broker, topology.events_exchange, timeout=5)
    relay = OutboxRelay(session_factory, publisher, poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    try:
        async with UnitOfWork(session_factory, relay) as uow:
            uow.emit(harness.Probed(key="woken"))
            await uow.commit()
        await eventually(lambda: harness.applied_once(session_factory, "woken"), timeout=10, message="event relayed")
    finally:
        relay.stop()
        await task
        await consumer.stop()


async def test_relay_publishes_a_batch_concurrently_and_marks_every_row_sent(
    broker, database, broker_names, eventually
):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    consumer = harness.make_consumer(broker, topology, session_factory, prefetch_count=50)
    await consumer.start()
    async with UnitOfWork(session_factory) as uow:
        for index in range(450):
            uow.emit(harness.Probed(key=f"batch-{index}"))
        await uow.commit()
    publisher = Publisher(broker, topology.events_exchange, timeout=10)
    relay = OutboxRelay(session_factory, publisher, batch_size=200)
    assert [await relay.relay_once() for _ in range(3)] == [200, 200, 50]
    assert await _unsent(session_factory) == 0
    await eventually(lambda: consumer.stats["applied"] == 450, message="every event applied")
    await consumer.stop()


async def test_poison_finding_an_outbox_row_that_can_never_be_published_is_parked_and_the_rows_behind_it_go_on(
    broker, database, broker_names, eventually
):
    _url, session_factory = database
    topology = fresh_topology(broker_names)
    consumer = harness.make_consumer(broker, topology, session_factory)
    await consumer.start()
    async with session_factory() as session, session.begin():
        # A body no envelope parses, committed before the good rows (say, written by an older, buggy version).
        await session.execute(
            sa.insert(outbox_table).values(
                message_id=uuid.uuid4(),
                routing_key=harness.Probed.routing_key(),
                message_type=harness.Probed.wire_name,
                body=b"{not json",
                created_at=utcnow(),
                next_attempt_at=utcnow(),
                attempts=0,
            )
        )
    async with UnitOfWork(session_factory) as uow:
        for index in range(3):
            uow.emit(harness.Probed(key=f"behind-poison-{index}"))
        await uow.commit()
    relay = OutboxRelay(session_factory, Publisher(broker, topology.events_exchange, timeout=5))
    assert await relay.relay_once() == 4
    for index in range(3):
        await eventually(
            lambda i=index: harness.applied_once(session_factory, f"behind-poison-{i}"), message="rows behind it"
        )
    async with session_factory() as session:
        parked = (await session.execute(sa.select(outbox_table).where(outbox_table.c.body == b"{not json"))).one()
    assert parked.parked_at is not None and parked.sent_at is None and "ValidationError" in parked.last_error
    assert await relay.relay_once() == 0  # parked: not tried again and again
    await consumer.stop()


async def test_growth_finding_sent_outbox_rows_and_inbox_records_are_pruned_after_the_retention(
    database,
):
    _url, session_factory = database
    now = utcnow()
    old, recent = now - timedelta(days=15), now - timedelta(days=13)
    async with session_factory() as session, session.begin():
        for sent_at, key in ((old, "old-sent"), (recent, "recent-sent"), (None, "old-unsent")):
            await session.execute(
                sa.insert(outbox_table).values(
                    message_id=uuid.uuid4(),
                    routing_key="tests.Probed",
                    message_type="tests.Probed",
                    body=key.encode(),
                    created_at=old,
                    next_attempt_at=old,
                    sent_at=sent_at,
                    attempts=1,
                )
            )
        for processed_at in (old, recent):
            await session.execute(
                sa.insert(inbox_table).values(
                    consumer="pruning", message_id=uuid.uuid4(), message_type="tests.Probed", processed_at=processed_at
                )
            )
    pruned = await prune_processed_messages(session_factory, retention=timedelta(days=14), now=now)
    assert pruned == (1, 1)
    async with session_factory() as session:
        kept = {bytes(row.body) for row in (await session.execute(sa.select(outbox_table.c.body))).all()}
        inbox = (
            await session.execute(sa.select(inbox_table.c.processed_at).where(inbox_table.c.consumer == "pruning"))
        ).all()
    assert kept == {b"recent-sent", b"old-unsent"}  # never an unsent row
    assert len(inbox) == 1
