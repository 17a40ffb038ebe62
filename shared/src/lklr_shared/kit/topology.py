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
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue


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
