"""Test infrastructure for the whole workspace: a real RabbitMQ and a real PostgreSQL.

Where a Docker engine is reachable, testcontainers starts both; otherwise (CI here, where only the Docker
client exists) the constructor fails within milliseconds and the local services are used. Every test session
gets its own databases and its own exchange/queue prefix, and removes them at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from lklr_shared.kit.topology import Topology
from tests.support.waiting import wait_for

log = logging.getLogger("lklr.tests")

SESSION_ID = uuid.uuid4().hex[:8]
ALL_SERVICES = frozenset({"registry", "portfolio", "accreditation", "audit"})
_counter = itertools.count(1)
# Short retry delays for the kit's consumers in tests: a failed handler is tried again within a second, and a
# test declares at most two retry queues per consumer (each delay is a quorum queue of its own).
TEST_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5)


def _docker_error() -> type[BaseException]:
    try:
        from docker.errors import DockerException
    except ImportError:  # pragma: no cover - docker is a dev dependency
        return OSError
    return DockerException


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ for this session: a container where Docker runs, else the local broker."""
    explicit = os.environ.get("LKLR_TEST_AMQP_URL")
    if explicit:
        yield explicit
        return
    try:
        from testcontainers.community.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management")
        container.start()
    except (_docker_error(), ConnectionError, FileNotFoundError) as exc:
        log.info("no Docker engine (%s); using the local RabbitMQ", type(exc).__name__)
        yield "amqp://guest:guest@127.0.0.1:5672/"
        return
    try:
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
        yield f"amqp://guest:guest@{host}:{port}/"
    finally:
        container.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL (admin database) for this session: container or local server."""
    explicit = os.environ.get("LKLR_TEST_POSTGRES_URL")
    if explicit:
        yield explicit
        return
    try:
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer("postgres:16", driver="asyncpg")
        container.start()
    except (_docker_error(), ConnectionError, FileNotFoundError) as exc:
        log.info("no Docker engine (%s); using the local PostgreSQL", type(exc).__name__)
        yield "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        return
    try:
        yield container.get_connection_url()
    finally:
        container.stop()


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates PostgreSQL databases named for this test session, and drops them all at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    async def create(self, label: str) -> str:
        name = f"lklr_t{SESSION_ID}_{label}_{next(_counter)}"
        connection = await asyncpg.connect(_plain_dsn(self.server_url))
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        connection = await asyncpg.connect(_plain_dsn(self.server_url))
        try:
            for name in self.created:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@pytest_asyncio.fixture(scope="session")
async def databases(postgres_url: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(postgres_url)
    yield factory
    await factory.drop_all()


class BrokerNames:
    """Hands out unique prefixes and removes every queue and exchange made under them."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.topologies: list[tuple[Topology, set[str], set[str]]] = []

    def topology(
        self,
        *,
        delivery_limit: int = 5,
        retry_delays: tuple[float, ...] = TEST_RETRY_DELAYS,
        consumers: set[str] | None = None,
        services: set[str] | None = None,
    ) -> Topology:
        topology = Topology(
            prefix=f"t{SESSION_ID}x{next(_counter)}", delivery_limit=delivery_limit, retry_delays=retry_delays
        )
        # Every service's own queues are always cleaned up too, whatever a test thought it would start: a service
        # that gains a consumer must not leave queues behind in tests written before it did.
        self.topologies.append((topology, (consumers or set()) | ALL_SERVICES, (services or set()) | ALL_SERVICES))
        return topology

    def track(
        self,
        topology: Topology,
        *,
        consumers: set[str] = frozenset(),  # type: ignore[assignment]
        services: set[str] = frozenset(),
    ) -> None:  # type: ignore[assignment]
        for known, known_consumers, known_services in self.topologies:
            if known is topology:
                known_consumers.update(consumers)
                known_services.update(services)

    async def delete_all(self) -> None:
        await self._delete(self.topologies)
        self.topologies.clear()

    async def release(self, topology: Topology) -> None:
        """Delete one topology's queues and exchanges now (a test done with its system), not at session end.

        Quorum queues are heavy for a broker node: deleting them as soon as a test is done keeps the number alive at
        once small, however many system tests the session runs.
        """
        mine = [entry for entry in self.topologies if entry[0] is topology]
        await self._delete(mine)
        self.topologies = [entry for entry in self.topologies if entry[0] is not topology]

    async def _delete(self, topologies: list[tuple[Topology, set[str], set[str]]]) -> None:
        from lklr_shared.kit.topology import all_names

        if not topologies:
            return
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            for topology, consumers, services in topologies:
                names = all_names(topology, sorted(consumers), sorted(services))
                for queue in sorted(names.queues):
                    channel = await connection.channel()
                    with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                        await channel.queue_delete(queue)
                for exchange in sorted(names.exchanges):
                    channel = await connection.channel()
                    with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                        await channel.exchange_delete(exchange)


_active_names: list[BrokerNames] = []


@pytest_asyncio.fixture(scope="session")
async def broker_names(amqp_url: str) -> AsyncIterator[BrokerNames]:
    names = BrokerNames(amqp_url)
    _active_names.append(names)
    yield names
    _active_names.remove(names)
    await names.delete_all()


async def _release_made_during(snapshot: set[int]) -> None:
    for names in _active_names:
        for topology, _consumers, _services in list(names.topologies):
            if id(topology) not in snapshot:
                await names.release(topology)


def _topologies_now() -> set[int]:
    return {id(topology) for names in _active_names for topology, _c, _s in names.topologies}


# The shared broker wedges under hundreds of quorum queues: every test's queues and exchanges go as soon as the test
# is done (and a module's, made by its module-scoped fixtures, when the module is done), not at the session's end.
# Autouse fixtures are set up before the other fixtures of their scope and torn down after them, so a topology made
# by a fixture of that scope is released after the processes using it have stopped.
@pytest_asyncio.fixture(autouse=True, scope="module")
async def _release_module_queues() -> AsyncIterator[None]:
    before = _topologies_now()
    yield
    await _release_made_during(before)


@pytest_asyncio.fixture(autouse=True)
async def _release_test_queues() -> AsyncIterator[None]:
    before = _topologies_now()
    yield
    await _release_made_during(before)


@pytest.fixture
def eventually():  # type: ignore[no-untyped-def]
    return wait_for
