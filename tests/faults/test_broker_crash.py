"""The RabbitMQ node killed with SIGKILL and started again while providers post attendance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fault_rig import fault_rig
from tests.support.fault_stream import check_nothing_lost, resume_after_fault, start_post_stream

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]


async def test_a_broker_killed_mid_stream_and_restarted_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    async with fault_rig(tmp_path) as rig:
        stream = await start_post_stream(rig, editions=6, posts=2)

        await rig.rabbit.kill()
        await rig.rabbit.start()  # the same node with its data: durable quorum queues and persistent messages
        await resume_after_fault(rig, stream)

        report = await check_nothing_lost(rig)
        assert report.posts_ok >= 4
