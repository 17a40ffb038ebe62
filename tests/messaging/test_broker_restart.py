"""A broker restart while events and requests flow: every subscriber consumes again, nothing is lost or doubled.

Runs on a private RabbitMQ node the test starts and stops (tests/support/rabbit_node.py), never the shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
import sqlalchemy as sa

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import local_verifier, operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.db import inbox_table, outbox_table
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.rpc import RpcClient, RpcServer
from lklr_shared.kit.topology import Topology
from lklr_shared.kit.watchdog import ConsumerWatchdog
from tests.messaging import harness
from tests.support.rabbit_node import private_rabbit_node

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 120


async def _effects_per_key(session_factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        rows = await session.execute(sa.select(harness.effects.c.key, sa.func.count()).group_by(harness.effects.c.key))
        return {key: int(count) for key, count in rows}


async def _count(session_factory, query) -> int:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        return int((await session.execute(query)).scalar_one())


async def test_after_a_broker_restart_every_subscriber_consumes_again_and_each_event_is_applied_once(
    databases, eventually
):
    url = await databases.create("restart")
    engine, session_factory = await harness.prepare_database(url)
    async with private_rabbit_node() as node:
        topology = Topology(prefix="restart", delivery_limit=5)
        broker = await connect_broker(node.amqp_url, name="restart-test", reconnect_interval=0.5)
        relay = OutboxRelay(session_factory, Publisher(broker, topology.events_exchange, 5), poll_seconds=0.5)
        consumer = harness.make_consumer(broker, topology, session_factory, prefetch_count=20)

        async def pong(_request: Ping, _envelope: Envelope) -> Pong:
            return Pong(service="restart", database_ok=True, broker_ok=True)

        server = RpcServer("restart", broker, topology, {Ping: pong}, verifier=local_verifier())
        client = RpcClient(broker, topology, timeout=2, credentials=operator_credentials())
        await consumer.start()
        await server.start()
        watchdog = ConsumerWatchdog([consumer, server], lambda: broker.ping(timeout=0.1), interval_seconds=0.5)
        watchdog.start()
        relay_task = asyncio.create_task(relay.run())
        answered: list[float] = []
        refused: list[int] = []
        restarted_at = 0.0

        async def emit_events() -> None:
            for index in range(EVENTS):
                async with UnitOfWork(session_factory, relay) as uow:
                    uow.emit(harness.Probed(key=f"event-{index}"))
                    await uow.commit()
                await asyncio.sleep(0.05)

        async def ask() -> None:
            while True:
                try:
                    await client.call("restart", Ping())
                    answered.append(time.monotonic())
                except RpcError as exc:
                    refused.append(exc.status)
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.02)

        emitting = asyncio.create_task(emit_events())
        asking = asyncio.create_task(ask())
        try:
            await eventually(lambda: consumer.stats["applied"] >= 20, timeout=20, message="events flowing")
            assert answered, "requests answered before the restart"

            await node.stop()
            assert not consumer.consuming()
            assert not watchdog.all_consuming(), "readiness reports the lost subscribers"
            await asyncio.sleep(1)
            await node.start()
            restarted_at = time.monotonic()

            await eventually(watchdog.all_consuming, timeout=30, message="every subscriber consuming again")
            await eventually(
                lambda: any(at > restarted_at for at in answered), timeout=30, message="requests answered again"
            )
            await asyncio.wait_for(emitting, timeout=30)
            await eventually(
                lambda: _effects_per_key_is_complete(session_factory), timeout=45, message="every event applied"
            )
        finally:
            asking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asking
            emitting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await emitting
            relay.stop()
            await relay_task
            await watchdog.stop()
            await server.stop(grace_seconds=2)
            await consumer.stop(grace_seconds=2)
            await broker.stop()

        effects = await _effects_per_key(session_factory)
        assert effects == {f"event-{index}": 1 for index in range(EVENTS)}, "each event applied exactly once"
        inbox = await _count(
            session_factory,
            sa.select(sa.func.count()).select_from(inbox_table).where(inbox_table.c.consumer == harness.CONSUMER),
        )
        assert inbox == EVENTS
        unsent = await _count(
            session_factory,
            sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None)),
        )
        assert unsent == 0, "every outbox row published and marked sent"
        assert set(refused) <= {503, 504}, "while the broker was away, requests failed as unavailable or timed out"
    await engine.dispose()


async def _effects_per_key_is_complete(session_factory) -> bool:  # type: ignore[no-untyped-def]
    effects = await _effects_per_key(session_factory)
    return len(effects) == EVENTS
