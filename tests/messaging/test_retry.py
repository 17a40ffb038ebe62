"""Retry after a growing delay, then dead-letter (kit/retry.py), on the real RabbitMQ and PostgreSQL.

No timing assertions: each delivery records the attempt header the kit set and the retry queue it came back from
(the broker's `x-death`), so the tests check the order of the delays, and that at least each delay passed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.broker import current_message
from lklr_shared.kit.consumer import ConsumerWiring, EventConsumer
from lklr_shared.kit.deadletters import list_dead_letters
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.retry import ATTEMPTS_HEADER, PermanentFailure
from lklr_shared.kit.topology import Topology
from tests.messaging import harness
from tests.support.postgres_node import private_postgres

pytestmark = [pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Delivery:
    """What the handler saw of one delivery."""

    key: str
    attempts: int
    came_back_from: str | None
    at: float


@dataclass
class Script:
    """How the handler behaves per key: fail with a lost database connection N times, fail for good, always fail."""

    connection_lost: dict[str, int] = field(default_factory=dict)
    permanent: set[str] = field(default_factory=set)
    always_transient: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)

    def seen(self, key: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.key == key]


def scripted_consumer(
    broker: RabbitBroker,
    topology: Topology,
    session_factory: async_sessionmaker[AsyncSession],
    script: Script,
) -> EventConsumer:
    async def handle(uow: UnitOfWork, event: harness.Probed, _envelope: Envelope) -> None:
        headers = current_message(broker).headers or {}
        deaths = headers.get("x-death") or []
        script.deliveries.append(
            Delivery(
                event.key,
                int(headers.get(ATTEMPTS_HEADER, 0)),
                str(deaths[0]["queue"]) if deaths else None,
                asyncio.get_running_loop().time(),
            )
        )
        await uow.session.execute(sa.insert(harness.effects).values(key=event.key))
        if script.connection_lost.get(event.key, 0) > 0:
            script.connection_lost[event.key] -= 1
            # A real lost connection: the server ends this session's backend in the middle of the transaction.
            await uow.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
        if event.key in script.always_transient:
            raise ConnectionResetError(f"database connection reset while handling {event.key}")
        if event.key in script.permanent:
            raise PermanentFailure(f"{event.key} can never be applied")

    return EventConsumer(ConsumerWiring(harness.CONSUMER, broker, topology, session_factory), {harness.Probed: handle})


@pytest_asyncio.fixture
async def database(databases: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with harness.probe_database(databases, "retry") as (_, session_factory):
        yield session_factory


async def test_a_transient_failure_is_retried_after_each_delay_in_order_and_applied_once(
    amqp_url: str, broker: RabbitBroker, database: Any, broker_names: Any, eventually: Any
) -> None:
    topology = broker_names.topology(retry_delays=(0.2, 0.5, 1.0), consumers={harness.CONSUMER})
    script = Script(connection_lost={"flaky": 2})
    consumer = scripted_consumer(broker, topology, database, script)
    await consumer.start()
    try:
        await harness.publish_probe(broker, topology, "flaky")
        await eventually(lambda: harness.applied_once(database, "flaky"), message="applied after two retries")
    finally:
        await consumer.stop()

    seen = script.seen("flaky")
    queue = topology.consumer_queue(harness.CONSUMER)
    assert [d.attempts for d in seen] == [0, 1, 2]
    assert [d.came_back_from for d in seen] == [
        None,
        topology.retry_queue(queue, 0.2),
        topology.retry_queue(queue, 0.5),
    ]
    # At least each delay passed between a failure and the next attempt (a lower bound only).
    assert seen[1].at - seen[0].at >= 0.2 * 0.9
    assert seen[2].at - seen[1].at >= 0.5 * 0.9
    assert (consumer.stats["failed"], consumer.stats["retried"], consumer.stats["applied"]) == (2, 2, 1)
    assert await list_dead_letters(amqp_url, topology, harness.CONSUMER) == []


async def test_a_permanent_failure_and_an_unparseable_message_are_dead_lettered_at_once_with_their_reason(
    amqp_url: str, broker: RabbitBroker, database: Any, broker_names: Any, eventually: Any
) -> None:
    topology = broker_names.topology(consumers={harness.CONSUMER})
    script = Script(permanent={"doomed"})
    consumer = scripted_consumer(broker, topology, database, script)
    await consumer.start()
    try:
        await harness.publish_probe(broker, topology, "doomed")
        await broker.publish(
            b"{not an envelope",
            exchange=topology.events_exchange_spec(),
            routing_key=harness.Probed.routing_key(),
            message_id="garbage",
            persist=True,
            timeout=5,
        )
        await harness.publish_probe(broker, topology, "fine")
        await eventually(lambda: harness.applied_once(database, "fine"), message="the message behind them applied")
        letters = await eventually(lambda: _letters_when(amqp_url, topology, 2), message="both dead-lettered")
    finally:
        await consumer.stop()

    by_failure = {letter.failure: letter for letter in letters}
    assert by_failure["permanent"].attempts == 1
    assert by_failure["permanent"].reason == "PermanentFailure: doomed can never be applied"
    assert by_failure["unparseable"].attempts == 1
    assert by_failure["unparseable"].message_id == "garbage"
    assert by_failure["unparseable"].reason.startswith("unparseable: ")
    assert len(script.seen("doomed")) == 1, "never retried"
    assert consumer.stats["retried"] == 0
    assert await harness.effect_count(database, "doomed") == 0


async def _letters_when(amqp_url: str, topology: Topology, count: int) -> list[Any] | None:
    letters = await list_dead_letters(amqp_url, topology, harness.CONSUMER)
    return letters if len(letters) == count else None


async def test_a_transient_failure_past_the_last_delay_is_dead_lettered_with_its_attempts_and_replays_afresh(
    amqp_url: str, broker: RabbitBroker, database: Any, broker_names: Any, eventually: Any
) -> None:
    topology = broker_names.topology(retry_delays=(0.2, 0.5), consumers={harness.CONSUMER})
    script = Script(always_transient={"outage"})
    consumer = scripted_consumer(broker, topology, database, script)
    await consumer.start()
    try:
        await harness.publish_probe(broker, topology, "outage")
        await eventually(lambda: _letters_when(amqp_url, topology, 1), message="dead-lettered after the last delay")
        assert [d.attempts for d in script.seen("outage")] == [0, 1, 2]

        listed = [
            json.loads(line)
            for line in (
                await harness.run_dead_letter_cli(amqp_url, topology.prefix, "list", harness.CONSUMER)
            ).splitlines()[:-1]
        ]
        assert len(listed) == 1
        assert listed[0]["attempts"] == 3
        assert listed[0]["failure"] == "transient"
        assert listed[0]["reason"] == "ConnectionResetError: database connection reset while handling outage"
        assert listed[0]["queue"] == topology.consumer_queue(harness.CONSUMER)

        # The operator repairs the cause and replays: the message starts again at attempt 0 and is applied.
        script.always_transient.clear()
        assert "1 message(s) replayed" in await harness.run_dead_letter_cli(
            amqp_url, topology.prefix, "replay", harness.CONSUMER
        )
        await eventually(lambda: harness.applied_once(database, "outage"), message="replayed message applied")
    finally:
        await consumer.stop()

    assert script.seen("outage")[-1].attempts == 0, "a replay resets the attempts"
    assert await list_dead_letters(amqp_url, topology, harness.CONSUMER) == []
    assert await harness.effect_count(database, "outage") == 1


async def test_messages_that_arrive_while_the_database_is_down_are_all_applied_once_when_it_is_back(
    amqp_url: str, broker: RabbitBroker, broker_names: Any, eventually: Any
) -> None:
    # Delays long enough that the restart below (seconds at most) ends before the last one, whatever the load.
    topology = broker_names.topology(retry_delays=(0.2, 0.5, 1.0, 2.0, 5.0, 10.0), consumers={harness.CONSUMER})
    keys = [f"outage-{index}" for index in range(20)]
    async with private_postgres() as server:
        engine, session_factory = await harness.prepare_database(server.url)
        consumer = harness.make_consumer(broker, topology, session_factory)
        try:
            await server.stop()
            await consumer.start()
            for key in keys:
                await harness.publish_probe(broker, topology, key)
            # Every message failed at least once against the refused connections and went to a retry queue.
            await eventually(lambda: consumer.stats["retried"] >= len(keys), message="every message retried")
            assert consumer.stats["applied"] == 0
            await server.start()
            for key in keys:
                await eventually(lambda key=key: harness.applied_once(session_factory, key), timeout=60, message=key)
        finally:
            await consumer.stop()
            await engine.dispose()
        assert consumer.stats["applied"] == len(keys)
        assert consumer.stats["dead_lettered"] == 0
        assert await list_dead_letters(amqp_url, topology, harness.CONSUMER) == []
        assert await harness.queue_counts(amqp_url, topology.consumer_queue(harness.CONSUMER)) == 0
