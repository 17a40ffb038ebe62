"""Publishing with the guarantees the outbox relies on, through FastStream's `broker.publish`.

Every publish is persistent (`persist=True`: delivery mode 2, the message survives a broker restart), waits for
the broker's confirm (the broker's default channel has publisher confirms, see broker.py), is mandatory (a
message no queue receives comes back as Basic.Return, which that channel raises as DeliveryError: it becomes
PublishFailed here, not a silent drop), and is bounded by a timeout (aio-pika waits for the confirm at most that
long).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aio_pika
from aio_pika.exceptions import DeliveryError
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange
from pamqp.commands import Basic

from lklr_shared.contracts.envelope import Envelope


class PublishFailed(Exception):
    """The broker did not confirm the message: unroutable, nacked, timed out or connection lost."""


class Publisher:
    """Publishes envelopes on the events exchange with confirms, mandatory routing and a timeout."""

    def __init__(self, broker: RabbitBroker, exchange_name: str, timeout: float) -> None:
        self._broker = broker
        # declare=False: the exchange exists (the runtime declares it at start); a publish never redeclares it.
        # Equal to the runtime's declaration (name, type, durability), so FastStream reuses that exchange object,
        # made on the broker's confirming channel.
        self._exchange = RabbitExchange(exchange_name, type=ExchangeType.TOPIC, durable=True, declare=False)
        self._timeout = timeout

    async def publish(
        self,
        routing_key: str,
        envelope: Envelope,
        *,
        body: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish one envelope (with extra ``headers``, such as its trace context) and wait for the confirm; raise
        PublishFailed on any failure."""
        await self._publish(
            routing_key,
            body if body is not None else envelope.to_bytes(),
            message_id=str(envelope.message_id),
            correlation_id=str(envelope.correlation_id),
            message_type=envelope.type,
            timestamp=envelope.occurred_at,
            headers={**(headers or {}), "x-message-version": envelope.version},
        )

    async def _publish(self, routing_key: str, body: bytes, **properties: object) -> None:
        try:
            confirmation = await self._broker.publish(
                body,
                exchange=self._exchange,
                routing_key=routing_key,
                content_type="application/json",
                persist=True,
                mandatory=True,
                timeout=self._timeout,
                **properties,  # type: ignore[arg-type]
            )
        except DeliveryError as exc:
            raise PublishFailed(f"unroutable or rejected: {routing_key} ({exc})") from exc
        except TimeoutError as exc:
            raise PublishFailed(f"no confirm within {self._timeout}s for {routing_key}") from exc
        except (aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishFailed(f"publish of {routing_key} failed: {exc!r}") from exc
        except Exception as exc:
            # FastStream raises its own errors (e.g. IncorrectState before the broker is connected).
            if type(exc).__module__.startswith("faststream"):
                raise PublishFailed(f"publish of {routing_key} failed: {exc!r}") from exc
            raise
        if not isinstance(confirmation, Basic.Ack):
            raise PublishFailed(f"broker did not ack {routing_key}: {confirmation!r}")

    async def close(self) -> None:
        """Nothing to close: the channel belongs to the broker (kept for callers that close their publisher)."""
