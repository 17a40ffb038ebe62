"""What an event consumer does with a message its handler could not apply: retry it later, or dead-letter it now.

Both event consumers (`consumer.py`, `batch_consumer.py`) hand every failed delivery to a `FailureRouter`:

- a message that can never succeed (it does not parse, no handler takes it, or the handler raised
  `PermanentFailure`) is dead-lettered at once;
- any other failure is retried after the next delay of the topology's `retry_delays` (1 s, 5 s, 30 s, 2 min,
  10 min by default) and dead-lettered after the last one. The delay is a retry queue whose message TTL sends the
  message back to its work queue (see topology.py).

Either way the router publishes a copy, persistent and confirmed, to the retry or dead-letter exchange, and only
then acknowledges the original: a crash in between leaves two copies, which the inbox deduplicates, never none.
The copy carries the number of failed attempts (`x-attempts`), the last error (`x-last-error`) and the kind of
failure (`x-failure`), so the dead-letter tool shows why and how often a message failed; a replay drops them, so
a replayed message starts again with a full set of retries.

If the copy cannot be published (the broker is going away), the original is returned to its queue instead (or,
for a message that can never succeed, rejected, which the queue dead-letters itself): the queue's delivery limit
still bounds a message that keeps failing.

RPC requests are not retried this way: a caller waits for the answer, and a late answer is no answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import aio_pika
import aiormq
import asyncpg
import sqlalchemy.exc
from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitBroker, RabbitExchange
from pamqp.commands import Basic

from lklr_shared.kit.topology import Topology, declare_broker_retry_queue

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-attempts"
ERROR_HEADER = "x-last-error"
FAILURE_HEADER = "x-failure"
# Headers the broker adds when it dead-letters a message; a copy starts without them (a retry queue's expiry adds
# them again), so they never pile up and RabbitMQ's dead-letter cycle detection never drops a retried message.
_BROKER_HEADERS = ("x-death", "x-first-death-", "x-last-death-", "x-delivery-count")
_MAX_ERROR_LENGTH = 500

FailureKind = Literal["permanent", "transient", "unexpected", "unparseable"]
Settled = Literal["retried", "dead_lettered", "requeued", "rejected", "unsettled"]


class PermanentFailure(Exception):
    """Raised by an event handler for a message that can never be applied: it is dead-lettered at once.

    For example an event that contradicts what the service knows in a way no later event can repair. The message
    stays in the dead-letter queue, with this exception's text as its reason, until an operator replays it.
    """


# Failures that go away by themselves: the database or the broker is unavailable, restarting, or slow.
_TRANSIENT: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection in time
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    OSError,  # includes ConnectionError: a refused or reset connection
    TimeoutError,
    aio_pika.exceptions.AMQPError,  # includes a closed channel or connection
    aiormq.exceptions.AMQPError,
)


def classify(exc: BaseException) -> FailureKind:
    """How a handler's exception is treated: `permanent` is dead-lettered at once; the others are retried.

    An exception the kit does not know (`unexpected`) is retried too, with the same delays as a transient one,
    rather than dead-lettered at once. Such an exception is usually a bug, and its remedy, a fix and then a replay
    of the dead letters, is the same either way; but some are transient failures we do not recognise (a driver's
    own error for a lost connection, a serialization failure, a race two replicas lose), and those recover on
    their own with retries. It costs a few retries of a real bug's message; it saves an operator replaying by hand
    after every outage that surfaces as an exception we did not list. It is logged with its stack, unlike a known
    transient failure.
    """
    if isinstance(exc, PermanentFailure):
        return "permanent"
    if isinstance(exc, _TRANSIENT):
        return "transient"
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return "transient"
    return "unexpected"


def describe(exc: BaseException) -> str:
    """A one-line reason for logs and headers: the exception's type and message, shortened."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= _MAX_ERROR_LENGTH else text[: _MAX_ERROR_LENGTH - 3] + "..."


def attempts_so_far(headers: Mapping[str, Any] | None) -> int:
    """The failed attempts recorded on a delivery (0 for a first delivery or a replay)."""
    value = (headers or {}).get(ATTEMPTS_HEADER)
    try:
        return max(0, int(value)) if value is not None else 0
    except (TypeError, ValueError):
        return 0


