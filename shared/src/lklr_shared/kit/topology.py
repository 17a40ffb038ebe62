"""Names and declarations of the exchanges and queues, in one place.

- One durable topic exchange for events; routing key = the event's wire name (`<owner>.<Event>`).
- Per consuming service, a durable quorum queue with a dead-letter exchange, an explicit delivery limit,
  at-least-once dead-lettering and reject-publish overflow (at-least-once dead-lettering requires it).
- Per queue, a dead-letter queue bound to the dead-letter exchange with the queue's own name as routing key,
  so a dead-lettered message can be replayed to exactly the queue it came from.
- Per work queue, a retry exchange (direct, `<queue>.retry`) the work queue is bound to with its own name, and one
  quorum retry queue per delay (`<queue>.retry.<ms>ms`, declared when first needed) with that delay as its message
  TTL: an expired message is dead-lettered (at-least-once) through the retry exchange back to exactly its work
  queue, not to the events exchange, so other consumers never see it twice. RabbitMQ 3.10 has message TTL and
  at-least-once dead-lettering for quorum queues and no delayed-message exchange without a plugin; the queue is
  named by its delay because a quorum queue's arguments cannot change in place (a new delay is a new queue).
- Per service, an RPC queue for request/reply from the gateway (competing consumers scale it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

if TYPE_CHECKING:
    from faststream.rabbit.schemas.queue import QuorumQueueArgs

# Delays before the 1st, 2nd, ... retry of a message whose handler failed for a transient reason: together about
# 12.5 minutes, long enough for a database restart or failover to end with every message applied.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)


@dataclass(frozen=True)
class Topology:
    """Every broker name for one deployment (or one test session), derived from a prefix."""

    prefix: str = "lklr"
    delivery_limit: int = 5
    max_queue_length: int = 1_000_000
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS

    def __post_init__(self) -> None:
        if any(delay <= 0 for delay in self.retry_delays):
            raise ValueError(f"retry delays must be positive: {self.retry_delays}")

    @property
    def events_exchange(self) -> str:
        return f"{self.prefix}.events"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    def consumer_queue(self, consumer: str) -> str:
        return f"{self.prefix}.{consumer}.events"

    def rpc_queue(self, service: str) -> str:
        return f"{self.prefix}.{service}.rpc"

    @staticmethod
    def dead_letter_queue(queue: str) -> str:
        return f"{queue}.dlq"

    @staticmethod
    def retry_exchange(queue: str) -> str:
        return f"{queue}.retry"

    @staticmethod
    def retry_queue(queue: str, delay_seconds: float) -> str:
        return f"{queue}.retry.{_milliseconds(delay_seconds)}ms"

    def retry_arguments(self, queue: str, delay_seconds: float) -> dict[str, Any]:
        """Arguments of a retry queue: no consumer; each message expires after the delay and goes back to `queue`."""
        return {
            "x-queue-type": "quorum",
            "x-message-ttl": _milliseconds(delay_seconds),
            "x-dead-letter-exchange": self.retry_exchange(queue),
            "x-dead-letter-routing-key": queue,
            # At-least-once: an expired message stays here until the work queue has taken it (even when full).
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-max-length": self.max_queue_length,
        }

    def quorum_arguments(self, queue: str) -> dict[str, Any]:
        """Arguments of a work queue: quorum, bounded redelivery, safe dead-lettering."""
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": queue,
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-max-length": self.max_queue_length,
        }

    def rpc_arguments(self) -> dict[str, Any]:
        """Arguments of an RPC queue: quorum with bounded redelivery, no dead-lettering (a caller waits)."""
        return {"x-queue-type": "quorum", "x-delivery-limit": self.delivery_limit}

    # FastStream descriptions of the same names. A queue's arguments must stay exactly what earlier releases
    # declared: RabbitMQ refuses a redeclaration with other arguments (PRECONDITION_FAILED) on a running broker.
    # RabbitQueue puts `x-queue-type` first and then our arguments, which repeat it with the same value.

    def events_exchange_spec(self) -> RabbitExchange:
        """The durable topic exchange of events."""
        return RabbitExchange(self.events_exchange, type=ExchangeType.TOPIC, durable=True)

    def dead_letter_exchange_spec(self) -> RabbitExchange:
        """The durable direct exchange dead letters go to (routing key = the queue they died in)."""
        return RabbitExchange(self.dead_letter_exchange, type=ExchangeType.DIRECT, durable=True)

    def consumer_queue_spec(self, consumer: str) -> RabbitQueue:
        """A consuming service's event queue, as FastStream declares it."""
        name = self.consumer_queue(consumer)
        return _quorum_queue(name, self.quorum_arguments(name))

    def rpc_queue_spec(self, service: str) -> RabbitQueue:
        """A service's RPC queue, as FastStream declares it."""
        return _quorum_queue(self.rpc_queue(service), self.rpc_arguments())

    def dead_letter_queue_spec(self, queue: str) -> RabbitQueue:
        """The quorum dead-letter queue of a work queue."""
        return _quorum_queue(self.dead_letter_queue(queue), {})

    def retry_exchange_spec(self, queue: str) -> RabbitExchange:
        """The durable direct exchange between a work queue and its retry queues."""
        return RabbitExchange(self.retry_exchange(queue), type=ExchangeType.DIRECT, durable=True)

    def retry_queue_spec(self, queue: str, delay_seconds: float) -> RabbitQueue:
        """A work queue's retry queue for one delay."""
        return _quorum_queue(self.retry_queue(queue, delay_seconds), self.retry_arguments(queue, delay_seconds))


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _quorum_queue(name: str, arguments: dict[str, Any]) -> RabbitQueue:
    # Durable, not exclusive, not auto-deleted: as the channel-based declarations below.
    return RabbitQueue(name, QueueType.QUORUM, durable=True, arguments=cast("QuorumQueueArgs", arguments))


