"""The periodic job runner: runs on its interval, survives a failing run, stops promptly."""

from __future__ import annotations

import asyncio

import pytest

from lklr_shared.kit.periodic import PeriodicJob

pytestmark = pytest.mark.unit


async def test_a_job_runs_every_interval_and_a_failed_run_does_not_stop_it() -> None:
    calls: list[int] = []
    third = asyncio.Event()

    async def job() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the database is briefly away")
        if len(calls) == 3:
            third.set()

    periodic = PeriodicJob("test", job, interval_seconds=0.01)
    periodic.start()
    await asyncio.wait_for(third.wait(), timeout=5)
    await periodic.stop()
    stopped_at = len(calls)
    await asyncio.sleep(0.05)

    assert periodic.runs >= 3
    assert len(calls) == stopped_at  # nothing runs after stop


async def test_stopping_cancels_a_run_that_outlasts_the_grace_period() -> None:
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(60)

    periodic = PeriodicJob("slow", slow, interval_seconds=0.01)
    periodic.start()
    await started.wait()
    await asyncio.wait_for(periodic.stop(grace_seconds=0.05), timeout=5)


def test_an_interval_must_be_positive() -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError):
        PeriodicJob("never", job, interval_seconds=0)
