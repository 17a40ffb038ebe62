"""Frozen dossiers in, sampling decisions and outcomes out: seeded, recorded, once per dossier, assigned evenly."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

import pytest

from audit.domain.sampling import DossierForSampling, SamplingPolicy, decide_sampling
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.envelope import wrap
from tests.support.waiting import wait_for

from .conftest import AuditStarter, dossier, ids

pytestmark = [pytest.mark.integration]


async def test_unsampled_dossiers_whose_norm_holds_are_met_at_once(start_audit: AuditStarter) -> None:
    async with start_audit(share="0.0") as audit:
        dossiers = [dossier(applied_on=audit.today) for _ in range(20)]
        for event in dossiers:
            await audit.publish(event)
        await wait_for(lambda: len(audit.events.of(contracts.AuditConcluded)) >= 20, message="20 outcomes")

        sampled = audit.events.of(contracts.DossierSampled)
        concluded = audit.events.of(contracts.AuditConcluded)
        seeds = await audit.rows("SELECT year, seed FROM sampling_seeds")

    assert sorted(ids(sampled)) == sorted(ids(concluded)) == sorted(d.dossier_id for d in dossiers)
    assert {e.sampled for e in sampled} == {False}
    assert {(e.outcome, e.round, e.sampled, e.concluded_on) for e in concluded} == {("met", 1, False, audit.today)}
    assert [year for year, _seed in seeds] == [audit.today.year]
    assert {e.seed for e in sampled} == {seeds[0][1]}


async def test_a_dossier_is_sampled_once_however_often_it_arrives(start_audit: AuditStarter) -> None:
    async with start_audit(share="0.0") as audit:
        event = dossier(applied_on=audit.today)
        envelope = wrap(event)
        await audit.publish(envelope)
        await audit.publish(envelope)  # a redelivery: same message id
        await audit.publish(event)  # a re-sent event: new message id, same dossier
        marker = dossier(applied_on=audit.today)
        await audit.publish(marker)
        await audit.concluded(marker.dossier_id)
        await audit.concluded(event.dossier_id)

        assert len(audit.events.of(contracts.DossierSampled, lambda e: e.dossier_id == event.dossier_id)) == 1
        assert len(audit.events.of(contracts.AuditConcluded, lambda e: e.dossier_id == event.dossier_id)) == 1
        assert await audit.scalar("SELECT count(*) FROM dossiers WHERE dossier_id = :d", d=event.dossier_id) == 1


async def test_the_recorded_seed_and_draw_reproduce_every_decision(start_audit: AuditStarter) -> None:
    async with start_audit(share="0.5") as audit:
        dossiers = {d.dossier_id: d for d in (dossier(applied_on=audit.today, self_entered=14) for _ in range(40))}
        for event in dossiers.values():
            await audit.publish(event)
        await audit.wait_for_dossiers(40)
        rows = await audit.rows("SELECT dossier_id, seed, draw, sampled FROM dossiers")
        await wait_for(lambda: len(audit.events.of(contracts.DossierSampled)) >= 40, message="40 decisions")
        published = {e.dossier_id: e for e in audit.events.of(contracts.DossierSampled)}

    policy = SamplingPolicy(share=Decimal("0.5"))
    for dossier_id, seed, draw, sampled in rows:
        event = dossiers[dossier_id]
        again = decide_sampling(
            DossierForSampling(
                dossier_id=dossier_id,
                registered_since=event.registered_since,  # type: ignore[arg-type]
                applied_on=audit.today,
                self_entered_activity_ids=[str(a.activity_id) for a in event.activities if a.self_entered],
            ),
            seed,
            policy,
        )
        assert (again.draw, again.sampled) == (draw, sampled)
        assert [str(a) for a in published[dossier_id].activity_ids] == [str(a) for a in again.activity_ids]
        assert len(again.activity_ids) == (10 if sampled else 0)  # at most 10 of the 14, chosen by the seed
    assert 0 < sum(1 for *_, sampled in rows if sampled) < 40


async def test_sampled_dossiers_are_assigned_evenly_and_never_to_a_conflicted_reviewer(
    start_audit: AuditStarter,
) -> None:
    async with start_audit(share="1.0") as audit:
        own_person = uuid.uuid4()
        reviewers = {
            await audit.reviewer("gemeente-a", person_id=own_person): "gemeente-a",
            await audit.reviewer("gemeente-b"): "gemeente-b",
            await audit.reviewer("gemeente-c"): "gemeente-c",
            await audit.reviewer("gemeente-d"): "gemeente-d",
        }
        employers = ["gemeente-a", "gemeente-b", "gemeente-c", "gemeente-e"]
        dossiers = [dossier(applied_on=audit.today, employer_id=employers[i % 4]) for i in range(39)]
        dossiers.append(dossier(applied_on=audit.today, employer_id="gemeente-z", person_id=own_person))
        for event in dossiers:
            await audit.publish(event)
        await wait_for(
            lambda: audit.scalar("SELECT count(*) = 40 FROM review_cases WHERE status = 'open'"),
            message="40 assigned cases",
        )
        cases = await audit.rows(
            "SELECT c.reviewer_id, d.employer_id, d.person_id FROM review_cases c JOIN dossiers d USING (dossier_id)"
        )
        listed = await audit.call(contracts.ListReviewers())

    for reviewer_id, employer_id, person_id in cases:
        assert reviewers[reviewer_id] != employer_id
        assert person_id != own_person or reviewers[reviewer_id] != "gemeente-a"
    loads = Counter(reviewer_id for reviewer_id, *_ in cases)
    # The dossiers arrive in batches whose make-up depends on timing. Within a batch the spread stays within 1
    # (the domain tests show it); across batches a case whose eligible reviewers are all one above the least
    # loaded (who has a conflict) must raise one of them to two above, so the online bound is 2, not 1.
    assert max(loads.values()) - min(loads.values()) <= 2
    assert sorted(r.open_cases for r in listed.reviewers) == sorted(loads.values())
    assert listed.unassigned_cases == 0


async def test_cases_wait_for_an_eligible_reviewer_and_get_one_when_registered(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-a")
        waiting = dossier(applied_on=audit.today, employer_id="gemeente-a")
        await audit.publish(waiting)
        await audit.wait_for_dossiers(1)
        await wait_for(lambda: audit.events.of(contracts.DossierSampled), message="the sampling decision")
        before = await audit.call(contracts.ListReviewers())
        colleague_free = await audit.reviewer("gemeente-b")
        status, reviewer_id = (await audit.rows("SELECT status, reviewer_id FROM review_cases"))[0]

    assert before.unassigned_cases == 1
    assert (status, reviewer_id) == ("open", colleague_free)


async def test_a_sampled_dossier_without_self_entered_work_is_concluded_at_once(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        event = dossier(applied_on=audit.today, self_entered=0, accredited_points="120", extra_points="0")
        # 120 accredited points only: short of the norm (A2) as submitted, with nothing to review.
        await audit.publish(event)
        (concluded,) = await audit.concluded(event.dossier_id)
        (sampled,) = audit.events.of(contracts.DossierSampled)

    assert (sampled.sampled, sampled.activity_ids, sampled.case_id) == (True, [], None)
    assert (concluded.outcome, concluded.sampled) == ("not_met", True)
