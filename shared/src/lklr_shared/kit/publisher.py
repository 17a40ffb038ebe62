"""Publishing with the guarantees the outbox relies on.

Every publish is persistent, waits for the broker's confirm, is mandatory (a message no queue receives is
returned and raised as an error, not dropped), and is bounded by a timeout.
"""

from __future__ import annotations

import asyncio

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import DeliveryError
from pamqp.commands import Basic

from lklr_shared.contracts.envelope import Envelope


class PublishFailed(Exception):
    """The broker did not confirm the message: unroutable, nacked, timed out or connection lost."""


def to_amqp_message(envelope: Envelope, *, body: bytes | None = None) -> aio_pika.Message:
    """The AMQP message for an envelope: persistent, JSON, with identity and type in the properties."""
    return aio_pika.Message(
        body=body if body is not None else envelope.to_bytes(),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        content_type="application/json",
        message_id=str(envelope.message_id),
        correlation_id=str(envelope.correlation_id),
        type=envelope.type,
        timestamp=envelope.occurred_at,
        headers={"x-message-version": envelope.version},
    )


class Publisher:
    """Publishes envelopes on the events exchange with confirms, mandatory routing and a timeout."""

    def __init__(self, connection: AbstractRobustConnection, exchange_name: str, timeout: float) -> None:
        self._connection = connection
        self._exchange_name = exchange_name
        self._timeout = timeout
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def _exchange_ready(self) -> AbstractExchange:
        async with self._lock:
            if self._exchange is None or self._channel is None or self._channel.is_closed:
                # on_return_raises turns a Basic.Return of a mandatory message into DeliveryError.
                self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
                self._exchange = await self._channel.get_exchange(self._exchange_name, ensure=True)
            return self._exchange

    async def publish(self, routing_key: str, envelope: Envelope, *, body: bytes | None = None) -> None:
        """Publish one envelope and wait for the confirm; raise PublishFailed on any failure."""
        await self.publish_message(routing_key, to_amqp_message(envelope, body=body))

    async def publish_message(self, routing_key: str, message: aio_pika.Message) -> None:
        """Publish a prepared AMQP message with the same guarantees (used by the dead-letter replay)."""
        try:
            exchange = await self._exchange_ready()
            confirmation = await exchange.publish(
                message, routing_key=routing_key, mandatory=True, timeout=self._timeout
            )
        except DeliveryError as exc:
            raise PublishFailed(f"unroutable or rejected: {routing_key} ({exc})") from exc
        except TimeoutError as exc:
            self._drop_channel()
            raise PublishFailed(f"no confirm within {self._timeout}s for {routing_key}") from exc
        except (aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            self._drop_channel()
            raise PublishFailed(f"publish of {routing_key} failed: {exc!r}") from exc
        if not isinstance(confirmation, Basic.Ack):
            raise PublishFailed(f"broker did not ack {routing_key}: {confirmation!r}")

    def _drop_channel(self) -> None:
        # A timed-out confirm leaves the channel in an unknown state; the next publish opens a fresh one.
        self._exchange = None
        self._channel = None

    async def close(self) -> None:
        """Close the publishing channel (the connection belongs to the caller)."""
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
        self._channel = None
        self._exchange = None
