"""A tiny consuming "service" for the messaging tests: one contract, one effects table, one handler.

The handler's effect is a row per message key; "applied once" means exactly one row per key. Switches on the
harness make the handler fail in the ways the tests need (always, once with a database error).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import aio_pika
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message, MessageKind
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.kit.consumer import AfterCommit, ConsumerWiring, EventConsumer
from lklr_shared.kit.db import kit_metadata, make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.topology import Topology, declare_broker_exchanges

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = "probe-consumer"


class Probed(Message):
    """A test-only event."""

    wire_name: ClassVar[str] = "tests.Probed"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    key: str


class Unbound(Message):
    """A test-only event no queue is bound to."""

    wire_name: ClassVar[str] = "tests.Unbound"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    key: str


test_metadata = sa.MetaData()
effects = sa.Table(
    "probe_effects",
    test_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(100), nullable=False),
)


@dataclass
class Switches:
    """Failure switches the tests flip; keys listed here fail."""

    always_fail: set[str] = field(default_factory=set)
    database_error_once: set[str] = field(default_factory=set)


async def prepare_database(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(test_metadata.create_all)
    return engine, make_session_factory(engine)


@asynccontextmanager
async def probe_database(databases: Any, name: str) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    """A fresh database `name` with the kit's and the probes' tables: its URL and a session factory; the engine
    is disposed of afterwards."""
    url = await databases.create(name)
    engine, session_factory = await prepare_database(url)
    try:
        yield url, session_factory
    finally:
        await engine.dispose()


async def applied_once(session_factory: async_sessionmaker[AsyncSession], key: str) -> bool:
    """Whether the message `key` has had its effect exactly once."""
    return await effect_count(session_factory, key) == 1


async def run_dead_letter_cli(amqp_url: str, prefix: str, *args: str) -> str:
    """Run the dead-letter command (`python -m lklr_shared.kit.deadletters`) as an operator would, on the
    test's prefix; returns what it printed, after checking that it succeeded."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lklr_shared.kit.deadletters",
        "--amqp-url",
        amqp_url,
        "--prefix",
        prefix,
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def effect_count(session_factory: async_sessionmaker[AsyncSession], key: str) -> int:
    async with session_factory() as session:
        return int(
            (
                await session.execute(sa.select(sa.func.count()).select_from(effects).where(effects.c.key == key))
            ).scalar_one()
        )


def make_handler(switches: Switches):  # type: ignore[no-untyped-def]
    async def handle(uow: UnitOfWork, event: Probed, _envelope: Envelope) -> None:
        await uow.session.execute(sa.insert(effects).values(key=event.key))
        if event.key in switches.always_fail:
            raise RuntimeError(f"poison: {event.key}")
        if event.key in switches.database_error_once:
            switches.database_error_once.discard(event.key)
            # A real error from the database server, inside the handler's transaction.
            await uow.session.execute(sa.text("SELECT 1/0"))

    return handle


def make_consumer(
    broker: RabbitBroker,
    topology: Topology,
    session_factory: async_sessionmaker[AsyncSession],
    switches: Switches | None = None,
    after_commit: AfterCommit | None = None,
    prefetch_count: int = 10,
) -> EventConsumer:
    return EventConsumer(
        ConsumerWiring(CONSUMER, broker, topology, session_factory),
        {Probed: make_handler(switches or Switches())},
        prefetch_count=prefetch_count,
        after_commit=after_commit,
    )


async def publish_probe(broker: RabbitBroker, topology: Topology, key: str) -> Envelope:
    await declare_broker_exchanges(broker, topology)
    publisher = Publisher(broker, topology.events_exchange, timeout=5)
    envelope = wrap(Probed(key=key))
    await publisher.publish(Probed.routing_key(), envelope)
    await publisher.close()
    return envelope


async def queue_counts(amqp_url: str, queue: str) -> int:
    """Ready messages in a queue (unacked ones held by a live consumer are not counted)."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


async def settle(seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)
