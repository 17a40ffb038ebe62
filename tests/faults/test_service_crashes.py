"""SIGKILL of each process of the register, one at a time (accreditation twice), while providers post attendance
and professionals enter activities; clients repeat a post under its Idempotency-Key until it is answered."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.fault_rig import FaultRig, fault_rig
from tests.support.fault_stream import ROWS_PER_POST, check_nothing_lost, start_post_stream
from tests.support.load import Request, fetch

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

PROCESSES = ("registry", "portfolio", "audit", "gateway", "accreditation")


async def _post_cut_by_an_accreditation_crash(rig: FaultRig) -> tuple[Request, float]:
    """A post whose processing dies with accreditation, restarted only after the gateway gave the client up.

    Returns the post (its retries resolved) and the moment accreditation was ready again.
    """
    scenario = rig.scenario
    before = len(scenario.ledger.requests)
    posting = asyncio.create_task(scenario.post_attendance(ROWS_PER_POST))

    async def holding_its_key() -> bool:
        rows = await fetch(
            rig.system, "accreditation", "SELECT count(*) FROM idempotency_keys WHERE state = 'in_flight'"
        )
        return int(rows[0][0]) > 0

    while not await holding_its_key():
        assert not posting.done(), "the post finished before it could be cut"
        await asyncio.sleep(0.02)
    await rig.system.kill("accreditation")
    request = scenario.ledger.requests[before]
    # The client's first attempt ends without an answer from accreditation (the gateway's timeout) ...
    for _poll in range(600):
        if request.attempts:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the cut post got no answer from the gateway within 120s")
    await rig.system.restart("accreditation")
    ready_at = time.monotonic()
    # ... and its first retry after the restart must get the answer.
    return await posting, ready_at


async def test_each_process_killed_mid_stream_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    async with fault_rig(tmp_path) as rig:
        scenario = rig.scenario
        stream = await start_post_stream(rig, editions=10, posts=1)
        for name in PROCESSES:
            await rig.system.kill(name)
            await rig.system.restart(name)
            await stream.posts_done(len(scenario.ledger.of("post", "ok")) + 1)
        await stream.stop()

        cut, ready_at = await _post_cut_by_an_accreditation_crash(rig)

        await check_nothing_lost(rig)
        assert cut.outcome == "ok", cut
        # The first attempt answered after the restart is the first retry the provider can see an answer to; a retry
        # sent while accreditation was down waits in its queue and is that attempt.
        after_restart = [a for a in cut.attempts if a.ended >= ready_at]
        assert after_restart, cut.attempts
        assert after_restart[0].status == 200, (
            "the first retry answered after accreditation's restart was not a 200: "
            + ", ".join(f"{a.status} after {a.ended - ready_at:.1f}s" for a in after_restart)
        )
