"""Course accreditation: which decision is allowed when, objection windows, validity and points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accreditation.domain.courses import (
    CommitteeDecision,
    CourseStatus,
    accreditation_covers,
    check_decision_allowed,
    check_edition_allowed,
    check_edition_dates,
    check_objection_allowed,
    check_points,
    check_points_deviation,
    check_revision_allowed,
    check_study_load_hours,
    decide_validity,
    is_in_catalogue,
    objection_deadline,
    open_objection_window,
    status_after,
)
from accreditation.domain.text import search_words
from lklr_shared.errors import Conflict, InvalidRequest, RuleViolation

pytestmark = pytest.mark.unit

S = CourseStatus
Dn = CommitteeDecision

ALLOWED = {
    # (status, objection open): decisions allowed
    (S.SUBMITTED, False): {Dn.APPROVE, Dn.REQUEST_CHANGES, Dn.REJECT},
    (S.APPROVED, False): {Dn.WITHDRAW},
    (S.APPROVED, True): {Dn.APPROVE, Dn.DISMISS_OBJECTION, Dn.WITHDRAW},
    (S.CHANGES_REQUESTED, False): set(),
    (S.CHANGES_REQUESTED, True): {Dn.APPROVE, Dn.REQUEST_CHANGES, Dn.REJECT, Dn.DISMISS_OBJECTION},
    (S.REJECTED, False): set(),
    (S.REJECTED, True): {Dn.APPROVE, Dn.REQUEST_CHANGES, Dn.REJECT, Dn.DISMISS_OBJECTION},
    (S.WITHDRAWN, False): set(),
}


@pytest.mark.parametrize(("state", "decision"), [(state, decision) for state in ALLOWED for decision in Dn])
def test_the_committee_may_decide_only_what_the_state_allows(
    state: tuple[CourseStatus, bool], decision: CommitteeDecision
) -> None:
    status, objection_open = state
    if decision in ALLOWED[state]:
        check_decision_allowed(status, objection_open, decision)
    else:
        with pytest.raises(Conflict) as refused:
            check_decision_allowed(status, objection_open, decision)
        assert refused.value.code == "decision_not_allowed"


@pytest.mark.parametrize(
    ("status", "decision", "after"),
    [
        (S.SUBMITTED, Dn.APPROVE, S.APPROVED),
        (S.SUBMITTED, Dn.REQUEST_CHANGES, S.CHANGES_REQUESTED),
        (S.SUBMITTED, Dn.REJECT, S.REJECTED),
        (S.APPROVED, Dn.WITHDRAW, S.WITHDRAWN),
        (S.REJECTED, Dn.DISMISS_OBJECTION, S.REJECTED),
    ],
)
def test_a_decision_moves_the_course_to_its_status(
    status: CourseStatus, decision: CommitteeDecision, after: CourseStatus
) -> None:
    assert status_after(status, decision) is after


def test_only_a_course_with_changes_requested_can_be_revised() -> None:
    check_revision_allowed(S.CHANGES_REQUESTED)
    for status in (S.SUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN):
        with pytest.raises(Conflict):
            check_revision_allowed(status)


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN])
def test_no_editions_on_a_closed_course(status: CourseStatus) -> None:
    with pytest.raises(Conflict) as refused:
        check_edition_allowed(status)
    assert refused.value.code == "course_closed"


def _object(**overrides: object) -> None:
    arguments: dict[str, object] = {
        "status": S.REJECTED,
        "objection_open": False,
        "latest_decision_objected": False,
        "decided_on": date(2026, 1, 5),
        "today": date(2026, 3, 2),
        "objection_weeks": 8,
    }
    arguments.update(overrides)
    check_objection_allowed(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"status": S.SUBMITTED, "decided_on": None}, Conflict, "nothing_to_object_to"),
        ({"status": S.WITHDRAWN}, Conflict, "nothing_to_object_to"),
        ({"objection_open": True}, Conflict, "already_objected"),
        ({"latest_decision_objected": True}, Conflict, "already_objected"),
        ({"today": date(2026, 3, 3)}, RuleViolation, "objection_window_closed"),
    ],
)
def test_refuses_objections_the_rules_do_not_allow(
    overrides: dict[str, object], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as refused:
        _object(**overrides)
    assert getattr(refused.value, "code", None) == code


def test_an_objection_on_the_last_day_of_the_window_is_in_time() -> None:
    assert objection_deadline(date(2026, 1, 5), 8) == date(2026, 3, 2)
    _object()
    _object(status=S.APPROVED)
    _object(status=S.CHANGES_REQUESTED)


def test_validity_defaults_to_the_scheme_years_from_the_submission_day() -> None:
    validity = decide_validity(submitted_on=date(2026, 3, 1), validity_years=3, valid_from=None, valid_until=None)
    assert (validity.valid_from, validity.valid_until) == (date(2026, 3, 1), date(2029, 2, 28))


def test_explicit_validity_wins_and_must_not_end_before_it_starts() -> None:
    validity = decide_validity(
        submitted_on=date(2026, 3, 1), validity_years=3, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31)
    )
    assert (validity.valid_from, validity.valid_until) == (date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(InvalidRequest):
        decide_validity(
            submitted_on=date(2026, 3, 1), validity_years=3, valid_from=date(2026, 1, 2), valid_until=date(2026, 1, 1)
        )


@pytest.mark.parametrize("points", ["0", "-1", "1.25", "NaN", "10001"])
def test_refuses_points_that_are_not_positive_halves(points: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_points(Decimal(points))
    assert refused.value.code == "invalid_points"


def test_accepts_whole_and_half_points() -> None:
    assert check_points(Decimal("7.5")) == Decimal("7.50")
    assert check_points(Decimal(8)) == Decimal(8)


@pytest.mark.parametrize("hours", ["0", "-2", "1.001", "Infinity"])
def test_refuses_a_study_load_that_is_not_a_positive_number_of_hours(hours: str) -> None:
    with pytest.raises(InvalidRequest):
        check_study_load_hours(Decimal(hours))


def test_an_edition_cannot_end_before_it_starts() -> None:
    check_edition_dates(date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidRequest) as refused:
        check_edition_dates(date(2026, 1, 2), date(2026, 1, 1))
    assert refused.value.code == "invalid_edition_dates"


@pytest.mark.parametrize(
    ("day", "withdrawn_on", "covered"),
    [
        (date(2025, 12, 31), None, False),
        (date(2026, 1, 1), None, True),
        (date(2028, 12, 31), None, True),
        (date(2029, 1, 1), None, False),
        (date(2026, 6, 1), date(2026, 6, 2), True),
        (date(2026, 6, 2), date(2026, 6, 2), False),
    ],
)
def test_accreditation_covers_its_validity_until_a_withdrawal(
    day: date, withdrawn_on: date | None, covered: bool
) -> None:
    assert (
        accreditation_covers(
            valid_from=date(2026, 1, 1), valid_until=date(2028, 12, 31), withdrawn_on=withdrawn_on, day=day
        )
        is covered
    )


def test_the_catalogue_lists_only_approved_courses_valid_today() -> None:
    valid = {
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2028, 12, 31),
        "withdrawn_on": None,
        "today": date(2026, 5, 1),
    }
    assert is_in_catalogue(status=S.APPROVED, **valid)  # type: ignore[arg-type]
    assert not is_in_catalogue(status=S.SUBMITTED, **valid)  # type: ignore[arg-type]
    assert not is_in_catalogue(status=S.WITHDRAWN, **valid)  # type: ignore[arg-type]
    assert not is_in_catalogue(status=S.APPROVED, **(valid | {"today": date(2029, 1, 1)}))  # type: ignore[arg-type]


# --- Points against the study load -------------------------------------------------------------------------------


def test_awarding_6_points_for_a_4_hour_course_needs_a_reason() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_points_deviation(Decimal(6), Decimal(4), None)
    assert refused.value.code == "points_deviation_unexplained"
    with pytest.raises(RuleViolation):
        check_points_deviation(Decimal(6), Decimal(4), "   ")
    assert check_points_deviation(Decimal(6), Decimal(4), " Veel  voorbereiding ") == "Veel voorbereiding"
    assert check_points_deviation(Decimal(4), Decimal(4), None) is None


@pytest.mark.parametrize("status", [S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED])
def test_a_decision_taken_and_not_objected_to_has_an_objection_window(status: CourseStatus) -> None:
    assert open_objection_window(status, date(2025, 3, 1), latest_decision_objected=False)


def test_no_objection_window_before_a_decision_after_an_objection_or_for_other_states() -> None:
    assert not open_objection_window(S.APPROVED, None, latest_decision_objected=False)
    assert not open_objection_window(S.APPROVED, date(2025, 3, 1), latest_decision_objected=True)
    assert not open_objection_window(S.SUBMITTED, date(2025, 3, 1), latest_decision_objected=False)
    assert not open_objection_window(S.WITHDRAWN, date(2025, 3, 1), latest_decision_objected=False)


@pytest.mark.parametrize(
    ("typed", "searched"),
    [("verzuim", "verzuim"), ("  \x00;\x0c", ";"), ("ver\x00zuim", "ver zuim"), ("a\tb\x7f", "a b")],
)
def test_catalogue_search_words_treat_control_characters_as_spaces(typed: str, searched: str) -> None:
    assert search_words(typed, max_length=200) == searched


def test_catalogue_search_words_are_bounded() -> None:
    with pytest.raises(InvalidRequest):
        search_words("x" * 201, max_length=200)
