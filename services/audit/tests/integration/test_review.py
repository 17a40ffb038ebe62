"""Reviewing a sampled dossier: judgements, questions and answers, deadlines, outcomes, corrections, statistics."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from audit.domain.judgement import UNANSWERED_REASON
from lklr_shared.contracts import audit as contracts
from tests.support.waiting import wait_for

from .conftest import Audit, AuditStarter

pytestmark = [pytest.mark.integration]


async def _judge(
    audit: Audit, case: contracts.CaseView, reviewer_id: uuid.UUID, verdicts: list[str]
) -> contracts.CaseView:
    view = case
    for activity, verdict in zip(case.activities, verdicts, strict=True):
        view = await audit.call(
            contracts.JudgeActivity(
                case_id=case.case_id,
                activity_id=activity.activity_id,
                reviewer_id=reviewer_id,
                verdict=verdict,  # type: ignore[arg-type]
                reason="" if verdict == "approved" else "Geen bewijs van publicatie.",
            )
        )
    return view


async def test_all_approved_is_met_and_each_judgement_is_published(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        cases_before = await audit.call(contracts.ListMyCases(reviewer_id=reviewer_id))
        # One rejection still leaves the norm (10 points of buffer): met.
        final = await _judge(audit, case, reviewer_id, ["rejected", "approved", "approved", "approved", "approved"])
        (concluded,) = await audit.concluded(event.dossier_id)
        judged = await wait_for(
            lambda: len(audit.events.of(contracts.ActivityJudged)) >= 5 and audit.events.of(contracts.ActivityJudged)
        )
        cases_after = await audit.call(contracts.ListMyCases(reviewer_id=reviewer_id, include_closed=True))

    assert [(c.activity_count, c.pending, c.status) for c in cases_before.cases] == [(5, 5, "open")]
    assert (final.status, final.outcome) == ("concluded", "met")
    assert (concluded.outcome, concluded.sampled, concluded.case_id) == ("met", True, case.case_id)
    assert sorted(j.judgement for j in concluded.judgements) == ["approved"] * 4 + ["rejected"]
    assert {j.case_id for j in judged} == {case.case_id}
    assert [(c.status, c.pending, c.outcome) for c in cases_after.cases] == [("concluded", 0, "met")]


async def test_only_the_assigned_reviewer_sees_and_judges_a_case(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        _event, case, reviewer_id = await audit.sampled_case()
        activity_id = case.activities[0].activity_id
        other = uuid.uuid4()

        not_assigned = await audit.refusal(contracts.GetCase(case_id=case.case_id, reviewer_id=other))
        unknown = await audit.refusal(contracts.GetCase(case_id=uuid.uuid4(), reviewer_id=reviewer_id))
        no_reason = await audit.refusal(
            contracts.JudgeActivity(
                case_id=case.case_id, activity_id=activity_id, reviewer_id=reviewer_id, verdict="rejected"
            )
        )
        no_question = await audit.refusal(
            contracts.JudgeActivity(
                case_id=case.case_id,
                activity_id=activity_id,
                reviewer_id=reviewer_id,
                verdict="more_information_needed",
            )
        )
        not_sampled = await audit.refusal(
            contracts.JudgeActivity(
                case_id=case.case_id, activity_id=uuid.uuid4(), reviewer_id=reviewer_id, verdict="approved"
            )
        )
        foreign = await audit.refusal(
            contracts.JudgeActivity(
                case_id=case.case_id, activity_id=activity_id, reviewer_id=other, verdict="approved"
            )
        )
        await _judge(audit, case, reviewer_id, ["approved"] * 5)
        closed = await audit.refusal(
            contracts.JudgeActivity(
                case_id=case.case_id, activity_id=activity_id, reviewer_id=reviewer_id, verdict="approved"
            )
        )

    assert (not_assigned.status, not_assigned.code) == (403, "not_assigned")
    assert (unknown.status, unknown.code) == (404, "case_not_found")
    assert (no_reason.status, no_reason.code) == (422, "reason_required")
    assert (no_question.status, no_question.code) == (422, "question_required")
    assert (not_sampled.status, not_sampled.code) == (404, "activity_not_in_case")
    assert (foreign.status, foreign.code) == (403, "not_assigned")
    assert (closed.status, closed.code) == (409, "case_not_open")


async def test_returned_for_correction_then_corrected_is_met(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        reviewer = await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        assert reviewer_id == reviewer
        # Two rejections (20 points) take the dossier 10 points below the norm: returned for correction.
        await _judge(audit, case, reviewer_id, ["rejected", "rejected", "approved", "approved", "approved"])
        (returned,) = await audit.concluded(event.dossier_id)
        loads_while_returned = await audit.call(contracts.ListReviewers())

        # The portfolio resubmits round 2: the rejected activities out, 20 points of new work in.
        rejected = {j.activity_id for j in returned.judgements if j.judgement == "rejected"}
        corrected = event.model_copy(
            update={
                "round": 2,
                "applied_on": audit.today + timedelta(days=10),
                "activities": [a for a in event.activities if a.activity_id not in rejected],
                "total_points": event.total_points,
                "a2_points": event.a2_points,
            }
        )
        audit.clock.advance(timedelta(days=10))
        await audit.publish(corrected)
        met = (await audit.concluded(event.dossier_id, count=2))[1]
        statistics = await audit.call(contracts.GetAuditStatistics(year=audit.today.year))

    assert returned.outcome == "returned_for_correction"
    assert returned.correction_deadline == returned.concluded_on + timedelta(weeks=8)
    assert [r.open_cases for r in loads_while_returned.reviewers] == [0]
    assert (met.outcome, met.round, met.case_id) == ("met", 2, case.case_id)
    assert [(y.dossiers, y.sampled, y.met, y.returned, y.not_met, y.in_progress) for y in statistics.years] == [
        (1, 1, 1, 1, 0, 0)
    ]


async def test_a_correction_still_short_of_the_norm_is_not_met(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        await _judge(audit, case, reviewer_id, ["rejected", "rejected", "approved", "approved", "approved"])
        await audit.concluded(event.dossier_id)
        short = event.model_copy(
            update={"round": 2, "total_points": event.total_points - 20, "a2_points": event.a2_points - 20}
        )
        await audit.publish(short)
        not_met = (await audit.concluded(event.dossier_id, count=2))[1]

    assert (not_met.outcome, not_met.round) == ("not_met", 2)


async def test_a_returned_dossier_not_resubmitted_in_time_is_not_met(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        await _judge(audit, case, reviewer_id, ["rejected", "rejected", "approved", "approved", "approved"])
        (returned,) = await audit.concluded(event.dossier_id)
        assert returned.correction_deadline is not None

        audit.clock.advance(timedelta(weeks=8, days=1))  # past the deadline, within the grace for mail in transit
        within_grace = await audit.run_deadline_jobs()
        audit.clock.advance(timedelta(days=2))
        after_grace = await audit.run_deadline_jobs()
        again = await audit.run_deadline_jobs()
        not_met = (await audit.concluded(event.dossier_id, count=2))[1]

    assert (within_grace.expired_corrections, after_grace.expired_corrections, again.expired_corrections) == (0, 1, 0)
    assert (not_met.outcome, not_met.round) == ("not_met", 1)


async def test_an_answered_question_is_judged_by_the_reviewer(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        asked = case.activities[0]
        await audit.ask(case, asked.activity_id, reviewer_id, "Stuur de publicatie mee.")
        questions = await audit.call(contracts.ListInformationRequests(person_id=event.person_id))
        stranger = await audit.refusal(
            contracts.AnswerInformationRequest(
                person_id=uuid.uuid4(), case_id=case.case_id, activity_id=asked.activity_id, text="Hier."
            )
        )
        empty = await audit.refusal(
            contracts.AnswerInformationRequest(
                person_id=event.person_id, case_id=case.case_id, activity_id=asked.activity_id
            )
        )
        not_asked = await audit.refusal(
            contracts.AnswerInformationRequest(
                person_id=event.person_id,
                case_id=case.case_id,
                activity_id=case.activities[1].activity_id,
                text="Hier.",
            )
        )
        evidence_id = uuid.uuid4()
        await audit.answer(case, asked.activity_id, event.person_id, "Zie bijlage.", evidence_ids=[evidence_id])
        audit.clock.advance(timedelta(days=30))  # an answered question never lapses by itself
        run = await audit.run_deadline_jobs()
        view = await audit.call(contracts.GetCase(case_id=case.case_id, reviewer_id=reviewer_id))
        answered_questions = await audit.call(contracts.ListInformationRequests(person_id=event.person_id))
        await _judge(audit, view, reviewer_id, ["approved"] * 5)
        (concluded,) = await audit.concluded(event.dossier_id)

    (question,) = questions.requests
    assert (question.question, question.deadline, question.answered) == (
        "Stuur de publicatie mee.",
        question.asked_on + timedelta(days=21),
        False,
    )
    assert (stranger.status, stranger.code) == (404, "case_not_found")
    assert (empty.status, empty.code) == (422, "answer_required")
    assert (not_asked.status, not_asked.code) == (409, "no_open_question")
    assert run.rejected_requests == 0
    first = view.activities[0]
    assert (first.judgement, [a.evidence_ids for a in first.answers]) == ("more_information_needed", [[evidence_id]])
    assert [r.answered for r in answered_questions.requests] == [True]
    assert concluded.outcome == "met"


async def test_an_unanswered_question_becomes_a_rejection_after_its_deadline(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0", deadline_job_interval_seconds=0.2) as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        asked = case.activities[0].activity_id
        await _judge(
            audit, case, reviewer_id, ["more_information_needed", "rejected", "approved", "approved", "approved"]
        )

        audit.clock.advance(timedelta(days=21))  # the deadline day itself still counts
        on_deadline = await audit.run_deadline_jobs()
        audit.clock.advance(timedelta(days=1))
        late = await audit.refusal(
            contracts.AnswerInformationRequest(
                person_id=event.person_id, case_id=case.case_id, activity_id=asked, text="Te laat."
            )
        )
        # The runtime's own periodic job (every 0.2 s here) turns the unanswered question into a rejection; two
        # rejections take the dossier below the norm.
        (concluded,) = await audit.concluded(event.dossier_id)
        view = await audit.call(contracts.GetCase(case_id=case.case_id, reviewer_id=reviewer_id))
        lapsed = await wait_for(
            lambda: audit.events.of(
                contracts.ActivityJudged, lambda e: e.activity_id == asked and e.judgement == "rejected"
            )
        )

    assert on_deadline.rejected_requests == 0
    assert (late.status, late.code) == (409, "deadline_passed")
    assert concluded.outcome == "returned_for_correction"
    assert (view.activities[0].judgement, view.activities[0].reason) == ("rejected", UNANSWERED_REASON)
    assert [e.judged_on for e in lapsed] == [audit.today]
