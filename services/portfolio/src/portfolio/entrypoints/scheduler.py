"""The portfolio process with its periodic housekeeping: the kit's runtime plus jobs run every N seconds.

Today that is removing evidence attached to no entry (`service_layer.evidence.remove_unattached_evidence`). Every
replica runs the jobs; they lock what they change and skip what another holds, so that is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lklr_shared.kit.runtime import ServiceRuntime
from portfolio.service_layer.common import PortfolioContext

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs ``job`` every ``interval_seconds`` (the first run one interval after start) until stopped."""

    def __init__(self, name: str, job: Callable[[], Awaitable[object]], interval_seconds: float) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.name = name
        self._job = job
        self._interval = interval_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"job-{self.name}")

    async def stop(self, grace_seconds: float) -> None:
        """Stop after the run in progress (cancelled if it takes longer than the grace period)."""
        self._stop.set()
        if self._task is None:
            return
        _done, pending = await asyncio.wait({self._task}, timeout=grace_seconds)
        if pending:
            log.warning("job %s still running after %ss; cancelled", self.name, grace_seconds)
            self._task.cancel()
            await asyncio.wait({self._task})

    async def _loop(self) -> None:
        while not self._stop.is_set():
            # Waiting on the stop event, not sleeping: stop() ends the wait at once.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._interval)
            if self._stop.is_set():
                return
            try:
                await self._job()
            except Exception:
                # A failed run (the database briefly away) is logged and tried again at the next tick: the job is
                # idempotent, so nothing is lost by waiting.
                log.exception("job %s failed; retrying at the next run", self.name)


@dataclass
class PortfolioRuntime(ServiceRuntime):
    """A `ServiceRuntime` that also runs periodic jobs."""

    jobs: list[PeriodicJob] = field(default_factory=list)
    # The use cases' dependencies (tests run the jobs' use cases through it directly).
    context: PortfolioContext | None = None

    async def start(self) -> None:
        await super().start()
        for job in self.jobs:
            job.start()

    async def stop(self) -> None:
        for job in self.jobs:
            await job.stop(self.settings.shutdown_grace_seconds)
        await super().stop()
