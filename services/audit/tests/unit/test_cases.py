"""A case's state from its history: the current judgement, open and overdue questions, expired corrections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audit.domain.cases import (
    RESUBMISSION_GRACE_DAYS,
    RecordedJudgement,
    all_final,
    audit_year,
    correction_expired,
    current_judgements,
    final_judgements,
    norm_minimums,
    open_requests,
    overdue_unanswered,
    resubmitted_in_time,
    sampling_policy,
)
from audit.domain.judgement import approve, ask_more_information, reject
from lklr_shared.scheme import AuditRules, NormRules

pytestmark = pytest.mark.unit

ASKED = date(2026, 3, 2)


def test_the_latest_judgement_of_an_activity_is_the_current_one_whatever_the_order() -> None:
    history = [
        RecordedJudgement(2, approve("a", ASKED + timedelta(days=3))),
        RecordedJudgement(1, ask_more_information("a", ASKED, "Welk vakblad?")),
        RecordedJudgement(1, reject("b", ASKED, "Geen bewijs.")),
    ]

    current = current_judgements(history)

    assert {key: r.sequence for key, r in current.items()} == {"a": 2, "b": 1}
    assert all_final(["a", "b"], current)
    assert not all_final(["a", "b", "c"], current)
    assert sorted(str(j.activity_id) for j in final_judgements(current)) == ["a", "b"]


def test_an_unanswered_question_is_overdue_only_after_its_deadline_day() -> None:
    question = RecordedJudgement(1, ask_more_information("a", ASKED, "Welk vakblad?"))
    current = current_judgements([question])
    deadline = ASKED + timedelta(days=21)

    assert open_requests(current) == [question]
    assert overdue_unanswered(current, [], deadline) == []
    assert overdue_unanswered(current, [], deadline + timedelta(days=1)) == [question]
    assert not all_final(["a"], current)


def test_an_answer_to_the_question_keeps_it_from_lapsing_but_an_answer_to_an_earlier_one_does_not() -> None:
    first = RecordedJudgement(1, ask_more_information("a", ASKED, "Welk vakblad?"))
    second = RecordedJudgement(2, ask_more_information("a", ASKED + timedelta(days=5), "En het nummer?"))
    late = ASKED + timedelta(days=40)

    assert overdue_unanswered(current_judgements([first, second]), [("a", 2)], late) == []
    assert overdue_unanswered(current_judgements([first, second]), [("a", 1)], late) == [second]


def test_a_correction_expires_after_its_deadline_and_the_grace_for_a_resubmission_in_transit() -> None:
    deadline = date(2026, 5, 1)

    assert not correction_expired(deadline, deadline + timedelta(days=RESUBMISSION_GRACE_DAYS))
    assert correction_expired(deadline, deadline + timedelta(days=RESUBMISSION_GRACE_DAYS + 1))
    assert resubmitted_in_time(deadline, deadline)
    assert not resubmitted_in_time(deadline + timedelta(days=1), deadline)


def test_the_scheme_rules_become_the_domain_policy_and_norm() -> None:
    rules = AuditRules(
        sample_share=Decimal("0.25"),
        max_sampled_activities_per_dossier=7,
        exempt_recently_registered=True,
        recent_registration_years=3,
        more_info_answer_days=21,
        correction_weeks=8,
    )
    norm = NormRules(min_total_points=Decimal(160), min_accredited_points=Decimal(40), min_a2_points=Decimal(40))

    policy = sampling_policy(rules)
    minimums = norm_minimums(norm)

    assert (policy.share, policy.max_activities, policy.exempt_newcomers, policy.newcomer_years) == (
        Decimal("0.25"),
        7,
        True,
        3,
    )
    assert (minimums.total, minimums.accredited, minimums.a2) == (Decimal(160), Decimal(40), Decimal(40))
    assert audit_year(date(2027, 12, 31)) == 2027
