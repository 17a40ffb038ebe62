"""Dossier outcomes: met, returned for correction, or not met."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from audit.domain.judgement import approve, ask_more_information, reject
from audit.domain.outcome import (
    DossierOutcome,
    JudgementsNotFinal,
    NormMinimums,
    PointTotals,
    SampledActivity,
    decide_outcome,
    meets_norm,
    shortfall,
)

pytestmark = pytest.mark.unit

NORM = NormMinimums()
DECIDED = date(2025, 9, 1)


def _totals(total: str, accredited: str, a2: str) -> PointTotals:
    return PointTotals(total=Decimal(total), accredited=Decimal(accredited), a2=Decimal(a2))


def test_the_default_norm_is_160_total_40_accredited_40_a2() -> None:
    assert NormMinimums(Decimal(160), Decimal(40), Decimal(40)) == NORM


def test_an_unsampled_dossier_meeting_the_norm_is_met() -> None:
    decision = decide_outcome(totals=_totals("160", "40", "40"), norm=NORM, decided_on=DECIDED)

    assert decision.outcome is DossierOutcome.MET
    assert decision.correction_deadline is None
    assert decision.shortfall == _totals("0", "0", "0")


def test_an_unsampled_dossier_short_of_the_norm_is_not_met() -> None:
    decision = decide_outcome(totals=_totals("200", "39.5", "60"), norm=NORM, decided_on=DECIDED)

    assert decision.outcome is DossierOutcome.NOT_MET
    assert decision.shortfall == _totals("0", "0.5", "0")


def test_overlapping_tags_count_towards_every_constraint() -> None:
    # 160 points of which 40 are accredited A2 points: both minimums of 40 are met by the same points.
    assert meets_norm(_totals("160", "40", "40"), NORM)
    assert shortfall(_totals("150", "30", "45"), NORM) == _totals("10", "10", "0")


def test_a_sampled_dossier_with_all_activities_approved_is_met() -> None:
    activities = [SampledActivity("a1", Decimal(10), a2=True), SampledActivity("a2", Decimal(5))]

    decision = decide_outcome(
        totals=_totals("170", "50", "45"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=activities,
        judgements=[approve("a1", DECIDED), approve("a2", DECIDED)],
    )

    assert decision.outcome is DossierOutcome.MET
    assert decision.rejected_activity_ids == ()


def test_rejections_that_leave_the_norm_intact_still_meet_it() -> None:
    activities = [SampledActivity("a1", Decimal(10), a2=True)]

    decision = decide_outcome(
        totals=_totals("180", "50", "55"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=activities,
        judgements=[reject("a1", DECIDED, "Not relevant to the profession.")],
    )

    assert decision.outcome is DossierOutcome.MET
    assert decision.counted == _totals("170", "50", "45")
    assert decision.rejected_activity_ids == ("a1",)


def test_rejections_that_drop_it_below_the_norm_return_it_for_correction_with_eight_weeks() -> None:
    activities = [SampledActivity("a1", Decimal(10), a2=True), SampledActivity("a2", Decimal(5), a2=True)]

    decision = decide_outcome(
        totals=_totals("165", "40", "45"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=activities,
        judgements=[reject("a1", DECIDED, "No evidence."), approve("a2", DECIDED)],
    )

    assert decision.outcome is DossierOutcome.RETURNED_FOR_CORRECTION
    assert decision.correction_deadline == date(2025, 10, 27)
    assert decision.counted == _totals("155", "40", "35")
    assert decision.shortfall == _totals("5", "0", "5")


def test_a_rejected_accredited_activity_is_taken_out_of_the_accredited_points_too() -> None:
    # An approved teaching claim is accredited A2; if the audit rejects it, it leaves all three totals.
    activities = [SampledActivity("teach", Decimal(8), accredited=True, a2=True)]

    decision = decide_outcome(
        totals=_totals("170", "44", "44"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=activities,
        judgements=[reject("teach", DECIDED, "Not given.")],
    )

    assert decision.counted == _totals("162", "36", "36")
    assert decision.outcome is DossierOutcome.RETURNED_FOR_CORRECTION


def test_the_correction_period_is_configurable() -> None:
    decision = decide_outcome(
        totals=_totals("160", "40", "40"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=[SampledActivity("a1", Decimal(1))],
        judgements=[reject("a1", DECIDED, "No evidence.")],
        correction_weeks=4,
    )

    assert decision.correction_deadline == date(2025, 9, 29)


def test_a_failed_correction_is_not_met() -> None:
    decision = decide_outcome(
        totals=_totals("162", "40", "40"),  # the professional added 2 points, 10 were rejected
        norm=NORM,
        decided_on=date(2025, 10, 28),
        sampled_activities=[SampledActivity("a1", Decimal(10))],
        judgements=[reject("a1", DECIDED, "No evidence.")],
        after_correction=True,
    )

    assert decision.outcome is DossierOutcome.NOT_MET
    assert decision.correction_deadline is None
    assert decision.shortfall == _totals("8", "0", "0")


def test_a_successful_correction_is_met() -> None:
    decision = decide_outcome(
        totals=_totals("172", "40", "40"),
        norm=NORM,
        decided_on=date(2025, 10, 28),
        sampled_activities=[SampledActivity("a1", Decimal(10))],
        judgements=[reject("a1", DECIDED, "No evidence.")],
        after_correction=True,
    )

    assert decision.outcome is DossierOutcome.MET


def test_a_sampled_dossier_short_of_the_norm_as_submitted_is_not_met_rather_than_returned() -> None:
    decision = decide_outcome(
        totals=_totals("150", "40", "40"),
        norm=NORM,
        decided_on=DECIDED,
        sampled_activities=[SampledActivity("a1", Decimal(5))],
        judgements=[reject("a1", DECIDED, "No evidence.")],
    )

    assert decision.outcome is DossierOutcome.NOT_MET


def test_a_dossier_cannot_be_concluded_while_information_is_awaited() -> None:
    activities = [SampledActivity("a1", Decimal(5)), SampledActivity("a2", Decimal(5))]

    with pytest.raises(JudgementsNotFinal) as raised:
        decide_outcome(
            totals=_totals("160", "40", "40"),
            norm=NORM,
            decided_on=DECIDED,
            sampled_activities=activities,
            judgements=[approve("a1", DECIDED), ask_more_information("a2", DECIDED, "Certificate?")],
        )
    assert raised.value.pending_activity_ids == ("a2",)


def test_a_dossier_cannot_be_concluded_while_a_sampled_activity_is_unjudged() -> None:
    with pytest.raises(JudgementsNotFinal):
        decide_outcome(
            totals=_totals("160", "40", "40"),
            norm=NORM,
            decided_on=DECIDED,
            sampled_activities=[SampledActivity("a1", Decimal(5))],
        )


def test_a_judgement_for_an_activity_outside_the_sample_is_refused() -> None:
    with pytest.raises(ValueError, match="not sampled"):
        decide_outcome(
            totals=_totals("160", "40", "40"),
            norm=NORM,
            decided_on=DECIDED,
            sampled_activities=[SampledActivity("a1", Decimal(5))],
            judgements=[approve("a1", DECIDED), approve("zz", DECIDED)],
        )


def test_two_judgements_for_one_activity_are_refused() -> None:
    with pytest.raises(ValueError, match="more than one"):
        decide_outcome(
            totals=_totals("160", "40", "40"),
            norm=NORM,
            decided_on=DECIDED,
            sampled_activities=[SampledActivity("a1", Decimal(5))],
            judgements=[approve("a1", DECIDED), reject("a1", DECIDED, "No.")],
        )


def test_outcome_values_match_the_wire_contract() -> None:
    assert {o.value for o in DossierOutcome} == {"met", "returned_for_correction", "not_met"}
