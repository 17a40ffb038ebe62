"""aio-pika used directly, only where FastStream 0.7 has no API for what the kit needs. Nowhere else.

- A batch consumer: FastStream has no batch subscriber for RabbitMQ, so the audit's batching consumer consumes
  with aio-pika on a channel of the broker's own connection (`open_channel`, `start_consuming`, `stop_consuming`).
- Whether a subscriber really consumes: FastStream keeps no public state for it, and after a broker restart a
  subscriber whose consumer was not restored looks "running". `consumer_active` looks at the channel and at the
  consumer tags the AMQP channel knows (aiormq records a tag on ConsumeOk and drops it on Cancel/CancelOk).
- Taking a subscriber off a channel that may be broken (`stop_subscriber`): stop it through FastStream and close
  the channel, so that it can be started again on a fresh one.

- A first connection attempt that leaves nothing behind (`check_reachable`): FastStream connects with aio-pika's
  `connect_robust`, whose reconnect task outlives a failed or cancelled first attempt (a broker that accepts TCP
  but never speaks AMQP) and keeps the process from exiting. A plain connection, closed at once, tells first
  whether the broker answers.
- Whether the broker's connection is up right now (`connected`), without `broker.ping`'s timer: the RPC client
  asks before every request, so that a request while the broker is away fails at once as unavailable.
- How many messages and consumers a queue has (`queue_counts`), for the metrics and the operator page: a passive
  declare answers both, and FastStream has no call for it (its declarer would create a missing queue).
- Whether deliveries share one open channel (`same_open_channel`), so that the batch consumer may acknowledge them
  with one `multiple` ack: aio-pika raises on reading the channel of a delivery whose channel has closed.
- Forgetting a queue FastStream declared (`forget_queue`): its declarer caches one queue object per queue
  description whatever the channel, so a subscriber started again after its channel was closed would consume on
  that closed channel.

Private attributes of FastStream are read here (the subscriber's `_queue_obj` and `_consumer_tag`, the
declarer's `_queues`) and nowhere else; a FastStream upgrade that renames them makes `consumer_active` report False, which the readiness probe
shows, rather than passing silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel
from faststream.rabbit import RabbitBroker, RabbitQueue
from faststream.rabbit.subscriber import RabbitSubscriber

log = logging.getLogger(__name__)


async def open_channel(broker: RabbitBroker, *, prefetch_count: int) -> AbstractRobustChannel:
    """A new robust channel on the broker's connection with its own prefetch (restored after a reconnect)."""
    connection = await broker.connect()
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=prefetch_count)
    return channel


async def start_consuming(queue: AbstractQueue, callback: Callable[[AbstractIncomingMessage], Awaitable[Any]]) -> str:
    """Start consuming with manual acknowledgement; return the consumer tag."""
    return await queue.consume(callback, no_ack=False)


async def stop_consuming(queue: AbstractQueue, consumer_tag: str) -> None:
    """Stop deliveries to a consumer (its unacked messages stay with the channel until it closes)."""
    await queue.cancel(consumer_tag)


def channel_consuming(channel: AbstractRobustChannel | None, consumer_tag: str | None) -> bool:
    """Whether this consumer tag is registered on the open AMQP channel."""
    if channel is None or consumer_tag is None or channel.is_closed:
        return False
    # aio-pika's public way to the AMQP channel waits while reconnecting (and the property is deprecated); this
    # check must answer at once, so it reads the current one.
    context = getattr(channel, "_channel", None)
    amqp_channel = getattr(context, "channel", None)
    consumers = getattr(amqp_channel, "consumers", None)
    return isinstance(consumers, dict) and consumer_tag in consumers


def same_open_channel(messages: Sequence[AbstractIncomingMessage]) -> bool:
    """Whether every message was delivered on one channel that is still open."""
    try:
        channel = messages[-1].channel
        return all(message.channel is channel for message in messages)
    except aio_pika.exceptions.ChannelInvalidStateError:
        return False


def consumer_active(subscriber: RabbitSubscriber) -> bool:
    """Whether a FastStream subscriber has a live consumer on an open channel."""
    queue = getattr(subscriber, "_queue_obj", None)
    tag = getattr(subscriber, "_consumer_tag", None)
    if queue is None:
        return False
    return channel_consuming(queue.channel, tag)


async def stop_subscriber(subscriber: RabbitSubscriber) -> None:
    """Stop a subscriber and close its channel, also when the channel or its consumer is already gone.

    A cancel on a broken channel fails; that is expected here (the subscriber is being replaced), so it is logged
    and the channel is closed anyway, which returns its unacknowledged deliveries to the queue.
    """
    channel = subscriber_channel(subscriber)
    try:
        await subscriber.stop()
    except (aio_pika.exceptions.AMQPError, aio_pika.exceptions.ChannelInvalidStateError, RuntimeError) as exc:
        log.info("stopping a subscriber whose channel is gone: %s", exc)
    if channel is not None and not channel.is_closed:
        await channel.close()


def subscriber_channel(subscriber: RabbitSubscriber) -> AbstractRobustChannel | None:
    """The channel a started subscriber consumes on (None before start)."""
    queue = getattr(subscriber, "_queue_obj", None)
    return queue.channel if queue is not None else None


def forget_queue(broker: RabbitBroker, queue: RabbitQueue) -> None:
    """Drop FastStream's cached declaration of a queue, so the next start declares it on its own channel."""
    cache = getattr(broker.config.declarer, "_queues", None)
    if isinstance(cache, dict):
        cache.pop(queue, None)


async def check_reachable(amqp_url: str, timeout: float) -> None:
    """Open and close a plain AMQP connection; raise (OSError, AMQPError, TimeoutError) when that fails."""
    connection = await aio_pika.connect(amqp_url, timeout=timeout)
    await connection.close()


async def connected(broker: RabbitBroker) -> bool:
    """Whether the broker's robust connection is connected at this moment (False while it reconnects)."""
    if not broker.running:
        return False
    connection = await broker.connect()
    event = getattr(connection, "connected", None)
    return isinstance(event, asyncio.Event) and event.is_set()


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """A queue's ready messages and consumers, as the broker answered a passive declare."""

    messages: int
    consumers: int


async def queue_counts(broker: RabbitBroker, names: Sequence[str]) -> dict[str, QueueCounts | None]:
    """Messages and consumers of each named queue (None: no such queue), on a channel opened for this and closed.

    A passive declare of a missing queue closes its channel with 404, so the names after it get a fresh channel.
    """
    connection = await broker.connect()
    counts: dict[str, QueueCounts | None] = {}
    channel = await connection.channel()
    try:
        for name in names:
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                counts[name] = None
                # Closed for good (a robust channel would otherwise reopen itself and stay open, unused).
                await channel.close()
                channel = await connection.channel()
                continue
            result = queue.declaration_result
            counts[name] = QueueCounts(int(result.message_count or 0), int(result.consumer_count or 0))
    finally:
        if not channel.is_closed:
            await channel.close()
    return counts
