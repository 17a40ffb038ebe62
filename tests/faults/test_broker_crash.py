"""The RabbitMQ node killed with SIGKILL and started again while providers post attendance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.scale import ACTIVITY_EVERY, CLIENTS, ROWS_PER_POST
from tests.support.fault_rig import fault_rig
from tests.support.ledger_check import check_ledger, settle
from tests.support.load import PostStream

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]


async def test_a_broker_killed_mid_stream_and_restarted_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    async with fault_rig(tmp_path) as rig:
        scenario = rig.scenario
        await scenario.prepare(people=ROWS_PER_POST, editions=6, professionals=2)
        stream = PostStream(scenario, clients=CLIENTS, rows=ROWS_PER_POST, activity_every=ACTIVITY_EVERY)
        await stream.posts_done(2)

        await rig.rabbit.kill()
        await rig.rabbit.start()  # the same node with its data: durable quorum queues and persistent messages
        await rig.system.wait_ready()
        answered = len(scenario.ledger.of("post", "ok"))
        await stream.posts_done(answered + 2)
        await stream.stop()

        await settle(rig.system, rig.rabbit)
        report = await check_ledger(rig.system, rig.rabbit, scenario.ledger, published=scenario.published)
        assert not report.problems, report.describe()
        assert report.dead_letters == {}, report.describe()
        assert report.posts_ok >= 4
