"""Attendance rules: when a post is refused as a whole, and the verdict on every row."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accreditation.domain.attendance import (
    BATCH_SIZE,
    Candidate,
    CourseTerms,
    Person,
    RawRow,
    Rejected,
    RowRejection,
    batches,
    check_post_allowed,
    judge_rows,
    numbers_to_look_up,
    parse_hours,
    points_for,
)
from accreditation.domain.courses import CourseStatus
from accreditation.domain.registrations import StatusEntry
from lklr_shared.errors import RuleViolation
from lklr_shared.registration_numbers import registration_number_for

pytestmark = pytest.mark.unit

D = Decimal
END = date(2026, 3, 10)
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _post(**overrides: object) -> None:
    arguments: dict[str, object] = {
        "course_status": CourseStatus.APPROVED,
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2028, 12, 31),
        "withdrawn_on": None,
        "completion_date": END,
        "today": date(2026, 3, 11),
        "posting_window_months": 12,
    }
    arguments.update(overrides)
    check_post_allowed(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"course_status": CourseStatus.SUBMITTED}, "course_not_approved", id="submitted"),
        pytest.param({"course_status": CourseStatus.CHANGES_REQUESTED}, "course_not_approved", id="changes-requested"),
        pytest.param({"course_status": CourseStatus.REJECTED}, "course_not_approved", id="rejected"),
        pytest.param({"today": END}, "edition_not_ended", id="on-the-end-date"),
        pytest.param({"today": date(2026, 3, 1)}, "edition_not_ended", id="before-the-end-date"),
        pytest.param({"today": date(2027, 3, 11)}, "posting_window_closed", id="a-day-after-12-months"),
        pytest.param(
            {"today": date(2026, 4, 11), "posting_window_months": 1}, "posting_window_closed", id="configured-1-month"
        ),
        pytest.param(
            {"valid_from": date(2026, 3, 11)}, "accreditation_not_valid_on_completion_date", id="before-validity"
        ),
        pytest.param(
            {"valid_until": date(2026, 3, 9)}, "accreditation_not_valid_on_completion_date", id="after-validity"
        ),
        pytest.param(
            {"course_status": CourseStatus.WITHDRAWN, "withdrawn_on": END},
            "accreditation_not_valid_on_completion_date",
            id="withdrawn-on-the-completion-date",
        ),
    ],
)
def test_refuses_a_post_the_edition_cannot_take(overrides: dict[str, object], code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        _post(**overrides)
    assert refused.value.code == code
    assert refused.value.message


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="the-day-after-the-end"),
        pytest.param({"today": date(2027, 3, 10)}, id="last-day-of-the-window"),
        pytest.param({"valid_from": END, "valid_until": END}, id="validity-of-one-day"),
        pytest.param(
            {"course_status": CourseStatus.WITHDRAWN, "withdrawn_on": date(2026, 3, 11)},
            id="withdrawn-after-completion-points-earned-in-good-faith-stay",
        ),
    ],
)
def test_accepts_a_post_within_every_rule(overrides: dict[str, object]) -> None:
    _post(**overrides)


TERMS = CourseTerms(study_load_hours=D(8), points=D(8), allows_partial_attendance=True)
FULL_ONLY = CourseTerms(study_load_hours=D(8), points=D(8), allows_partial_attendance=False)
ALICE = registration_number_for(1)
BOB = registration_number_for(2)
LATE = registration_number_for(3)  # registered only after the completion date
LAPSED = registration_number_for(4)  # expired before the completion date
STRANGER = registration_number_for(99)  # valid check digit, unknown to the register


def _person(number: str, *entries: tuple[date, str]) -> Person:
    return Person(
        person_id=uuid.uuid5(uuid.NAMESPACE_OID, number),
        registration_number=number,
        history=tuple(StatusEntry(on, status, AT) for on, status in entries),
    )


PEOPLE = {
    ALICE: _person(ALICE, (date(2022, 1, 1), "registered")),
    BOB: _person(BOB, (date(2020, 1, 1), "registered"), (date(2025, 1, 1), "reregistration_pending")),
    LATE: _person(LATE, (date(2026, 3, 11), "registered")),
    LAPSED: _person(LAPSED, (date(2020, 1, 1), "registered"), (date(2025, 12, 31), "expired")),
}


def _judge(*rows: tuple[str, Decimal | str | None], terms: CourseTerms = TERMS) -> list[Candidate | Rejected]:
    return judge_rows([RawRow(n, h) for n, h in rows], terms=terms, completion_date=END, people=PEOPLE)


def _reason(number: str, hours: Decimal | str | None = None, terms: CourseTerms = TERMS) -> RowRejection:
    (verdict,) = _judge((number, hours), terms=terms)
    assert isinstance(verdict, Rejected), verdict
    assert verdict.message
    return verdict.reason


def _mistype(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("number", "hours", "terms", "reason"),
    [
        pytest.param("", None, TERMS, RowRejection.MALFORMED_NUMBER, id="empty"),
        pytest.param("00000l3", None, TERMS, RowRejection.MALFORMED_NUMBER, id="letter"),
        pytest.param("000013", None, TERMS, RowRejection.MALFORMED_NUMBER, id="too-short"),
        pytest.param(_mistype(ALICE), None, TERMS, RowRejection.MISTYPED_NUMBER, id="wrong-check-digit"),
        pytest.param(
            ALICE[1] + ALICE[0] + ALICE[2:] if ALICE[0] != ALICE[1] else "0000031",
            None,
            TERMS,
            RowRejection.MISTYPED_NUMBER,
            id="swapped-digits",
        ),
        pytest.param("0000000", None, TERMS, RowRejection.UNKNOWN_NUMBER, id="never-issued"),
        pytest.param(STRANGER, None, TERMS, RowRejection.UNKNOWN_NUMBER, id="unknown"),
        pytest.param(LATE, None, TERMS, RowRejection.NOT_REGISTERED_ON_DATE, id="registered-after-completion"),
        pytest.param(LAPSED, None, TERMS, RowRejection.NOT_REGISTERED_ON_DATE, id="expired-before-completion"),
        pytest.param(ALICE, "abc", TERMS, RowRejection.INVALID_HOURS, id="hours-not-a-number"),
        pytest.param(ALICE, D(0), TERMS, RowRejection.INVALID_HOURS, id="zero-hours"),
        pytest.param(ALICE, D(-1), TERMS, RowRejection.INVALID_HOURS, id="negative-hours"),
        pytest.param(ALICE, "1.234", TERMS, RowRejection.INVALID_HOURS, id="three-decimals"),
        pytest.param(ALICE, "NaN", TERMS, RowRejection.INVALID_HOURS, id="not-a-number-text"),
        pytest.param(ALICE, D("8.5"), TERMS, RowRejection.HOURS_EXCEED_COURSE, id="more-than-the-course"),
        pytest.param(ALICE, D(4), FULL_ONLY, RowRejection.PARTIAL_ATTENDANCE_NOT_ALLOWED, id="partial-not-allowed"),
    ],
)
def test_rejects_a_row_with_its_reason(
    number: str, hours: Decimal | str | None, terms: CourseTerms, reason: RowRejection
) -> None:
    assert _reason(number, hours, terms) is reason


def test_a_repeated_number_is_rejected_after_its_first_row_whatever_the_hours() -> None:
    first, second, third = _judge((ALICE, None), (f" {ALICE} ", D(2)), (ALICE, None))
    assert isinstance(first, Candidate)
    assert isinstance(second, Rejected) and second.reason is RowRejection.DUPLICATE_IN_POST
    assert isinstance(third, Rejected) and third.reason is RowRejection.DUPLICATE_IN_POST


@pytest.mark.parametrize(
    ("hours", "terms", "expected_hours", "expected_points"),
    [
        pytest.param(None, TERMS, D(8), D(8), id="absent-means-full"),
        pytest.param(D(8), FULL_ONLY, D(8), D(8), id="full-hours-on-full-only-course"),
        pytest.param("3,5", TERMS, D("3.5"), D("3.5"), id="decimal-comma"),
        pytest.param(D("2.75"), TERMS, D("2.75"), D("2.5"), id="points-rounded-down-to-halves"),
        pytest.param(" ", TERMS, D(8), D(8), id="blank-cell-means-full"),
        pytest.param(
            D(3),
            CourseTerms(study_load_hours=D(6), points=D(4), allows_partial_attendance=True),
            D(3),
            D(2),
            id="proportional-to-committee-points",
        ),
    ],
)
def test_a_valid_row_earns_hours_and_points(
    hours: Decimal | str | None, terms: CourseTerms, expected_hours: Decimal, expected_points: Decimal
) -> None:
    (verdict,) = _judge((ALICE, hours), terms=terms)
    assert isinstance(verdict, Candidate)
    assert (verdict.hours, verdict.points) == (expected_hours, expected_points)
    assert verdict.person_id == PEOPLE[ALICE].person_id


def test_reregistration_pending_counts_as_registered() -> None:
    (verdict,) = _judge((BOB, None))
    assert isinstance(verdict, Candidate)


def test_every_row_gets_a_verdict_in_the_order_sent() -> None:
    rows = [(ALICE, None), ("bad", None), (STRANGER, None), (BOB, D(1)), (ALICE, None)]
    verdicts = _judge(*rows)
    assert [v.index for v in verdicts] == list(range(len(rows)))
    assert [type(v).__name__ for v in verdicts] == ["Candidate", "Rejected", "Rejected", "Candidate", "Rejected"]


def test_only_well_formed_numbers_are_looked_up() -> None:
    rows = [RawRow(ALICE, None), RawRow(" " + BOB, None), RawRow(_mistype(ALICE), None), RawRow("x", None)]
    assert numbers_to_look_up(rows) == {ALICE, BOB}


def test_parse_hours_keeps_absent_as_none() -> None:
    assert parse_hours(None) is None
    assert parse_hours("") is None
    assert parse_hours(D("1.50")) == D("1.50")


def test_points_never_exceed_the_committees_points() -> None:
    assert points_for(D(8), TERMS) == D(8)
    assert points_for(D("7.99"), TERMS) == D("7.5")


def test_batches_split_5000_rows_into_five_of_1000() -> None:
    parts = batches(list(range(5_000)))
    assert [len(part) for part in parts] == [BATCH_SIZE] * 5
    assert [len(part) for part in batches(list(range(2_001)))] == [1_000, 1_000, 1]
    assert batches([]) == []
    with pytest.raises(ValueError):
        batches([1], 0)
