"""The objection deadlines and steps (domain/objections.py): pure rules, no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from lklr_shared.objections import (
    ObjectionRefused,
    ObjectionState,
    ObjectionTerms,
    check_acknowledge,
    check_decision,
    check_extension,
    check_hearing,
    check_reasons,
    check_timely,
    decision_deadline,
    filing_deadline,
)

TERMS = ObjectionTerms()


def test_an_objection_may_be_filed_up_to_and_including_six_weeks_after_the_decision() -> None:
    assert filing_deadline(date(2030, 2, 10), TERMS) == date(2030, 3, 24)
    check_timely(date(2030, 2, 10), date(2030, 2, 10), TERMS)
    check_timely(date(2030, 2, 10), date(2030, 3, 24), TERMS)


def test_a_late_objection_is_refused_with_the_deadline_in_the_reason() -> None:
    with pytest.raises(ObjectionRefused) as refused:
        check_timely(date(2030, 2, 10), date(2030, 3, 25), TERMS)
    assert refused.value.code == "objection_late"
    assert "2030-03-24" in str(refused.value) and "6 weeks" in str(refused.value)


def test_the_filing_window_follows_the_configured_weeks() -> None:
    assert filing_deadline(date(2030, 2, 10), ObjectionTerms(filing_weeks=8)) == date(2030, 4, 7)
    with pytest.raises(ValueError):
        ObjectionTerms(filing_weeks=0)


def test_an_objection_before_its_decision_is_refused() -> None:
    with pytest.raises(ObjectionRefused) as refused:
        check_timely(date(2030, 2, 10), date(2030, 2, 9), TERMS)
    assert refused.value.code == "objection_premature"


def test_the_office_decides_within_six_weeks_of_receipt_or_twelve_after_the_one_extension() -> None:
    assert decision_deadline(date(2030, 2, 20), TERMS, extended=False) == date(2030, 4, 3)
    assert decision_deadline(date(2030, 2, 20), TERMS, extended=True) == date(2030, 5, 15)


def test_the_term_is_extended_once_and_only_while_open() -> None:
    check_extension(ObjectionState.ACKNOWLEDGED, extended=False)
    with pytest.raises(ObjectionRefused) as twice:
        check_extension(ObjectionState.ACKNOWLEDGED, extended=True)
    assert twice.value.code == "already_extended"
    with pytest.raises(ObjectionRefused) as decided:
        check_extension(ObjectionState.DECIDED, extended=False)
    assert decided.value.code == "objection_decided"


def test_receipt_is_acknowledged_once() -> None:
    check_acknowledge(ObjectionState.RECEIVED)
    with pytest.raises(ObjectionRefused):
        check_acknowledge(ObjectionState.ACKNOWLEDGED)


def test_a_hearing_is_between_today_and_the_decision_deadline() -> None:
    check_hearing(ObjectionState.ACKNOWLEDGED, date(2030, 3, 1), date(2030, 2, 25), date(2030, 4, 3))
    with pytest.raises(ObjectionRefused) as past:
        check_hearing(ObjectionState.ACKNOWLEDGED, date(2030, 2, 24), date(2030, 2, 25), date(2030, 4, 3))
    assert past.value.code == "hearing_in_past"
    with pytest.raises(ObjectionRefused) as late:
        check_hearing(ObjectionState.ACKNOWLEDGED, date(2030, 4, 4), date(2030, 2, 25), date(2030, 4, 3))
    assert late.value.code == "hearing_after_deadline"


def test_an_objection_is_decided_once_and_always_with_reasons() -> None:
    check_decision(ObjectionState.HEARING_SCHEDULED)
    with pytest.raises(ObjectionRefused):
        check_decision(ObjectionState.DECIDED)
    with pytest.raises(ObjectionRefused) as blank:
        check_reasons("   kort ")
    assert blank.value.code == "reasons_required"
    assert check_reasons("  De steekproef beoordeelde mijn artikel verkeerd.  ").startswith("De steekproef")
