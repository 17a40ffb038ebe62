"""Runs one service process: broker (FastStream), outbox relay, event consumer, RPC server, health probes.

A service's `bootstrap.py` builds a `ServiceRuntime` from its settings and handlers; `python -m <service>`
calls `run_until_signalled`. Shutdown on SIGINT/SIGTERM is graceful: stop taking messages, finish the ones in
flight, let the relay finish its batch, then close the connection and the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.system import (
    GetOperationalStatus,
    ListSecurityEvents,
    OperationalStatus,
    Ping,
    Pong,
    SecurityEventList,
)
from lklr_shared.kit import amqp_raw
from lklr_shared.kit.actor import DEV_PUBLIC_KEY, ActorVerifier, is_development_key, load_public_keys
from lklr_shared.kit.amqp_raw import QueueCounts
from lklr_shared.kit.batch_consumer import BatchEventConsumer, BatchHandler, OrderKey, per_event
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.consumer import ConsumerWiring, EventConsumer, EventHandler
from lklr_shared.kit.db import database_ok
from lklr_shared.kit.health import HealthServer
from lklr_shared.kit.metrics import process_metrics
from lklr_shared.kit.operations import Figures, OperationsProbe
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork, prune_processed_messages
from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.request_log import prune_request_log
from lklr_shared.kit.rpc import AbandonedHandler, RpcHandler, RpcServer
from lklr_shared.kit.security_log import list_security_events
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.kit.topology import Topology, declare_broker_exchanges
from lklr_shared.kit.watchdog import ConsumerWatchdog

log = logging.getLogger(__name__)


def actor_verifier(service: str, settings: ServiceSettings) -> ActorVerifier:
    """The verifier of the gateway's actor assertions; refuses the development key outside a local run."""
    keys = settings.actor_verify_keys.strip()
    if settings.environment == "local":
        keys = keys or DEV_PUBLIC_KEY
    elif not keys or is_development_key(keys):
        raise ValueError(
            f"{service.upper()}_ACTOR_VERIFY_KEYS must hold the gateway's own public key outside a local run "
            "(not empty, not the development key; `python -m lklr_shared.kit.actor` makes a key pair)"
        )
    return ActorVerifier(load_public_keys(keys))


