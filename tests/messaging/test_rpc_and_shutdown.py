"""Request/reply over the real broker, its failure mapping, and graceful shutdown of a consumer."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aio_pika
import pytest
import sqlalchemy as sa

from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.contracts.registry import GetStatistics, Statistics
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.errors import Problem, RpcError
from lklr_shared.kit.actor import ASSERTION_HEADER, local_verifier, operator_credentials
from lklr_shared.kit.consumer import ConsumerWiring, EventConsumer
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.rpc import DEADLINE_HEADER, RpcClient, RpcServer, ServiceTimeout, ServiceUnavailable
from lklr_shared.kit.topology import declare_consumer_queue
from tests.messaging import harness

pytestmark = [pytest.mark.integration]


async def test_request_reply_returns_the_services_typed_answer(broker, broker_names):
    topology = broker_names.topology(services={"stats"})

    async def answer(_query: GetStatistics, _envelope: Envelope) -> Statistics:
        return Statistics(registered=3, working_total=10, percentage=30.0)

    server = RpcServer("stats", broker, topology, {GetStatistics: answer}, verifier=local_verifier())
    await server.start()
    client = RpcClient(broker, topology, timeout=5, credentials=operator_credentials())
    reply = await client.call("stats", GetStatistics())
    await server.stop()
    assert reply == Statistics(registered=3, working_total=10, percentage=30.0)


async def test_a_business_error_reaches_the_caller_with_its_status(broker, broker_names):
    topology = broker_names.topology(services={"picky"})

    async def refuse(_query: Ping, _envelope: Envelope) -> Pong:
        raise RpcError("not_allowed", "only the office may ask", 403)

    server = RpcServer("picky", broker, topology, {Ping: refuse}, verifier=local_verifier())
    await server.start()
    with pytest.raises(RpcError) as caught:
        await RpcClient(broker, topology, credentials=operator_credentials()).call("picky", Ping())
    await server.stop()
    assert (caught.value.status, caught.value.code) == (403, "not_allowed")


async def test_a_refusal_carries_its_problems_and_retry_after_to_the_caller(broker, broker_names):
    topology = broker_names.topology(services={"strict"})

    async def refuse(_query: Ping, _envelope: Envelope) -> Pong:
        raise RpcError(
            "invalid_sign_up",
            "Two rules broken.",
            422,
            problems=[Problem("email_invalid", "Not an address.", "email"), Problem("password_too_short", "Short.")],
            retry_after=7,
        )

    server = RpcServer("strict", broker, topology, {Ping: refuse}, verifier=local_verifier())
    await server.start()
    with pytest.raises(RpcError) as caught:
        await RpcClient(broker, topology, credentials=operator_credentials()).call("strict", Ping())
    await server.stop()
    refusal = caught.value
    assert (refusal.status, refusal.code, refusal.retry_after) == (422, "invalid_sign_up", 7)
    assert refusal.problems == (
        Problem("email_invalid", "Not an address.", "email"),
        Problem("password_too_short", "Short.", None),
    )


async def test_an_unexpected_error_in_a_handler_answers_500_and_is_logged_with_its_stack(broker, broker_names, caplog):
    topology = broker_names.topology(services={"buggy"})

    async def crash(_query: Ping, _envelope: Envelope) -> Pong:
        raise ValueError("a bug, not the caller's fault")

    server = RpcServer("buggy", broker, topology, {Ping: crash}, verifier=local_verifier())
    await server.start()
    with pytest.raises(RpcError) as caught:
        await RpcClient(broker, topology, credentials=operator_credentials()).call("buggy", Ping())
    await server.stop()
    # Before, any ValueError from a handler became a silent 400 bad_request.
    assert (caught.value.status, caught.value.code) == (500, "internal")
    (logged,) = [record for record in caplog.records if "system.Ping" in record.getMessage()]
    assert logged.exc_info is not None and "a bug" in str(logged.exc_info[1])


async def test_a_request_that_does_not_parse_is_400_with_a_problem_per_field(broker, broker_names, amqp_url):
    topology = broker_names.topology(services={"parser"})

    async def answer(_query: GetStatistics, _envelope: Envelope) -> Statistics:
        raise AssertionError("never reached")

    server = RpcServer("parser", broker, topology, {GetStatistics: answer}, verifier=local_verifier())
    await server.start()
    # A hand-made body no contract accepts, sent and read with a plain AMQP client (as a buggy caller would).
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel()
    reply_queue = await channel.declare_queue(exclusive=True)
    wrapped = wrap(GetStatistics())
    envelope = wrapped.model_dump(mode="json")
    envelope["payload"] = {"year": "not a year"}
    # A validly signed asker: the assertion is checked before the payload is read.
    assertion = operator_credentials().assertion(GetStatistics(), message_id=str(wrapped.message_id), valid_seconds=10)
    await channel.default_exchange.publish(
        aio_pika.Message(
            json.dumps(envelope).encode(),
            correlation_id="x",
            reply_to=reply_queue.name,
            headers={ASSERTION_HEADER: assertion},
        ),
        routing_key=topology.rpc_queue("parser"),
    )
    message = await _next_message(reply_queue)
    await connection.close()
    await server.stop()
    error = json.loads(message.body)["error"]
    assert (error["status"], error["code"]) == (400, "bad_request")
    assert [(problem["field"], problem["code"]) for problem in error["problems"]] == [("year", "int_parsing")]


async def _next_message(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    for _attempt in range(100):
        message = await queue.get(no_ack=True, fail=False)
        if message is not None:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("no reply")


async def test_a_service_without_a_queue_is_unavailable_503(broker, broker_names):
    topology = broker_names.topology()
    with pytest.raises(ServiceUnavailable) as caught:
        await RpcClient(broker, topology, timeout=2, credentials=operator_credentials()).call("nobody", Ping())
    assert caught.value.status == 503


async def test_a_service_that_does_not_answer_in_time_is_a_timeout_504(broker, broker_names):
    topology = broker_names.topology(services={"sleepy"})
    await broker.declare_queue(topology.rpc_queue_spec("sleepy"))
    with pytest.raises(ServiceTimeout) as caught:
        await RpcClient(broker, topology, credentials=operator_credentials()).call("sleepy", Ping(), timeout=0.5)
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

    consumer = EventConsumer(
        ConsumerWiring(harness.CONSUMER, broker, topology, session_factory), {harness.Probed: slow}
    )
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
    server = RpcServer("takeover", broker, topology, {Ping: _pong}, verifier=local_verifier())
    await consumer.start()
    await server.start()
    try:
        assert consumer.consuming() and server.consuming()
        assert isinstance(
            await RpcClient(broker, topology, credentials=operator_credentials()).call("takeover", Ping()), Pong
        )
    finally:
        await server.stop()
        await consumer.stop()
        await engine.dispose()


async def _pong(_request: Ping, _envelope: Envelope) -> Pong:
    return Pong(service="takeover", database_ok=True, broker_ok=True)


async def test_a_request_dropped_after_its_deadline_releases_what_it_held_only_when_genuinely_signed(
    broker, broker_names, amqp_url
):
    topology = broker_names.topology(services={"late"})
    released: list[uuid.UUID] = []

    async def release(message_id: uuid.UUID) -> None:
        released.append(message_id)

    async def answer(_query: Ping, _envelope: Envelope) -> Pong:
        raise AssertionError("a request past its deadline is never answered")

    server = RpcServer("late", broker, topology, {Ping: answer}, verifier=local_verifier(), on_abandoned=release)
    await server.start()
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel()
    past = int((time.time() - 60) * 1000)
    signed, forged = wrap(Ping()), wrap(Ping())
    for envelope, assertion in (
        (signed, operator_credentials().assertion(Ping(), message_id=str(signed.message_id), valid_seconds=1)),
        (forged, "not-a-signature.x"),
    ):
        await channel.default_exchange.publish(
            aio_pika.Message(envelope.to_bytes(), headers={DEADLINE_HEADER: past, ASSERTION_HEADER: assertion}),
            routing_key=topology.rpc_queue("late"),
        )
    for _attempt in range(100):
        if await _queue_is_empty(channel, topology.rpc_queue("late")):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    await connection.close()
    await server.stop()
    assert released == [signed.message_id]


async def _queue_is_empty(channel: aio_pika.abc.AbstractChannel, name: str) -> bool:
    queue = await channel.declare_queue(name, passive=True)
    return queue.declaration_result.message_count == 0


async def test_a_database_unavailable_for_a_moment_answers_503_with_a_retry_after(broker, broker_names):
    topology = broker_names.topology(services={"flaky"})

    async def unavailable(_query: Ping, _envelope: Envelope) -> Pong:
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is restarting"))

    server = RpcServer("flaky", broker, topology, {Ping: unavailable}, verifier=local_verifier())
    await server.start()
    with pytest.raises(RpcError) as caught:
        await RpcClient(broker, topology, credentials=operator_credentials()).call("flaky", Ping())
    await server.stop()
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (503, "service_unavailable", 5)
