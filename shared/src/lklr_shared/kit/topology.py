"""Names and declarations of the exchanges and queues, in one place.

- One durable topic exchange for events; routing key = the event's wire name (`<owner>.<Event>`).
- Per consuming service, a durable quorum queue with a dead-letter exchange, an explicit delivery limit,
  at-least-once dead-lettering and reject-publish overflow (at-least-once dead-lettering requires it).
- Per queue, a dead-letter queue bound to the dead-letter exchange with the queue's own name as routing key,
  so a dead-lettered message can be replayed to exactly the queue it came from.
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


@dataclass(frozen=True)
class Topology:
    """Every broker name for one deployment (or one test session), derived from a prefix."""

    prefix: str = "lklr"
    delivery_limit: int = 5
    max_queue_length: int = 1_000_000

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


async def declare_consumer_queue(
    channel: AbstractChannel, topology: Topology, consumer: str, routing_keys: list[str]
) -> AbstractQueue:
    """Declare a consumer's event queue and bind it to the routing keys it handles."""
    exchange = await declare_exchanges(channel, topology)
    queue = await declare_work_queue(channel, topology, topology.consumer_queue(consumer))
    for key in routing_keys:
        await queue.bind(exchange, routing_key=key)
    return queue


async def delete_names(channel: AbstractChannel, names: DeclaredNames) -> None:
    """Remove queues and exchanges (test teardown)."""
    for queue in sorted(names.queues):
        await channel.queue_delete(queue)
    for exchange in sorted(names.exchanges):
        await channel.exchange_delete(exchange)


def all_names(topology: Topology, consumers: list[str], services: list[str]) -> DeclaredNames:
    """Every name a deployment with these consumers and RPC services declares."""
    names = DeclaredNames(exchanges={topology.events_exchange, topology.dead_letter_exchange})
    for queue in [topology.consumer_queue(c) for c in consumers] + [topology.rpc_queue(s) for s in services]:
        names.queues.add(queue)
        names.queues.add(topology.dead_letter_queue(queue))
    return names
