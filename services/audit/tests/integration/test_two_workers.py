"""Two audit workers on one queue and one database: every dossier is handled exactly once, loads stay even."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.envelope import wrap
from tests.support.waiting import wait_for

from .conftest import AuditStarter, dossier

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DOSSIERS = 400


async def test_two_workers_on_one_queue_handle_every_case_exactly_once(start_audit: AuditStarter) -> None:
    # Small batches, so that both workers take many of them and their transactions really interleave.
    async with start_audit(share="0.5", workers=2, event_batch_size=10, event_batch_wait_seconds=0.005) as audit:
        reviewer_employers = {await audit.reviewer(f"gemeente-{name}"): f"gemeente-{name}" for name in "abcde"}
        employers = ["gemeente-a", "gemeente-b", "gemeente-f", "gemeente-g"]
        dossiers = [dossier(applied_on=audit.today, employer_id=employers[i % 4]) for i in range(DOSSIERS)]
        envelopes = [wrap(event) for event in dossiers]
        # Redeliveries (same message id) and re-sent events (new message id) for 40 dossiers, shuffled in.
        rng = random.Random(6)
        deliveries = envelopes + rng.sample(envelopes, 20) + [wrap(e) for e in rng.sample(dossiers, 20)]
        rng.shuffle(deliveries)
        for envelope in deliveries:
            await audit.publish(envelope)

        await audit.wait_for_dossiers(DOSSIERS)
        sampled_count = int(await audit.scalar("SELECT count(*) FROM dossiers WHERE sampled"))
        await wait_for(
            lambda: (
                len(audit.events.of(contracts.DossierSampled)) >= DOSSIERS
                and len(audit.events.of(contracts.AuditConcluded)) >= DOSSIERS - sampled_count
            ),
            timeout=60,
            message="every decision and outcome published",
        )
        rows = await audit.rows("SELECT dossier_id, sampled FROM dossiers")
        cases = await audit.rows(
            "SELECT c.dossier_id, c.reviewer_id, c.status, d.employer_id "
            "FROM review_cases c JOIN dossiers d USING (dossier_id)"
        )
        stats = [runtime.batch_consumer.stats for runtime in audit.runtimes if runtime.batch_consumer]
        sampled_events = Counter(e.dossier_id for e in audit.events.of(contracts.DossierSampled))
        concluded_events = Counter(e.dossier_id for e in audit.events.of(contracts.AuditConcluded))

    assert sorted(dossier_id for dossier_id, _ in rows) == sorted(d.dossier_id for d in dossiers)
    sampled = {dossier_id for dossier_id, is_sampled in rows if is_sampled}
    assert 0 < len(sampled) < DOSSIERS
    # One decision per dossier; an outcome at once for every unsampled one and for no sampled one.
    assert set(sampled_events.values()) == {1} and len(sampled_events) == DOSSIERS
    assert set(concluded_events.values()) == {1}
    assert set(concluded_events) == {d.dossier_id for d in dossiers} - sampled
    # One case per sampled dossier, each assigned once, never to a reviewer of the same employer, loads even.
    assert sorted(dossier_id for dossier_id, *_ in cases) == sorted(sampled)
    assert {status for _, _, status, _ in cases} == {"open"}
    assert all(reviewer_employers[reviewer_id] != employer for _, reviewer_id, _, employer in cases)
    # Within one batch the spread stays within 1; across batches (whose make-up depends on timing) a case whose
    # eligible reviewers all sit one above a conflicted least-loaded reviewer must make one of them two above.
    loads = Counter(reviewer_id for _, reviewer_id, _, _ in cases)
    assert len(loads) == 5 and max(loads.values()) - min(loads.values()) <= 2
    # Both workers took part: the queue really had two competing consumers.
    assert len(stats) == 2 and all(s["applied"] > 0 for s in stats)
    # The 20 redeliveries were recognised by the inbox (the 20 re-sent events by the dossier's natural key).
    assert sum(s["duplicate"] for s in stats) == 20
    assert sum(s["applied"] for s in stats) == DOSSIERS + 20
