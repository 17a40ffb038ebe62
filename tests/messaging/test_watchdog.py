"""A subscriber that lost its consumer is reported not ready and started again by the watchdog."""

from __future__ import annotations

import asyncio

import pytest

from lklr_shared.kit import amqp_raw
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.health import HealthServer
from lklr_shared.kit.watchdog import ConsumerWatchdog
from tests.messaging import harness

pytestmark = [pytest.mark.integration]


async def _readyz(port: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /readyz HTTP/1.1\r\nHost: probe\r\n\r\n")
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def test_a_subscriber_whose_channel_closed_is_not_ready_and_is_restarted(
    amqp_url, databases, broker_names, eventually
):
    url = await databases.create("watchdog")
    engine, session_factory = await harness.prepare_database(url)
    topology = broker_names.topology(consumers={harness.CONSUMER})
    broker = await connect_broker(amqp_url, name="watchdog-test")
    consumer = harness.make_consumer(broker, topology, session_factory)
    await consumer.start()
    # Not checking on its own: the test runs the rounds, so "not ready" is seen before the restart.
    watchdog = ConsumerWatchdog([consumer], lambda: broker.ping(timeout=0.1), misses_before_restart=1)

    async def consumers_ok() -> bool:
        return watchdog.all_consuming()

    health = HealthServer("watchdog-test", {"consumers": consumers_ok}, "127.0.0.1", 0)
    await health.start()
    try:
        assert await _readyz(health.port) == 200
        # A channel closed by the client is not restored by aio-pika: the consumer is gone for good.
        channel = amqp_raw.subscriber_channel(consumer.subscriber)
        assert channel is not None
        await channel.close()
        assert not consumer.consuming()
        assert await _readyz(health.port) == 503

        await watchdog.check()
        assert watchdog.restarts == {consumer.queue_name: 1}
        assert consumer.consuming()
        assert await _readyz(health.port) == 200
        await harness.publish_probe(broker, topology, "after-restart")
        await eventually(lambda: consumer.stats["applied"] == 1, message="consumed after the restart")
    finally:
        await health.stop()
        await consumer.stop()
        await broker.stop()
        await engine.dispose()


async def test_a_subscriber_the_broker_no_longer_delivers_to_is_seen_by_the_broker_view_and_restarted(
    amqp_url, databases, broker_names, eventually
):
    url = await databases.create("watchdog_broker_view")
    engine, session_factory = await harness.prepare_database(url)
    topology = broker_names.topology(consumers={harness.CONSUMER})
    broker = await connect_broker(amqp_url, name="watchdog-broker-view")
    consumer = harness.make_consumer(broker, topology, session_factory)
    await consumer.start()
    watchdog = ConsumerWatchdog(
        [consumer],
        lambda: broker.ping(timeout=0.1),
        queue_counts=lambda names: amqp_raw.queue_counts(broker, names),
        misses_before_restart=2,
    )
    try:
        # The broker forgets the consumer while the client still holds its tag: what a restore that went wrong after a
        # broker restart or a cut network leaves behind. The client's view alone says all is well.
        channel = amqp_raw.subscriber_channel(consumer.subscriber)
        assert channel is not None
        amqp_channel = channel._channel.channel  # type: ignore[attr-defined]
        tag = next(iter(amqp_channel.consumers))
        callback = amqp_channel.consumers[tag]
        await amqp_channel.basic_cancel(tag)
        amqp_channel.consumers[tag] = callback
        assert consumer.consuming()
        await harness.publish_probe(broker, topology, "while-stalled")

        await watchdog.check()
        assert watchdog.restarts == {}  # one miss: a restore in progress gets a moment
        await watchdog.check()
        assert watchdog.restarts == {consumer.queue_name: 1}
        await eventually(lambda: consumer.stats["applied"] == 1, message="consumed after the restart")
        await watchdog.check()
        assert watchdog.restarts == {consumer.queue_name: 1}
    finally:
        await consumer.stop()
        await broker.stop()
        await engine.dispose()
