"""Attendance posts: when a provider may post at all, and the verdict on every row.

A post is refused as a whole when the poster may not post for the edition at all (these are the same for every
row). Otherwise every row gets its own verdict, in the order sent; nothing is dropped silently:

1. the registration number: empty or badly shaped → ``malformed_number``; wrong check digit →
   ``mistyped_number`` (a typing error, never placed on whoever owns the typo);
2. the same number earlier in this post → ``duplicate_in_post`` (the first occurrence is judged normally);
3. a number the register never granted → ``unknown_number``;
4. not registered on the completion date (the edition's end date) → ``not_registered_on_date``;
5. hours: not a positive number → ``invalid_hours``; above the course's study load → ``hours_exceed_course``;
   fewer than the study load on a course without partial attendance → ``partial_attendance_not_allowed``.

Rows that pass are *candidates*; the database then says whether each is new (``recorded``) or the person was
already recorded on the edition (``duplicate``), backed by a unique index on (person, edition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final, TypeVar
from uuid import UUID

from accreditation.domain.courses import CourseStatus, accreditation_covers
from accreditation.domain.points import floor_to_half_points, positive_hours
from accreditation.domain.registrations import StatusEntry, is_registered_on
from lklr_shared.errors import RuleViolation
from lklr_shared.registration_numbers import InvalidNumberReason, registration_number_problem
from lklr_shared.scheme import Period, PeriodUnit

# One AttendanceRecorded message and one multi-row INSERT per this many rows: a 5,000-row post is five
# statements and five messages, and each message stays far below the broker's frame and size limits.
BATCH_SIZE: Final = 1_000


_T = TypeVar("_T")


class RowRejection(StrEnum):
    """Why a row was not recorded: stable codes for API results and UI messages."""

    MALFORMED_NUMBER = "malformed_number"
    MISTYPED_NUMBER = "mistyped_number"
    UNKNOWN_NUMBER = "unknown_number"
    NOT_REGISTERED_ON_DATE = "not_registered_on_date"
    DUPLICATE_IN_POST = "duplicate_in_post"
    INVALID_HOURS = "invalid_hours"
    HOURS_EXCEED_COURSE = "hours_exceed_course"
    PARTIAL_ATTENDANCE_NOT_ALLOWED = "partial_attendance_not_allowed"


@dataclass(frozen=True, slots=True)
class CourseTerms:
    """What a row is judged against: the course's study load and points, and whether partial attendance counts."""

    study_load_hours: Decimal
    points: Decimal
    allows_partial_attendance: bool


