"""The timer that runs the registry's scheduled jobs every few seconds (see service_layer/scheduled_jobs.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from registry.service_layer.scheduled_jobs import ScheduledJobs

log = logging.getLogger(__name__)


class JobTimer:
    """Runs the jobs, waits ``interval_seconds``, and again, until stopped.

    A failing run is logged with its traceback and the next run tries again: the jobs are idempotent (what a
    failed page did was rolled back), and a database hiccup must not stop expiry and reminders for good.
    """

    def __init__(self, jobs: ScheduledJobs, interval_seconds: float) -> None:
        self._jobs = jobs
        self._interval = interval_seconds
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self._jobs.run_all()
            except Exception:
                log.exception("scheduled jobs failed; trying again in %ss", self._interval)
            # Waiting on the stop event, not sleeping: stop() ends the wait at once.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._interval)

    def stop(self) -> None:
        """Stop after the run in progress."""
        self._stop.set()
