"""PostgreSQL stopped for 60 seconds and started again while providers post attendance.

The services stay up and say they are not ready (the gateway's /readyz, which pings every service, answers 503);
when the database is back they recover by themselves: messages whose handling failed during the outage are retried
after a growing delay (not dead-lettered), so everything is applied without anyone replaying dead letters.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.support.fault_rig import fault_rig
from tests.support.fault_stream import check_nothing_lost, resume_after_fault, start_post_stream

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

OUTAGE_SECONDS = 60


async def test_a_60_second_database_outage_ends_with_everything_applied_and_no_dead_letters(tmp_path: Path) -> None:
    async with fault_rig(tmp_path) as rig:
        stream = await start_post_stream(rig, editions=6, posts=2)

        await rig.postgres.stop()
        stopped = time.monotonic()
        readiness: list[int | None] = []
        async with httpx.AsyncClient(base_url=rig.system.gateway_url, timeout=10) as probe:
            while time.monotonic() - stopped < OUTAGE_SECONDS:
                try:
                    readiness.append((await probe.get("/readyz")).status_code)
                except httpx.TransportError:
                    readiness.append(None)
                await asyncio.sleep(2)
        await rig.postgres.start()
        await rig.system.wait_ready()
        # Every process lived through the outage: none exited, none was restarted.
        assert [name for name, p in rig.system.processes.items() if p.returncode is not None] == []
        assert 503 in readiness, readiness
        await resume_after_fault(rig, stream)

        await check_nothing_lost(rig)
