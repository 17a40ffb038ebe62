"""The one place where the kit makes FastStream's RabbitBroker keep our guarantees.

FastStream's defaults differ from what the services rely on, so every broker a process uses is made here:

- Publishing (`broker.publish`, `broker.request`) goes through the broker's default channel, made with
  `publisher_confirms=True` (every publish waits for the broker's Basic.Ack, under the caller's timeout) and
  `on_return_raises=True`: a mandatory message that no queue receives comes back as Basic.Return, and FastStream
  0.7 hands that back as a normal result unless the channel raises it. With it, aio-pika raises DeliveryError,
  which the publisher and the RPC client turn into errors. Persistence (`persist=True`) and `mandatory=True` are
  set by the kit at each publish (publisher.py, rpc.py) because they are per-message options.
- Acknowledgement is manual for every subscriber (`AckPolicy.MANUAL`): the kit acks after the handler's
  transaction commits and sends a failed event to a retry or dead-letter queue (retry.py); FastStream never acks
  or rejects on its own.
- No FastDepends (`apply_types=False`) and the kit's subscribers use a decoder that leaves the body alone
  (`leave_body`): the kit parses each envelope exactly once itself. FastStream would otherwise decode the JSON
  body to a dict (and validate it against the handler's signature) before the kit parses the same bytes again.
- FastStream's per-message "Received"/"Processed" log lines go to DEBUG: a service logs what it did itself.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, cast

from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue
from faststream.rabbit.schemas import Channel
from faststream.rabbit.subscriber import RabbitSubscriber

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.topology import Topology

if TYPE_CHECKING:
    from faststream.rabbit.utils import RabbitClientProperties

log = logging.getLogger(__name__)


def reliable_channel() -> Channel:
    """Channel settings for publishing: confirms on, and a returned (unroutable) mandatory message raises."""
    return Channel(publisher_confirms=True, on_return_raises=True)


def consumer_channel(prefetch_count: int) -> Channel:
    """A channel of its own for one subscriber, with its own prefetch (a new object is a new channel)."""
    return Channel(prefetch_count=prefetch_count, publisher_confirms=True, on_return_raises=True)


def make_broker(
    amqp_url: str,
    *,
    name: str,
    reconnect_interval: float = 2.0,
    connect_timeout: float | None = 10.0,
) -> RabbitBroker:
    """A RabbitBroker with the kit's settings (see the module docstring); not connected yet."""
    return RabbitBroker(
        amqp_url,
        # The connection's name in the management UI (aio-pika passes unknown keys on as client properties).
        client_properties=cast("RabbitClientProperties", {"connection_name": name}),
        default_channel=reliable_channel(),
        ack_policy=AckPolicy.MANUAL,
        apply_types=False,
        reconnect_interval=reconnect_interval,
        timeout=connect_timeout,
        # The kit stops its subscribers itself (each finishes its in-flight work within the service's grace).
        graceful_timeout=None,
        logger=logging.getLogger("faststream.lklr"),
        log_level=logging.DEBUG,
        app_id=name,
    )


async def connect_broker(
    amqp_url: str, *, name: str = "lklr", reconnect_interval: float = 2.0, connect_timeout: float | None = 10.0
) -> RabbitBroker:
    """Make a broker with the kit's settings and start it (connected; raises if RabbitMQ is unreachable)."""
    broker = make_broker(amqp_url, name=name, reconnect_interval=reconnect_interval, connect_timeout=connect_timeout)
    try:
        await broker.start()
    except BaseException:
        # A failed first connection leaves aio-pika's reconnect task behind; stopping ends it.
        await broker.stop()
        raise
    return broker


async def leave_body(_message: StreamMessage[object]) -> None:
    """A FastStream decoder that decodes nothing: the kit parses the body once, itself.

    The handler then reads the message from FastStream's context (`current_message`). Returning the message itself
    from the decoder would put it in its own decode cache: a reference cycle that keeps every body alive until the
    cyclic garbage collector runs (megabytes for evidence uploads).
    """
    return None


def current_message(broker: RabbitBroker) -> RabbitMessage:
    """The message FastStream is handling in this task (its context's `message`)."""
    message: RabbitMessage = broker.context.get_local("message")
    return message


async def event_tap(
    broker: RabbitBroker,
    topology: Topology,
    *,
    queue: str,
    routing_key: str | Sequence[str],
    on_envelope: Callable[[Envelope], Awaitable[None] | None],
    exclusive: bool = True,
) -> RabbitSubscriber:
    """Copy the events matching `routing_key` (one pattern or several) into a queue of their own and hand each
    envelope to a callback.

    For tests, benchmarks and tools that watch what services publish: a classic queue (exclusive by default: gone
    with the connection), acknowledged after the callback returns. Not in the AsyncAPI document.
    """
    exchange = await broker.declare_exchange(topology.events_exchange_spec())
    keys = [routing_key] if isinstance(routing_key, str) else list(routing_key)

    async def record(_body: None) -> None:
        result = on_envelope(Envelope.from_bytes(current_message(broker).body))
        if inspect.isawaitable(result):
            await result

    spec = RabbitQueue(queue, durable=not exclusive, exclusive=exclusive, routing_key=keys[0])
    subscriber = broker.subscriber(
        spec,
        exchange=topology.events_exchange_spec(),
        channel=consumer_channel(64),
        ack_policy=AckPolicy.ACK,
        no_reply=True,
        include_in_schema=False,
        persistent=False,
    )
    subscriber(record, decoder=leave_body)
    await subscriber.start()
    # FastStream binds the first pattern; the declarer hands back the subscriber's queue to bind the others.
    declared = await broker.declare_queue(spec)
    for key in keys[1:]:
        await declared.bind(exchange, routing_key=key)
    return subscriber
