"""Request/reply over the real broker, its failure mapping, and graceful shutdown of a consumer."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
import sqlalchemy as sa

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.registry import GetStatistics, Statistics
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.consumer import EventConsumer
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.rpc import RpcClient, RpcError, RpcServer, ServiceTimeout, ServiceUnavailable
from lklr_shared.kit.topology import declare_consumer_queue
from tests.messaging import harness

pytestmark = [pytest.mark.integration]


@pytest.fixture
async def broker(amqp_url):
    started = await connect_broker(amqp_url, name="messaging-tests")
    yield started
    await started.stop()


async def test_request_reply_returns_the_services_typed_answer(broker, broker_names):
    topology = broker_names.topology(services={"stats"})

    async def answer(_query: GetStatistics, _envelope: Envelope) -> Statistics:
        return Statistics(registered=3, working_total=10, percentage=30.0)

    server = RpcServer("stats", broker, topology, {GetStatistics: answer})
    await server.start()
    client = RpcClient(broker, topology, timeout=5)
    reply = await client.call("stats", GetStatistics())
    await server.stop()
    assert reply == Statistics(registered=3, working_total=10, percentage=30.0)


async def test_a_business_error_reaches_the_caller_with_its_status(broker, broker_names):
    topology = broker_names.topology(services={"picky"})

    async def refuse(_query: Ping, _envelope: Envelope) -> Pong:
        raise RpcError("not_allowed", "only the office may ask", 403)

    server = RpcServer("picky", broker, topology, {Ping: refuse})
    await server.start()
    with pytest.raises(RpcError) as caught:
        await RpcClient(broker, topology).call("picky", Ping())
    await server.stop()
    assert (caught.value.status, caught.value.code) == (403, "not_allowed")


async def test_a_service_without_a_queue_is_unavailable_503(broker, broker_names):
    topology = broker_names.topology()
    with pytest.raises(ServiceUnavailable) as caught:
        await RpcClient(broker, topology, timeout=2).call("nobody", Ping())
    assert caught.value.status == 503


async def test_a_service_that_does_not_answer_in_time_is_a_timeout_504(broker, broker_names):
    topology = broker_names.topology(services={"sleepy"})
    await broker.declare_queue(topology.rpc_queue_spec("sleepy"))
    with pytest.raises(ServiceTimeout) as caught:
        await RpcClient(broker, topology).call("sleepy", Ping(), timeout=0.5)
    assert caught.value.status == 504


async def test_stopping_a_consumer_finishes_the_message_in_flight(
    amqp_url, broker, databases, broker_names, eventually
):
    url = await databases.create("shutdown")
    engine, session_factory = await harness.prepare_database(url)
    topology = broker_names.topology(consumers={harness.CONSUMER})
    started = asyncio.Event()

    async def slow(uow: UnitOfWork, event: harness.Probed, _envelope: Envelope) -> None:
        started.set()
        await asyncio.sleep(1.0)
        await uow.session.execute(sa.insert(harness.effects).values(key=event.key))

    consumer = EventConsumer(harness.CONSUMER, broker, topology, session_factory, {harness.Probed: slow})
    await consumer.start()
    await harness.publish_probe(broker, topology, "slow")
    await asyncio.wait_for(started.wait(), timeout=10)
    await consumer.stop(grace_seconds=10)
    assert consumer.stats["applied"] == 1
    assert await harness.effect_count(session_factory, "slow") == 1
    assert await harness.queue_counts(amqp_url, topology.consumer_queue(harness.CONSUMER)) == 0
    await engine.dispose()


async def test_queues_declared_as_before_faststream_are_taken_over_without_a_precondition_failure(
    amqp_url, broker, databases, broker_names
):
    """A running broker keeps the queues of the previous release: FastStream must declare them identically."""
    url = await databases.create("takeover")
    engine, session_factory = await harness.prepare_database(url)
    topology = broker_names.topology(consumers={harness.CONSUMER}, services={"takeover"})
    # Exactly what the aio-pika kit declared: the consumer queue with its dead-letter queue, and the RPC queue.
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await declare_consumer_queue(channel, topology, harness.CONSUMER, [harness.Probed.routing_key()])
        await channel.declare_queue(
            topology.rpc_queue("takeover"),
            durable=True,
            arguments={"x-queue-type": "quorum", "x-delivery-limit": topology.delivery_limit},
        )
    consumer = harness.make_consumer(broker, topology, session_factory)
    server = RpcServer("takeover", broker, topology, {Ping: _pong})
    await consumer.start()
    await server.start()
    try:
        assert consumer.consuming() and server.consuming()
        assert isinstance(await RpcClient(broker, topology).call("takeover", Ping()), Pong)
    finally:
        await server.stop()
        await consumer.stop()
        await engine.dispose()


async def _pong(_request: Ping, _envelope: Envelope) -> Pong:
    return Pong(service="takeover", database_ok=True, broker_ok=True)
