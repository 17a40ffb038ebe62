"""Periodic jobs of a service process: run a job every N seconds until stopped.

Every replica runs them; the jobs lock what they change, so running them in several processes at once is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

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
        self.runs = 0

    def start(self) -> None:
        """Start running the job in the background."""
        self._task = asyncio.create_task(self._loop(), name=f"job-{self.name}")

    async def stop(self, grace_seconds: float = 10.0) -> None:
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
            # A timeout is the normal path: it is time for the next run.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._interval)
            if self._stop.is_set():
                return
            try:
                await self._job()
            except Exception:
                # A failed run (say, the database is briefly away) is logged and retried at the next tick; the
                # jobs are idempotent, so nothing is lost by waiting.
                log.exception("job %s failed; retrying at the next run", self.name)
            self.runs += 1
