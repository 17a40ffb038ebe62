"""One FastStream subscriber with manual acknowledgement on a channel of its own: how the event consumer and the
RPC server take their deliveries.

The subscriber is registered on the broker on first use (so the AsyncAPI document lists it), started on a fresh
channel (its own prefetch; closing it at stop returns the prefetched deliveries to the queue), started again by the
watchdog when its consumer was lost or stalled, and stopped so that the deliveries in flight finish and settle on
their channel. FastStream never acks, rejects or replies: the subclass settles each delivery itself.
"""

from __future__ import annotations

import asyncio
import logging

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue
from faststream.rabbit.subscriber import RabbitSubscriber

from lklr_shared.kit import amqp_raw
from lklr_shared.kit.broker import consumer_channel, current_message, leave_body

log = logging.getLogger(__name__)


class ManualSubscription:
    """A subscriber on ``queue`` whose deliveries go to `handle`, which settles each one (ack, nack, dead-letter)."""

    def __init__(
        self,
        name: str,
        broker: RabbitBroker,
        queue: RabbitQueue,
        *,
        prefetch_count: int,
        title: str,
        description: str,
    ) -> None:
        self.name = name
        self._broker = broker
        self._queue_spec = queue
        self._prefetch_count = prefetch_count
        self._title = title
        self._description = description
        self._subscriber: RabbitSubscriber | None = None
        # Deliveries being handled, and an event set while there are none (stop waits on it, not on tasks: the
        # task a delivery runs in may outlive the delivery).
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._deliveries = 0
        self._stopping = False

    @property
    def subscriber(self) -> RabbitSubscriber:
        """The FastStream subscriber, registered on the broker on first use."""
        if self._subscriber is None:
            self._subscriber = self._broker.subscriber(
                self._queue_spec,
                channel=consumer_channel(self._prefetch_count),
                ack_policy=AckPolicy.MANUAL,
                # `handle` settles (and answers) each delivery itself.
                no_reply=True,
                title=self._title,
                description=self._description,
            )
            self._subscriber(self._on_message, decoder=leave_body)
        return self._subscriber

    def consuming(self) -> bool:
        """Whether the subscriber has a live consumer on an open channel (readiness and the watchdog)."""
        return self._subscriber is not None and not self._stopping and amqp_raw.consumer_active(self._subscriber)

    async def start(self) -> None:
        """Start taking deliveries on a fresh channel (subclasses declare what the queue needs first)."""
        self._stopping = False
        subscriber = self.subscriber
        subscriber.channel = consumer_channel(self._prefetch_count)
        amqp_raw.forget_queue(self._broker, self._queue_spec)
        await subscriber.start()

    def deliveries(self) -> int:
        """Deliveries received so far (the watchdog compares rounds)."""
        return self._deliveries

    def busy(self) -> bool:
        """Whether a delivery is being handled."""
        return self._in_flight > 0

    async def restart(self) -> None:
        """Take deliveries again on a fresh channel after the consumer was lost or stalled (the watchdog calls this)."""
        if self._subscriber is None or self._stopping:
            return
        await amqp_raw.stop_subscriber(self._subscriber)
        await self.start()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking deliveries, let those in flight finish (up to the grace period), close the channel.

        Deliveries prefetched but not started are never acked, so the broker gives them to another replica.
        """
        self._stopping = True
        if self._subscriber is None:
            return
        channel = amqp_raw.subscriber_channel(self._subscriber)
        # Cancelling stops new deliveries; the ones in flight keep their channel to settle on.
        await self._subscriber.stop()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace_seconds)
        except TimeoutError:
            log.warning(
                "%s: %s delivery(ies) still in flight after %ss; they will be redelivered",
                self.name,
                self._in_flight,
                grace_seconds,
            )
        if channel is not None and not channel.is_closed:
            await channel.close()

    async def _on_message(self, _body: None) -> None:
        message = current_message(self._broker)
        self._deliveries += 1
        if self._stopping:
            return  # not acked: returned to the queue when the channel closes
        self._in_flight += 1
        self._idle.clear()
        try:
            await self.handle(message)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def handle(self, message: RabbitMessage) -> None:
        """Handle and settle one delivery."""
        raise NotImplementedError
