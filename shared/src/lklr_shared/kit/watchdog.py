"""Checks that every subscriber of a process really consumes, and starts it again when it does not.

aio-pika restores channels and consumers after a reconnect, but FastStream has had reports of consumers that
were not restored (a channel closed for good, a consumer cancelled by the broker when its queue's leader moved),
and such a subscriber stays "running" while nothing arrives. The watchdog looks at each one every few seconds:
one that is not consuming while the broker connection is up, twice in a row (a restore in progress gets a
moment), is restarted. The readiness probe asks `all_consuming`, so a process whose subscriber is lost is taken
out of service until it consumes again.

The client's view alone can be wrong: after a broker restart or a cut network, a subscriber can look consuming
(its tag registered on an open channel) while the broker delivers nothing to it. So the watchdog also asks the
broker (`queue_counts`, a passive declare): a queue that is missing or has no consumer, or that holds ready
messages while its idle subscriber received nothing since the last round, is a miss too. Twice in a row, the
subscriber is started again on a fresh channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from lklr_shared.kit.amqp_raw import QueueCounts

log = logging.getLogger(__name__)


class Watched(Protocol):
    """What the watchdog needs of a subscriber (EventConsumer, RpcServer, BatchEventConsumer)."""

    @property
    def queue_name(self) -> str: ...

    def consuming(self) -> bool: ...

    def deliveries(self) -> int:
        """How many deliveries the subscriber has received since it was made (never decreases)."""
        ...

    def busy(self) -> bool:
        """Whether a delivery is being handled or waits in the subscriber's own buffer."""
        ...

    async def restart(self) -> None: ...


QueueCountsReader = Callable[[Sequence[str]], Awaitable[dict[str, QueueCounts | None]]]


class ConsumerWatchdog:
    """Restarts subscribers that stopped consuming; reports whether all of them consume."""

    def __init__(
        self,
        watched: Sequence[Watched],
        connected: Callable[[], Awaitable[bool]],
        *,
        queue_counts: QueueCountsReader | None = None,
        interval_seconds: float = 2.0,
        misses_before_restart: int = 2,
    ) -> None:
        self._watched = list(watched)
        self._connected = connected
        self._queue_counts = queue_counts
        # Deliveries each subscriber had received at the last round: no change while messages wait is a stall.
        self._seen: dict[int, int] = {}
        self._interval = interval_seconds
        self._misses_before_restart = misses_before_restart
        self._misses: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        # How often each queue's subscriber was restarted (logs and tests).
        self.restarts: dict[str, int] = {}

    def watch(self, item: Watched) -> None:
        """Add a subscriber started after the watchdog."""
        self._watched.append(item)

    def all_consuming(self) -> bool:
        """True when every watched subscriber has a live consumer."""
        return all(item.consuming() for item in self._watched)

    def start(self) -> None:
        """Begin checking in the background."""
        self._task = asyncio.create_task(self._run(), name="consumer-watchdog")

    async def stop(self) -> None:
        """Stop checking (before the subscribers are stopped, so a stop is not mistaken for a loss)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check()
            except Exception:
                # A failed restart (the broker went away again) is retried at the next check.
                log.exception("consumer watchdog: check failed; retrying")

    async def check(self) -> None:
        """One round: restart every subscriber that missed enough checks while the broker was reachable."""
        if not await self._connected():
            return  # aio-pika is reconnecting; it restores consumers itself first
        counts = await self._broker_view()
        for item in self._watched:
            key = id(item)
            problem = self._problem(item, counts)
            self._seen[key] = item.deliveries()
            if problem is None:
                self._misses.pop(key, None)
                continue
            self._misses[key] = self._misses.get(key, 0) + 1
            if self._misses[key] < self._misses_before_restart:
                continue
            log.warning("consumer watchdog: %s %s; restarting its subscriber", item.queue_name, problem)
            self._misses.pop(key, None)
            await item.restart()
            self._seen[key] = item.deliveries()
            self.restarts[item.queue_name] = self.restarts.get(item.queue_name, 0) + 1

    async def _broker_view(self) -> dict[str, QueueCounts | None] | None:
        """The broker's counts of every watched queue, or None when not asked for or not answered."""
        if self._queue_counts is None:
            return None
        try:
            return await self._queue_counts([item.queue_name for item in self._watched])
        except Exception as exc:  # noqa: BLE001 - logged; this round judges by the client's view alone
            log.warning("consumer watchdog: could not ask the broker for queue counts (%s)", exc)
            return None

    def _problem(self, item: Watched, counts: dict[str, QueueCounts | None] | None) -> str | None:
        """Why the subscriber does not consume, or None when it does."""
        if not item.consuming():
            return "is not consuming"
        if counts is None or item.queue_name not in counts:
            return None
        queue = counts[item.queue_name]
        if queue is None:
            return "consumes a queue the broker does not have"
        if queue.consumers == 0:
            return "is consuming by its own account, but the broker lists no consumer"
        stalled = queue.messages > 0 and not item.busy() and item.deliveries() == self._seen.get(id(item))
        if stalled:
            return f"received nothing while {queue.messages} message(s) were ready"
        return None
