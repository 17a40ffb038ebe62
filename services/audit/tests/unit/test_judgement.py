"""Per-activity judgements: approved, rejected with a reason, or more information within a deadline."""

from __future__ import annotations

from datetime import date

import pytest

from audit.domain.judgement import (
    UNANSWERED_REASON,
    Judgement,
    Verdict,
    approve,
    ask_more_information,
    information_deadline,
    is_overdue,
    reject,
    reject_unanswered,
)

pytestmark = pytest.mark.unit

ASKED = date(2025, 3, 3)


def test_an_approval_is_final() -> None:
    judgement = approve("a1", ASKED)

    assert judgement.verdict is Verdict.APPROVED
    assert judgement.is_final
    assert judgement.information_deadline is None


def test_a_rejection_is_final_and_keeps_its_reason() -> None:
    judgement = reject("a1", ASKED, "No evidence of attendance.")

    assert judgement.verdict is Verdict.REJECTED
    assert judgement.is_final
    assert judgement.reason == "No evidence of attendance."


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValueError, match="reason"):
        reject("a1", ASKED, reason)


def test_asking_for_more_information_gives_21_days_by_default() -> None:
    judgement = ask_more_information("a1", ASKED, "Please add the certificate.")

    assert judgement.verdict is Verdict.MORE_INFORMATION_NEEDED
    assert not judgement.is_final
    assert judgement.information_deadline == date(2025, 3, 24)


def test_the_response_period_is_configurable() -> None:
    assert ask_more_information("a1", ASKED, "?", response_days=7).information_deadline == date(2025, 3, 10)
    assert information_deadline(date(2024, 12, 20)) == date(2025, 1, 10)


def test_a_request_for_information_must_say_what_is_needed() -> None:
    with pytest.raises(ValueError, match="what is needed"):
        ask_more_information("a1", ASKED, "")


def test_a_response_period_shorter_than_a_day_is_refused() -> None:
    with pytest.raises(ValueError):
        information_deadline(ASKED, 0)


def test_only_a_request_for_information_carries_a_deadline() -> None:
    with pytest.raises(ValueError, match="deadline"):
        Judgement("a1", Verdict.APPROVED, ASKED, information_deadline=date(2025, 4, 1))
    with pytest.raises(ValueError, match="deadline"):
        Judgement("a1", Verdict.MORE_INFORMATION_NEEDED, ASKED, reason="?")


def test_a_request_is_overdue_only_after_its_deadline_day() -> None:
    judgement = ask_more_information("a1", ASKED, "Please add the certificate.")

    assert not is_overdue(judgement, date(2025, 3, 24))
    assert is_overdue(judgement, date(2025, 3, 25))
    assert not is_overdue(approve("a1", ASKED), date(2030, 1, 1))


def test_an_unanswered_request_lapses_into_a_rejection() -> None:
    request = ask_more_information("a1", ASKED, "Please add the certificate.")

    lapsed = reject_unanswered(request, date(2025, 3, 25))

    assert lapsed.verdict is Verdict.REJECTED
    assert lapsed.reason == UNANSWERED_REASON
    assert lapsed.judged_on == date(2025, 3, 25)
    assert lapsed.activity_id == "a1"


def test_a_request_within_its_deadline_cannot_lapse() -> None:
    request = ask_more_information("a1", ASKED, "Please add the certificate.")

    with pytest.raises(ValueError, match="overdue"):
        reject_unanswered(request, date(2025, 3, 24))


def test_verdict_values_match_the_wire_contract() -> None:
    assert {v.value for v in Verdict} == {"approved", "rejected", "more_information_needed"}
