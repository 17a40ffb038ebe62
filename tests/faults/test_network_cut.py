"""The network between the portfolio service and the broker cut for 30 seconds while providers post attendance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.scale import ACTIVITY_EVERY, CLIENTS, ROWS_PER_POST
from tests.support.fault_rig import fault_rig
from tests.support.ledger_check import check_ledger, settle
from tests.support.load import PostStream

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

CUT_SECONDS = 30


async def test_portfolio_cut_off_from_the_broker_for_30_seconds_catches_up_with_nothing_lost(tmp_path: Path) -> None:
    async with fault_rig(tmp_path, cut_off="portfolio") as rig:
        assert rig.proxy is not None
        scenario = rig.scenario
        await scenario.prepare(people=ROWS_PER_POST, editions=6, professionals=2)
        stream = PostStream(scenario, clients=CLIENTS, rows=ROWS_PER_POST, activity_every=ACTIVITY_EVERY)
        await stream.posts_done(2)

        await rig.proxy.cut()
        # Posts go on meanwhile: accreditation records them; their events wait in the portfolio's queue.
        await asyncio.sleep(CUT_SECONDS)
        await rig.proxy.restore()
        await rig.system.wait_ready()
        answered = len(scenario.ledger.of("post", "ok"))
        await stream.posts_done(answered + 2)
        await stream.stop()

        await settle(rig.system, rig.rabbit)
        report = await check_ledger(rig.system, rig.rabbit, scenario.ledger, published=scenario.published)
        assert not report.problems, report.describe()
        assert report.dead_letters == {}, report.describe()
        assert rig.proxy.connections_refused + rig.proxy.connections_accepted > 1  # the portfolio reconnected
