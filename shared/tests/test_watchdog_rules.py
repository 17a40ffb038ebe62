"""The watchdog's judgement from the client's and the broker's view (pure: fake subscribers and counts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from lklr_shared.kit.amqp_raw import QueueCounts
from lklr_shared.kit.watchdog import ConsumerWatchdog

pytestmark = [pytest.mark.unit]


@dataclass
class FakeSubscriber:
    queue_name: str = "q"
    live: bool = True
    received: int = 0
    handling: bool = False
    restarted: int = 0

    def consuming(self) -> bool:
        return self.live

    def deliveries(self) -> int:
        return self.received

    def busy(self) -> bool:
        return self.handling

    async def restart(self) -> None:
        self.restarted += 1


def watchdog_for(subscriber: FakeSubscriber, counts: dict[str, QueueCounts | None]) -> ConsumerWatchdog:
    async def connected() -> bool:
        return True

    async def queue_counts(names: Sequence[str]) -> dict[str, QueueCounts | None]:
        return {name: counts.get(name) for name in names}

    return ConsumerWatchdog([subscriber], connected, queue_counts=queue_counts)


async def rounds(watchdog: ConsumerWatchdog, n: int) -> None:
    for _ in range(n):
        await watchdog.check()


async def test_ready_messages_with_an_idle_subscriber_that_receives_nothing_are_a_stall() -> None:
    subscriber = FakeSubscriber()
    await rounds(watchdog_for(subscriber, {"q": QueueCounts(messages=3, consumers=1)}), 3)
    assert subscriber.restarted == 1


async def test_ready_messages_while_deliveries_arrive_are_no_stall() -> None:
    subscriber = FakeSubscriber()
    watchdog = watchdog_for(subscriber, {"q": QueueCounts(messages=3, consumers=1)})
    for _ in range(5):
        subscriber.received += 1
        await watchdog.check()
    assert subscriber.restarted == 0


async def test_ready_messages_while_the_subscriber_is_busy_are_no_stall() -> None:
    subscriber = FakeSubscriber(handling=True)
    await rounds(watchdog_for(subscriber, {"q": QueueCounts(messages=3, consumers=1)}), 5)
    assert subscriber.restarted == 0


async def test_an_empty_queue_with_a_consumer_is_healthy() -> None:
    subscriber = FakeSubscriber()
    await rounds(watchdog_for(subscriber, {"q": QueueCounts(messages=0, consumers=1)}), 5)
    assert subscriber.restarted == 0


async def test_no_consumer_on_the_broker_or_no_queue_means_a_restart() -> None:
    no_consumer = FakeSubscriber()
    await rounds(watchdog_for(no_consumer, {"q": QueueCounts(messages=0, consumers=0)}), 2)
    missing_queue = FakeSubscriber()
    await rounds(watchdog_for(missing_queue, {"q": None}), 2)
    assert (no_consumer.restarted, missing_queue.restarted) == (1, 1)


async def test_a_lost_consumer_is_restarted_without_the_broker_view() -> None:
    subscriber = FakeSubscriber(live=False)

    async def connected() -> bool:
        return True

    await rounds(ConsumerWatchdog([subscriber], connected), 2)
    assert subscriber.restarted == 1
