"""The network between the portfolio service and the broker cut for 30 seconds while providers post attendance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.fault_rig import fault_rig
from tests.support.fault_stream import check_nothing_lost, resume_after_fault, start_post_stream

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

CUT_SECONDS = 30


async def test_portfolio_cut_off_from_the_broker_for_30_seconds_catches_up_with_nothing_lost(tmp_path: Path) -> None:
    async with fault_rig(tmp_path, cut_off="portfolio") as rig:
        assert rig.proxy is not None
        stream = await start_post_stream(rig, editions=6, posts=2)

        await rig.proxy.cut()
        # Posts go on meanwhile: accreditation records them; their events wait in the portfolio's queue.
        await asyncio.sleep(CUT_SECONDS)
        await rig.proxy.restore()
        await resume_after_fault(rig, stream)

        await check_nothing_lost(rig)
        assert rig.proxy.connections_refused + rig.proxy.connections_accepted > 1  # the portfolio reconnected