@dataclass(frozen=True, slots=True)
class Person:
    """A registered person as the local read model knows them."""

    person_id: UUID
    registration_number: str
    history: tuple[StatusEntry, ...]


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row as sent: the number as typed, and hours as given (absent, a number or text)."""

    registration_number: str
    hours: Decimal | str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A row that passed every rule: to be recorded unless the person is already recorded on the edition."""

    index: int
    registration_number: str
    person_id: UUID
    hours: Decimal
    points: Decimal


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that was not recorded, and why."""

    index: int
    registration_number: str
    reason: RowRejection
    message: str


RowVerdict = Candidate | Rejected


def check_post_allowed(
    *,
    course_status: CourseStatus,
    valid_from: date | None,
    valid_until: date | None,
    withdrawn_on: date | None,
    completion_date: date,
    today: date,
    posting_window_months: int,
) -> None:
    """Refuse (422) a post for an edition that cannot take attendance today, whoever is on it.

    - the course was never approved (``course_not_approved``); a withdrawn course still takes posts for
      editions completed before the withdrawal (points earned in good faith stay);
    - the edition has not ended: posting opens the day after its end date (``edition_not_ended``);
    - the posting window closed: it ends ``posting_window_months`` after the end date (``posting_window_closed``);
    - the accreditation did not cover the completion date (``accreditation_not_valid_on_completion_date``).
    """
    if course_status not in (CourseStatus.APPROVED, CourseStatus.WITHDRAWN):
        raise RuleViolation(
            "course_not_approved", f"Attendance can only be posted for an approved course; this one is {course_status}."
        )
    if today <= completion_date:
        raise RuleViolation(
            "edition_not_ended",
            f"The edition ends on {completion_date.isoformat()}; attendance can be posted from the day after.",
        )
    window_end = Period(amount=posting_window_months, unit=PeriodUnit.MONTHS).after(completion_date)
    if today > window_end:
        raise RuleViolation(
            "posting_window_closed",
            f"Attendance for an edition that ended on {completion_date.isoformat()} could be posted until "
            f"{window_end.isoformat()} ({posting_window_months} months).",
        )
    if not accreditation_covers(
        valid_from=valid_from, valid_until=valid_until, withdrawn_on=withdrawn_on, day=completion_date
    ):
        raise RuleViolation(
            "accreditation_not_valid_on_completion_date",
            f"The course's accreditation did not cover the completion date {completion_date.isoformat()}.",
        )


def number_verdict(raw: str) -> tuple[str, None] | tuple[None, tuple[RowRejection, str]]:
    """The normalised number, or why it is not one (``malformed_number`` or ``mistyped_number``).

    A check-digit-correct number the register never issues (sequence 0) is reported as unknown, not malformed:
    it has the right shape, and no person owns it.
    """
    problem = registration_number_problem(raw)
    if problem is None:
        return raw.strip(), None
    if problem.reason is InvalidNumberReason.MISTYPED:
        return None, (RowRejection.MISTYPED_NUMBER, problem.message)
    if problem.reason is InvalidNumberReason.NOT_ISSUED:
        return None, (RowRejection.UNKNOWN_NUMBER, problem.message)
    return None, (RowRejection.MALFORMED_NUMBER, problem.message)


def numbers_to_look_up(rows: Sequence[RawRow]) -> set[str]:
    """The well-formed numbers of a post: what the read model must be asked about, in one go."""
    numbers: set[str] = set()
    for row in rows:
        number, _problem = number_verdict(row.registration_number)
        if number is not None:
            numbers.add(number)
    return numbers


def parse_hours(raw: Decimal | str | None) -> Decimal | None:
    """Hours as given: None when absent (full attendance); raises ValueError when not a usable number.

    Text may use a decimal comma, as Dutch spreadsheets write it ("3,5").
    """
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", ".")
        if not text:
            return None
        try:
            raw = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number of hours") from None
    checked = positive_hours(raw)
    if checked is None:
        raise ValueError(f"{raw} is not a positive number of hours with at most two decimals")
    return checked


def hours_verdict(
    raw: Decimal | str | None, terms: CourseTerms
) -> tuple[Decimal, None] | tuple[None, tuple[RowRejection, str]]:
    """The hours a row earns (the full study load when absent), or why they are not acceptable."""
    try:
        hours = parse_hours(raw)
    except ValueError as exc:
        return None, (RowRejection.INVALID_HOURS, f"Hours must be a positive number with at most two decimals: {exc}.")
    if hours is None:
        return terms.study_load_hours, None
    if hours > terms.study_load_hours:
        return None, (
            RowRejection.HOURS_EXCEED_COURSE,
            f"{hours} hours is more than the course's study load of {terms.study_load_hours} hours.",
        )
    if hours < terms.study_load_hours and not terms.allows_partial_attendance:
        return None, (
            RowRejection.PARTIAL_ATTENDANCE_NOT_ALLOWED,
            f"This course does not allow partial attendance: give the full {terms.study_load_hours} hours or none.",
        )
    return hours, None


def points_for(hours: Decimal, terms: CourseTerms) -> Decimal:
    """The points a row earns: the course's points, in proportion for partial attendance, down to halves."""
    if hours >= terms.study_load_hours:
        return floor_to_half_points(terms.points)
    return floor_to_half_points(terms.points * hours / terms.study_load_hours)


def judge_rows(
    rows: Sequence[RawRow], *, terms: CourseTerms, completion_date: date, people: Mapping[str, Person]
) -> list[RowVerdict]:
    """Judge every row of a post, in order. ``people`` maps the post's well-formed numbers to the people the
    read model knows (numbers it does not know are simply absent)."""
    verdicts: list[RowVerdict] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        verdicts.append(_judge_row(index, row, terms=terms, completion_date=completion_date, people=people, seen=seen))
    return verdicts


def _judge_row(
    index: int,
    row: RawRow,
    *,
    terms: CourseTerms,
    completion_date: date,
    people: Mapping[str, Person],
    seen: set[str],
) -> RowVerdict:
    raw_number = row.registration_number

    def rejected(reason: RowRejection, message: str) -> Rejected:
        return Rejected(index=index, registration_number=raw_number, reason=reason, message=message)

    number, number_problem = number_verdict(raw_number)
    if number is None:
        assert number_problem is not None  # one of the two is always set; narrows the type
        return rejected(*number_problem)
    if number in seen:
        # Later occurrences are refused whatever their hours: which of two rows for one person is right is for
        # the provider to say, not for the register to guess.
        return rejected(
            RowRejection.DUPLICATE_IN_POST, f"{number} appears more than once in this post; only its first row counts."
        )
    seen.add(number)
    person = people.get(number)
    if person is None:
        return rejected(RowRejection.UNKNOWN_NUMBER, f"No registered professional has registration number {number}.")
    if not is_registered_on(person.history, completion_date):
        return rejected(
            RowRejection.NOT_REGISTERED_ON_DATE,
            f"{number} was not registered on the completion date {completion_date.isoformat()}.",
        )
    hours, hours_problem = hours_verdict(row.hours, terms)
    if hours is None:
        assert hours_problem is not None
        return rejected(*hours_problem)
    return Candidate(
        index=index,
        registration_number=number,
        person_id=person.person_id,
        hours=hours,
        points=points_for(hours, terms),
    )


def batches(items: Sequence[_T], size: int = BATCH_SIZE) -> list[Sequence[_T]]:
    """Split ``items`` into consecutive slices of at most ``size``."""
    if size <= 0:
        raise ValueError("batch size must be positive")
    return [items[start : start + size] for start in range(0, len(items), size)]
