"""The default service caller: an RpcClient over a FastStream RabbitBroker owned by the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aio_pika
from faststream.rabbit import RabbitBroker

from lklr_shared.contracts.base import Message
from lklr_shared.kit import amqp_raw
from lklr_shared.kit.actor import Credentials
from lklr_shared.kit.broker import make_broker
from lklr_shared.kit.rpc import RpcClient, ServiceUnavailable
from lklr_shared.kit.topology import Topology

log = logging.getLogger(__name__)


class BrokerCaller:
    """Connects in the background on start, so the gateway serves pages (with notices) while the broker is down.

    The broker's robust connection reconnects by itself once a first connection exists; until then this class
    retries the first connection with capped backoff.
    """

    def __init__(
        self,
        amqp_url: str,
        topology: Topology,
        *,
        rpc_timeout: float,
        credentials: Credentials | None = None,
        connection_name: str = "lklr-gateway",
        max_backoff_seconds: float = 30.0,
        connect_timeout_seconds: float = 10.0,
    ) -> None:
        self._amqp_url = amqp_url
        self._topology = topology
        self._rpc_timeout = rpc_timeout
        self._credentials = credentials
        self._connection_name = connection_name
        self._max_backoff = max_backoff_seconds
        self._connect_timeout = connect_timeout_seconds
        self._broker: RabbitBroker | None = None
        self._client: RpcClient | None = None
        self._connector: asyncio.Task[None] | None = None
        self._last_error = "not connected yet"

    async def start(self) -> None:
        """Start connecting (returns at once; the first attempt runs in the background)."""
        self._connector = asyncio.create_task(self._connect_until_done(), name="gateway-broker-connect")

    async def _connect_until_done(self) -> None:
        delay = 0.5
        while True:
            try:
                broker = await self._connect_once()
            except (OSError, aio_pika.exceptions.AMQPError, TimeoutError) as exc:
                self._last_error = f"cannot connect: {exc!r}"
                log.warning("gateway: broker %s; retrying in %.1fs", self._last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
                continue
            self._broker = broker
            self._client = RpcClient(broker, self._topology, timeout=self._rpc_timeout, credentials=self._credentials)
            log.info("gateway: connected to the broker")
            return

    async def _connect_once(self) -> RabbitBroker:
        """One first-connection attempt, bounded in time, that leaves nothing running when it fails.

        A robust connection runs its own reconnect task from the first attempt on, and it stays alive when the
        attempt fails or is cancelled (a broker that accepts TCP but never answers, a stop during start-up), which
        would keep the process from exiting. So a plain connection tries first, and the broker is stopped on failure.
        """
        await amqp_raw.check_reachable(self._amqp_url, self._connect_timeout)
        broker = make_broker(self._amqp_url, name=self._connection_name, connect_timeout=self._connect_timeout)
        try:
            await asyncio.wait_for(broker.start(), timeout=self._connect_timeout)
        except BaseException:
            await asyncio.shield(broker.stop())
            raise
        return broker

    async def stop(self) -> None:
        """Stop connecting and close the connection."""
        if self._connector is not None and not self._connector.done():
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
        # Stop even when the connection looks closed: a robust connection that lost the broker is "closed" while
        # its reconnect task keeps retrying, and that task alone keeps the process from exiting. stop() ends it.
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None
        self._client = None

    async def broker_ok(self) -> tuple[bool, str]:
        if self._broker is None:
            return False, self._last_error
        if not await self._broker.ping(timeout=0.5):
            return False, "connection lost; reconnecting"
        return True, ""

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        if self._client is None:
            raise ServiceUnavailable(f"gateway not connected to the broker ({self._last_error})")
        return await self._client.call(service, request, timeout=timeout, request_id=request_id)