class FailureRouter:
    """Settles the failed deliveries of one work queue: a copy to a retry queue or the dead-letter queue, then ack."""

    def __init__(
        self,
        consumer: str,
        broker: RabbitBroker,
        topology: Topology,
        queue_name: str,
        *,
        publish_timeout: float = 5.0,
    ) -> None:
        self._consumer = consumer
        self._broker = broker
        self._topology = topology
        self._queue = queue_name
        self._publish_timeout = publish_timeout
        self._declared_delays: set[float] = set()

    @property
    def max_attempts(self) -> int:
        """Attempts a retried message gets before it is dead-lettered: the first one and one per delay."""
        return len(self._topology.retry_delays) + 1

    async def settle_failure(self, message: AbstractIncomingMessage, exc: BaseException, what: str) -> Settled:
        """Retry or dead-letter a delivery whose handler raised `exc`; `what` names the message in logs."""
        kind = classify(exc)
        attempts = attempts_so_far(message.headers) + 1
        reason = describe(exc)
        if kind == "permanent" or attempts >= self.max_attempts:
            log.error(
                "%s: %s failed (%s, attempt %s of at most %s): %s; dead-lettered",
                self._consumer,
                what,
                kind,
                attempts,
                self.max_attempts if kind != "permanent" else 1,
                reason,
                exc_info=exc if kind == "unexpected" else None,
            )
            return await self.dead_letter(message, reason, kind, attempts=attempts)
        delay = self._topology.retry_delays[attempts - 1]
        log_level = logging.ERROR if kind == "unexpected" else logging.WARNING
        log.log(
            log_level,
            "%s: %s failed (%s, attempt %s of at most %s): %s; retried in %ss",
            self._consumer,
            what,
            kind,
            attempts,
            self.max_attempts,
            reason,
            delay,
            # A known transient failure (the database is down) needs no stack in every log line; a bug does.
            exc_info=exc if kind == "unexpected" else None,
        )
        try:
            if delay not in self._declared_delays:
                await declare_broker_retry_queue(self._broker, self._topology, self._queue, delay)
                self._declared_delays.add(delay)
            await self._publish_copy(
                message,
                self._topology.retry_exchange_spec(self._queue),
                self._topology.retry_queue(self._queue, delay),
                attempts=attempts,
                reason=reason,
                kind=kind,
            )
        except Exception as publish_error:  # noqa: BLE001 - logged; falls back to a requeue
            # Declared again next time: an operator may have deleted the queue.
            self._declared_delays.discard(delay)
            log.error(
                "%s: %s could not be sent to its retry queue (%s); returned to the queue at once instead",
                self._consumer,
                what,
                describe(publish_error),
            )
            return await _settle(message, "requeued", self._consumer, what)
        return await _settle(message, "retried", self._consumer, what)

    async def dead_letter(
        self, message: AbstractIncomingMessage, reason: str, kind: FailureKind, *, attempts: int = 1
    ) -> Settled:
        """Send a copy to the work queue's dead-letter queue with the reason and attempts, then ack the original."""
        try:
            await self._publish_copy(
                message,
                self._topology.dead_letter_exchange_spec(),
                self._queue,
                attempts=attempts,
                reason=reason,
                kind=kind,
            )
        except Exception as publish_error:  # noqa: BLE001 - logged; falls back to a reject
            # The queue dead-letters a rejected message itself (at-least-once); only our headers are missing.
            log.error(
                "%s: message %s could not be published to the dead-letter queue (%s); rejected instead",
                self._consumer,
                message.message_id,
                describe(publish_error),
            )
            return await _settle(message, "rejected", self._consumer, f"message {message.message_id}")
        return await _settle(message, "dead_lettered", self._consumer, f"message {message.message_id}")

    async def _publish_copy(
        self,
        message: AbstractIncomingMessage,
        exchange: RabbitExchange,
        routing_key: str,
        *,
        attempts: int,
        reason: str,
        kind: FailureKind,
    ) -> None:
        headers = {
            key: value
            for key, value in (message.headers or {}).items()
            if not any(key.startswith(prefix) for prefix in _BROKER_HEADERS)
        }
        headers.update({ATTEMPTS_HEADER: attempts, ERROR_HEADER: reason, FAILURE_HEADER: kind})
        # Through the broker's default channel: confirms on, an unroutable mandatory message raises (broker.py).
        confirmation = await self._broker.publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            persist=True,
            mandatory=True,
            timeout=self._publish_timeout,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            message_type=message.type,
            timestamp=message.timestamp,
        )
        if not isinstance(confirmation, Basic.Ack):
            raise RuntimeError(f"broker did not confirm the copy to {routing_key}: {confirmation!r}")


async def _settle(message: AbstractIncomingMessage, outcome: Settled, consumer: str, what: str) -> Settled:
    """Ack (copy made), requeue or reject the original; a failure here is logged and the broker redelivers it."""
    try:
        if outcome in ("retried", "dead_lettered"):
            await message.ack()
        elif outcome == "requeued":
            await message.nack(requeue=True)
        else:
            await message.reject(requeue=False)
    except Exception as exc:  # noqa: BLE001 - logged; the broker redelivers it
        # The channel is gone: the broker redelivers the original (a copy already made is then applied once, by
        # the inbox). Nothing is lost, so this is logged, not raised into the consumer's loop.
        log.warning("%s: %s could not be settled (%s); the broker will redeliver it", consumer, what, describe(exc))
        return "unsettled"
    return outcome