@dataclass
class ServiceRuntime:
    """Everything one service process runs, wired from settings in the service's composition root."""

    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    event_handlers: Mapping[type[Message], EventHandler] = field(default_factory=dict)
    rpc_handlers: Mapping[type[Message], RpcHandler] = field(default_factory=dict)
    # Releases what a request dropped unanswered (past its deadline) held, by its message id (see RpcServer).
    abandoned_requests: AbandonedHandler | None = None
    # Figures of the service's own for its metrics source and the system page (the audit's cases).
    figures: Figures | None = None
    # Above 0: the event handlers run up to this many messages in one transaction (BatchEventConsumer, in arrival
    # order, with the same inbox, ack-after-commit and retry guarantees); 0: one message per transaction.
    event_batch_size: int = 0
    # Batched only: handlers that take a whole run of one contract at once (set-based statements) in place of the
    # one-message handler run per message; and what each message touches (see BatchEventConsumer's order_key),
    # so that a batch keeps the arrival order of messages about the same people and gathers the others in runs.
    event_batch_handlers: Mapping[type[Message], BatchHandler] = field(default_factory=dict)
    event_order_key: OrderKey | None = None

    broker: RabbitBroker | None = None
    relay: OutboxRelay | None = None
    consumer: EventConsumer | BatchEventConsumer | None = None
    rpc_server: RpcServer | None = None
    health: HealthServer | None = None
    watchdog: ConsumerWatchdog | None = None
    operations: OperationsProbe | None = None
    _relay_task: asyncio.Task[None] | None = None
    _pruning: PeriodicJob | None = None

    @property
    def topology(self) -> Topology:
        return self.settings.topology()

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work whose commit wakes this process's outbox relay."""
        return UnitOfWork(self.session_factory, self.relay)

    async def broker_ok(self) -> bool:
        return self.broker is not None and await self.broker.ping(timeout=0.5)

    async def consumers_ok(self) -> bool:
        """Every subscriber of this process has a live consumer (a lost one makes the process not ready)."""
        return self.watchdog is not None and self.watchdog.all_consuming()

    async def database_ok(self) -> bool:
        return await database_ok(self.engine)

    async def _ping(self, _request: Ping, _envelope: object) -> Pong:
        return Pong(service=self.name, database_ok=await self.database_ok(), broker_ok=await self.broker_ok())

    def event_consumers(self) -> list[str]:
        """The event consumers this process runs (a runtime with consumers of its own adds them)."""
        return [self.consumer.name] if self.consumer is not None else []

    async def _operational_status(self, _request: GetOperationalStatus, _envelope: object) -> OperationalStatus:
        if self.operations is None:
            raise RuntimeError(f"{self.name} is not started")
        return await self.operations.status()

    async def _security_events(self, request: ListSecurityEvents, _envelope: object) -> SecurityEventList:
        return await list_security_events(self.session_factory, self.name, request)

    async def start(self) -> None:
        """Connect and start every part; raises if the broker cannot be reached."""
        settings = self.settings
        self.broker = await connect_broker(settings.amqp_url, name=f"lklr-{self.name}")
        await declare_broker_exchanges(self.broker, self.topology)
        publisher = Publisher(self.broker, self.topology.events_exchange, settings.publish_timeout_seconds)
        self.relay = OutboxRelay(
            self.session_factory,
            publisher,
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
        )
        self._relay_task = asyncio.create_task(self.relay.run(), name=f"{self.name}-outbox-relay")
        self._pruning = PeriodicJob(f"{self.name}-prune", self._prune, self.settings.prune_interval_seconds)
        self._pruning.start()
        if self.event_handlers and self.event_batch_size > 0:
            batch_handlers: dict[type[Message], BatchHandler] = {
                contract: self.event_batch_handlers.get(contract) or per_event(handler)
                for contract, handler in self.event_handlers.items()
            }
            self.consumer = BatchEventConsumer(
                self._consumer_wiring(),
                batch_handlers,
                max_batch=self.event_batch_size,
                # No waiting for stragglers: a lone event is applied at once (its latency stays that of the plain
                # consumer); under load the prefetched deliveries make the batches.
                max_wait_seconds=0.0,
                prefetch_count=max(settings.prefetch_count, 2 * self.event_batch_size),
                in_order=True,
                order_key=self.event_order_key,
            )
            await self.consumer.start()
        elif self.event_handlers:
            self.consumer = EventConsumer(
                self._consumer_wiring(), self.event_handlers, prefetch_count=settings.prefetch_count
            )
            await self.consumer.start()
        # Every service answers Ping and shows its security event log; a service may answer the latter its own way.
        rpc_handlers: dict[type[Message], RpcHandler] = {
            Ping: self._ping,
            ListSecurityEvents: self._security_events,
            GetOperationalStatus: self._operational_status,
            **self.rpc_handlers,
        }
        self.rpc_server = RpcServer(
            self.name,
            self.broker,
            self.topology,
            rpc_handlers,
            verifier=actor_verifier(self.name, settings),
            on_abandoned=self.abandoned_requests,
        )
        await self.rpc_server.start()
        self.watchdog = ConsumerWatchdog(
            [self.rpc_server] + ([self.consumer] if self.consumer is not None else []),
            self.broker_ok,
            queue_counts=self._queue_counts,
            interval_seconds=settings.consumer_check_seconds,
        )
        self.watchdog.start()
        checks = {"database": self.database_ok, "broker": self.broker_ok, "consumers": self.consumers_ok}
        self.operations = OperationsProbe(
            self.name, self.topology, self.engine, self.session_factory, self.broker, checks, self.event_consumers,
            self.figures,
        )  # fmt: skip
        self.operations.install(process_metrics())
        self.health = HealthServer(self.name, checks, settings.health_host, settings.health_port)
        await self.health.start()
        log.info("%s started (health on port %s)", self.name, self.health.port)

    def _consumer_wiring(self) -> ConsumerWiring:
        """The started runtime's event consumers apply deliveries with its broker, database and relay."""
        assert self.broker is not None and self.relay is not None  # made by start()
        return ConsumerWiring(
            self.name,
            self.broker,
            self.topology,
            self.session_factory,
            relay=self.relay,
            publish_timeout=self.settings.publish_timeout_seconds,
        )

    async def _queue_counts(self, names: Sequence[str]) -> dict[str, QueueCounts | None]:
        """The broker's message and consumer counts of the named queues (the watchdog's view of the broker)."""
        if self.broker is None:
            return {}
        return await amqp_raw.queue_counts(self.broker, names)

    async def _prune(self) -> None:
        """Delete old sent outbox rows, inbox records and request-log rows (each replica does; deleting is
        idempotent)."""
        retention = timedelta(days=self.settings.message_retention_days)
        outbox, inbox = await prune_processed_messages(self.session_factory, retention=retention)
        requests = await prune_request_log(self.session_factory, retention=retention)
        if outbox or inbox or requests:
            log.info("%s: pruned %s sent outbox, %s inbox and %s request-log rows", self.name, outbox, inbox, requests)

    async def stop(self) -> None:
        """Graceful stop: no new work, in-flight work finished, then connections closed."""
        grace = self.settings.shutdown_grace_seconds
        if self._pruning is not None:
            await self._pruning.stop(grace)
        if self.watchdog is not None:
            await self.watchdog.stop()
        if self.rpc_server is not None:
            await self.rpc_server.stop(grace)
        if self.consumer is not None:
            await self.consumer.stop(grace)
        if self.relay is not None and self._relay_task is not None:
            self.relay.stop()
            try:
                await asyncio.wait_for(asyncio.shield(self._relay_task), timeout=grace)
            except TimeoutError:
                # Unsent rows stay in the outbox and the next start publishes them: nothing is lost.
                log.warning("%s: outbox relay still busy after %ss; stopping anyway", self.name, grace)
                self._relay_task.cancel()
        if self.health is not None:
            await self.health.stop()
        if self.operations is not None:
            self.operations.uninstall()
        if self.broker is not None:
            await self.broker.stop()
        await self.engine.dispose()
        log.info("%s stopped", self.name)

    async def run_until_signalled(self) -> None:
        """Start, wait for SIGINT or SIGTERM, stop gracefully."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
