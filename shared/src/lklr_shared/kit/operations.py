"""How a service process is doing, read when asked: outbox backlog, its queues on the broker, its database pool.

The same readings feed two consumers: the Prometheus gauges (sources run at scrape time, see ``kit.metrics``) and
the ``system.GetOperationalStatus`` reply the administrator's system page shows. ``OperationsProbe`` is made by
the service runtime, which wires both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.contracts.system import OperationalStatus, QueueStatus
from lklr_shared.kit import amqp_raw
from lklr_shared.kit.db import outbox_table
from lklr_shared.kit.health import Check, run_checks
from lklr_shared.kit.metrics import Metrics
from lklr_shared.kit.topology import Topology

# Figures of a service's own (the audit's cases): name → value; run at scrape time and for the system page.
Figures = Callable[[], Awaitable[Mapping[str, float]]]


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """Outbox rows not yet published (parked ones included: they need an operator) and the oldest one's age."""

    unsent: int
    oldest_age_seconds: float


async def outbox_backlog(
    session_factory: async_sessionmaker[AsyncSession], now: datetime | None = None
) -> OutboxBacklog:
    """Count the unsent outbox rows and the age of the oldest (0 when there is none); one indexed query."""
    query = sa.select(sa.func.count(), sa.func.min(outbox_table.c.created_at)).where(outbox_table.c.sent_at.is_(None))
    async with session_factory() as session:
        count, oldest = (await session.execute(query)).one()
    if oldest is None:
        return OutboxBacklog(int(count), 0.0)
    if oldest.tzinfo is None:  # SQLite hands back naive datetimes; the kit stores UTC
        oldest = oldest.replace(tzinfo=UTC)
    return OutboxBacklog(int(count), max(0.0, ((now or utcnow()) - oldest).total_seconds()))


def pool_connections(engine: AsyncEngine) -> dict[str, int]:
    """The pool's connections by state (``in_use``, ``idle``, ``overflow``, ``size``); empty for pools without
    counts (SQLite's)."""
    pool = engine.pool
    figures: dict[str, int] = {}
    for state, method in (("in_use", "checkedout"), ("idle", "checkedin"), ("overflow", "overflow"), ("size", "size")):
        reader = getattr(pool, method, None)
        if callable(reader):
            figures[state] = int(reader())
    return figures


def service_queues(topology: Topology, service: str, consumers: Sequence[str]) -> list[QueueStatus]:
    """The queues of a service: its RPC queue, and for each event consumer its queue and dead-letter queue."""
    queues = [QueueStatus(name=topology.rpc_queue(service), role="rpc")]
    for consumer in consumers:
        queue = topology.consumer_queue(consumer)
        queues.append(QueueStatus(name=queue, role="events", consumer=consumer))
        queues.append(QueueStatus(name=topology.dead_letter_queue(queue), role="dead_letters", consumer=consumer))
    return queues


async def read_queues(broker: RabbitBroker, queues: Sequence[QueueStatus]) -> list[QueueStatus]:
    """The queues with their messages and consumers as the broker reports them now."""
    counts = await amqp_raw.queue_counts(broker, [queue.name for queue in queues])
    read = []
    for queue in queues:
        found = counts.get(queue.name)
        if found is None:
            read.append(queue.model_copy(update={"exists": False}))
        else:
            read.append(queue.model_copy(update={"messages": found.messages, "consumers": found.consumers}))
    return read


@dataclass
class OperationsProbe:
    """Reads one service process's state for the metrics and for ``system.GetOperationalStatus``."""

    service: str
    topology: Topology
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    broker: RabbitBroker
    checks: Mapping[str, Check]
    # The event consumers of this process (called when read: consumers may start after the probe is made).
    consumers: Callable[[], Sequence[str]]
    figures: Figures | None = None
    _removers: list[Callable[[], None]] = field(default_factory=list)

    async def queues(self) -> list[QueueStatus]:
        """This service's queues with their counts."""
        return await read_queues(self.broker, service_queues(self.topology, self.service, self.consumers()))

    async def status(self) -> OperationalStatus:
        """The answer to GetOperationalStatus."""
        checks = await run_checks(self.checks)
        backlog = await outbox_backlog(self.session_factory)
        figures = dict(await self.figures()) if self.figures is not None else {}
        return OperationalStatus(
            service=self.service,
            checks=checks,
            broker_prefix=self.topology.prefix,
            queues=await self.queues(),
            outbox_unsent=backlog.unsent,
            outbox_oldest_age_seconds=backlog.oldest_age_seconds,
            figures=figures,
        )

    def install(self, metrics: Metrics) -> None:
        """Register this service's scrape-time sources (removed again by ``uninstall``)."""
        self._removers += [
            metrics.add_source(f"{self.service}:outbox", self._outbox),
            metrics.add_source(f"{self.service}:queues", self._queues),
            metrics.add_source(f"{self.service}:pool", self._pool),
        ]

    def uninstall(self) -> None:
        """Remove the sources ``install`` registered."""
        for remove in self._removers:
            remove()
        self._removers.clear()

    async def _outbox(self, metrics: Metrics) -> None:
        backlog = await outbox_backlog(self.session_factory)
        metrics.outbox_unsent.labels(service=self.service).set(backlog.unsent)
        metrics.outbox_oldest.labels(service=self.service).set(backlog.oldest_age_seconds)

    async def _queues(self, metrics: Metrics) -> None:
        for queue in await self.queues():
            if queue.exists:
                labels = {"service": self.service, "queue": queue.name, "kind": queue.role}
                metrics.queue_messages.labels(**labels).set(queue.messages)
                metrics.queue_consumers.labels(**labels).set(queue.consumers)

    async def _pool(self, metrics: Metrics) -> None:
        for state, count in pool_connections(self.engine).items():
            metrics.db_pool.labels(service=self.service, state=state).set(count)