@dataclass
class DeclaredNames:
    """What a declaration created, so a test session can remove exactly that."""

    exchanges: set[str] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)


async def declare_exchanges(channel: AbstractChannel, topology: Topology) -> AbstractExchange:
    """Declare the events exchange and the dead-letter exchange; return the events exchange."""
    await channel.declare_exchange(topology.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True)
    return await channel.declare_exchange(topology.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True)


async def declare_work_queue(channel: AbstractChannel, topology: Topology, queue_name: str) -> AbstractQueue:
    """Declare a quorum work queue and its dead-letter queue (bound on the dead-letter exchange)."""
    dlx = await channel.declare_exchange(topology.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True)
    dlq = await channel.declare_queue(
        topology.dead_letter_queue(queue_name), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(dlx, routing_key=queue_name)
    return await channel.declare_queue(queue_name, durable=True, arguments=topology.quorum_arguments(queue_name))


async def declare_broker_exchanges(broker: RabbitBroker, topology: Topology) -> None:
    """Declare the events and dead-letter exchanges through the broker, on its publishing channel.

    Done before any subscriber declares them: FastStream caches a declared exchange per name whatever the channel,
    and publishes through the cached object, so the first declaration must be on the confirming channel.
    """
    await broker.declare_exchange(topology.dead_letter_exchange_spec())
    await broker.declare_exchange(topology.events_exchange_spec())


async def declare_broker_dead_letter_queue(broker: RabbitBroker, topology: Topology, queue_name: str) -> None:
    """Declare a work queue's dead-letter queue, bound on the dead-letter exchange with the queue's name."""
    dlx = await broker.declare_exchange(topology.dead_letter_exchange_spec())
    dlq = await broker.declare_queue(topology.dead_letter_queue_spec(queue_name))
    await dlq.bind(dlx, routing_key=queue_name)


async def declare_broker_retry_exchange(
    broker: RabbitBroker, topology: Topology, queue_name: str, work_queue: AbstractQueue
) -> None:
    """Declare a work queue's retry exchange and bind the work queue to it with its own name.

    Only an exchange and a binding: the existing work queue keeps its arguments. The retry queues themselves are
    declared when a message first needs one (`declare_broker_retry_queue`), so a consumer that never fails adds no
    queue to the broker.
    """
    exchange = await broker.declare_exchange(topology.retry_exchange_spec(queue_name))
    await work_queue.bind(exchange, routing_key=queue_name)


async def declare_broker_retry_queue(
    broker: RabbitBroker, topology: Topology, queue_name: str, delay_seconds: float
) -> None:
    """Declare the retry queue of one delay, bound on the work queue's retry exchange with its own name."""
    exchange = await broker.declare_exchange(topology.retry_exchange_spec(queue_name))
    retry_queue = await broker.declare_queue(topology.retry_queue_spec(queue_name, delay_seconds))
    await retry_queue.bind(exchange, routing_key=topology.retry_queue(queue_name, delay_seconds))


async def declare_consumer_queue(
    channel: AbstractChannel, topology: Topology, consumer: str, routing_keys: list[str]
) -> AbstractQueue:
    """Declare a consumer's event queue and bind it to the routing keys it handles."""
    exchange = await declare_exchanges(channel, topology)
    queue = await declare_work_queue(channel, topology, topology.consumer_queue(consumer))
    for key in routing_keys:
        await queue.bind(exchange, routing_key=key)
    return queue


def all_names(topology: Topology, consumers: list[str], services: list[str]) -> DeclaredNames:
    """Every name a deployment with these consumers and RPC services declares (or may declare: retry queues are
    declared when first needed; those of the default delays are named too, for processes started from settings)."""
    names = DeclaredNames(exchanges={topology.events_exchange, topology.dead_letter_exchange})
    for queue in [topology.consumer_queue(c) for c in consumers] + [topology.rpc_queue(s) for s in services]:
        names.queues.add(queue)
        names.queues.add(topology.dead_letter_queue(queue))
    for consumer in consumers:
        queue = topology.consumer_queue(consumer)
        names.exchanges.add(topology.retry_exchange(queue))
        for delay in set(topology.retry_delays) | set(DEFAULT_RETRY_DELAYS):
            names.queues.add(topology.retry_queue(queue, delay))
    return names
