"""The stream of attendance posts the fault scenarios break, and the check that nothing was lost.

The issue asks for streams of 5,000-row posts. On the 2-core machine the suite runs on (shared with other test
runs), 5,000-row posts would make the whole suite take far longer than its ~8 minutes, so the posts carry 1,000 rows
by default; LKLR_FAULT_ROWS=5000 runs them at full size (the checks are the same at any size).
"""

from __future__ import annotations

import os

from tests.support.fault_rig import FaultRig
from tests.support.ledger_check import LedgerReport, check_ledger, settle
from tests.support.load import PostStream

ROWS_PER_POST = int(os.environ.get("LKLR_FAULT_ROWS", "1000"))
# Each stream runs two provider clients side by side, with a self-entered activity after every few posts.
CLIENTS = 2
ACTIVITY_EVERY = 2


async def start_post_stream(rig: FaultRig, *, editions: int, posts: int) -> PostStream:
    """Prepare the scenario (a post's worth of people, `editions` editions, two professionals), start the
    providers posting, and return once `posts` posts have been answered."""
    await rig.scenario.prepare(people=ROWS_PER_POST, editions=editions, professionals=2)
    stream = PostStream(rig.scenario, clients=CLIENTS, rows=ROWS_PER_POST, activity_every=ACTIVITY_EVERY)
    await stream.posts_done(posts)
    return stream


async def resume_after_fault(rig: FaultRig, stream: PostStream) -> None:
    """Once the fault is over: wait until every process is ready, let two more posts be answered, stop posting."""
    await rig.system.wait_ready()
    answered = len(rig.scenario.ledger.of("post", "ok"))
    await stream.posts_done(answered + 2)
    await stream.stop()


async def check_nothing_lost(rig: FaultRig) -> LedgerReport:
    """Let the queues settle, then check the ledger against every service: nothing lost, nothing applied twice,
    nothing dead-lettered. Returns the report for the scenario's own checks."""
    await settle(rig.system, rig.rabbit)
    report = await check_ledger(rig.system, rig.rabbit, rig.scenario.ledger, published=rig.scenario.published)
    assert not report.problems, report.describe()
    assert report.dead_letters == {}, report.describe()
    return report
