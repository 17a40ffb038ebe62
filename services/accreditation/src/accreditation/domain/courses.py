"""Course accreditation: the statuses a course moves through, who may decide what when, and validity.

Statuses: submitted → (approved | changes_requested | rejected); changes_requested → submitted (revision);
approved → withdrawn. An objection by the provider does not change the status: it opens the course to the
committee again, which answers with a new decision (upholding it) or dismisses it. Every step is kept as
history; nothing is overwritten without a trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from accreditation.domain.points import is_half_point_multiple, positive_hours
from lklr_shared.errors import Conflict, Forbidden, InvalidRequest, RuleViolation
from lklr_shared.objections import ObjectionTerms, filing_deadline
from lklr_shared.scheme import Period, PeriodUnit

MAX_TITLE: Final = 200
MAX_LONG_TEXT: Final = 20_000
MAX_REASON: Final = 4_000
MAX_TRAINERS: Final = 50


class CourseStatus(StrEnum):
    """Where a course stands in accreditation."""

    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class CommitteeDecision(StrEnum):
    """What the committee can decide on a course."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    DISMISS_OBJECTION = "dismiss_objection"
    WITHDRAW = "withdraw"


_S = CourseStatus
_D = CommitteeDecision

# Statuses whose latest decision an objection can be against, and the decisions allowed to answer it.
# Answering an objection against an approval with "changes requested" or "reject" would silently end an
# accreditation that providers and professionals rely on; that is a withdrawal, and must be one explicitly.
_OBJECTABLE: Final = frozenset({_S.APPROVED, _S.CHANGES_REQUESTED, _S.REJECTED})
_ANSWERS_TO_OBJECTION: Final = {
    _S.APPROVED: frozenset({_D.APPROVE, _D.DISMISS_OBJECTION}),
    _S.CHANGES_REQUESTED: frozenset({_D.APPROVE, _D.REQUEST_CHANGES, _D.REJECT, _D.DISMISS_OBJECTION}),
    _S.REJECTED: frozenset({_D.APPROVE, _D.REQUEST_CHANGES, _D.REJECT, _D.DISMISS_OBJECTION}),
}
_STATUS_AFTER: Final = {
    _D.APPROVE: _S.APPROVED,
    _D.REQUEST_CHANGES: _S.CHANGES_REQUESTED,
    _D.REJECT: _S.REJECTED,
    _D.WITHDRAW: _S.WITHDRAWN,
}


def check_decision_allowed(status: CourseStatus, objection_open: bool, decision: CommitteeDecision) -> None:
    """Refuse (409 ``decision_not_allowed``) a committee decision the course's state does not allow."""
    if decision is _D.WITHDRAW:
        allowed = status is _S.APPROVED
    elif decision is _D.DISMISS_OBJECTION:
        allowed = objection_open
    elif status is _S.SUBMITTED:
        allowed = True
    else:
        allowed = objection_open and decision in _ANSWERS_TO_OBJECTION.get(status, frozenset())
    if not allowed:
        state = f"{status.value}{' with an open objection' if objection_open else ''}"
        raise Conflict("decision_not_allowed", f"A course that is {state} cannot get the decision '{decision.value}'.")


def check_decider_independent(decider_provider_id: uuid.UUID | None, course_provider_id: uuid.UUID) -> None:
    """Separation of duties: a committee member who acts for the course's provider does not decide on it
    (403 ``conflict_of_interest``), as the registry keeps the office from its own application and the audit keeps
    reviewers from colleagues' dossiers."""
    if decider_provider_id is not None and decider_provider_id == course_provider_id:
        raise Forbidden(
            "conflict_of_interest",
            "You act for this course's provider, so another committee member decides on it.",
        )


def status_after(status: CourseStatus, decision: CommitteeDecision) -> CourseStatus:
    """The status a course has after an allowed decision (dismissing an objection keeps it)."""
    return _STATUS_AFTER.get(decision, status)


def check_revision_allowed(status: CourseStatus) -> None:
    """Only a course whose changes were requested can be revised (409 ``course_not_revisable``)."""
    if status is not _S.CHANGES_REQUESTED:
        raise Conflict("course_not_revisable", f"Only a course with changes requested can be revised; it is {status}.")


def check_edition_allowed(status: CourseStatus) -> None:
    """Editions can be added unless the course was rejected or withdrawn (409 ``course_closed``)."""
    if status in (_S.REJECTED, _S.WITHDRAWN):
        raise Conflict("course_closed", f"No editions can be added to a course that is {status}.")


def objection_deadline(decided_on: date, objection_weeks: int) -> date:
    """The last day a provider may object to a decision taken on ``decided_on`` (the register's one objection
    flow: the shared rule, with the scheme's window for course decisions)."""
    return filing_deadline(decided_on, ObjectionTerms(filing_weeks=objection_weeks))


def open_objection_window(status: CourseStatus, decided_on: date | None, latest_decision_objected: bool) -> bool:
    """Whether the course's latest decision can still be objected to in principle: an approval, a request for
    changes or a rejection that was taken and not objected to yet (its deadline is shown with the course)."""
    return (
        status in (CourseStatus.APPROVED, CourseStatus.CHANGES_REQUESTED, CourseStatus.REJECTED)
        and decided_on is not None
        and not latest_decision_objected
    )


def check_objection_allowed(
    *,
    status: CourseStatus,
    objection_open: bool,
    latest_decision_objected: bool,
    decided_on: date | None,
    today: date,
    objection_weeks: int,
) -> None:
    """Refuse an objection the rules do not allow: nothing decided yet, already objected to, or too late."""
    if status not in _OBJECTABLE or decided_on is None:
        raise Conflict("nothing_to_object_to", f"There is no decision to object to on a course that is {status}.")
    if objection_open or latest_decision_objected:
        raise Conflict("already_objected", "An objection against this decision was already made.")
    deadline = objection_deadline(decided_on, objection_weeks)
    if today > deadline:
        raise RuleViolation(
            "objection_window_closed",
            f"Objections against the decision of {decided_on.isoformat()} were possible until {deadline.isoformat()}.",
        )


@dataclass(frozen=True, slots=True)
class Validity:
    """The period in which completing the course earns accredited points (both ends inclusive)."""

    valid_from: date
    valid_until: date


def decide_validity(
    *, submitted_on: date, validity_years: int, valid_from: date | None, valid_until: date | None
) -> Validity:
    """The validity of an approval: explicit dates, or by default from the submission day for the scheme's
    number of years (inclusive, so three years from 1 March 2026 run until 28 February 2029)."""
    start = valid_from or submitted_on
    end = valid_until or Period(amount=validity_years, unit=PeriodUnit.YEARS).after(start) - timedelta(days=1)
    if end < start:
        raise InvalidRequest("invalid_validity", "The validity period must end on or after the day it starts.")
    return Validity(start, end)


def check_points(points: Decimal) -> Decimal:
    """Approved points: positive, whole or half points (400 ``invalid_points``)."""
    if not points.is_finite() or points <= 0 or not is_half_point_multiple(points) or points > 10_000:
        raise InvalidRequest(
            "invalid_points", f"Points must be a positive number of whole or half points; got {points}."
        )
    return points.quantize(Decimal("0.01"))


def check_points_deviation(points: Decimal, suggested: Decimal | None, deviation_reason: str | None) -> str | None:
    """Points other than the scheme's suggestion need a reason (422 ``points_deviation_unexplained``).

    The committee may award more or fewer points than the study load gives (a course with much preparation, a
    programme that overlaps another), but never without saying why: the reason is kept with the decision and
    reaches the provider. Returns the cleaned reason, or None when the points follow the scheme.
    """
    reason = " ".join((deviation_reason or "").split())
    if suggested is None or points == suggested:
        return reason or None
    if not reason:
        raise RuleViolation(
            "points_deviation_unexplained",
            f"The scheme gives {suggested} points for this study load; explain why the course gets {points}.",
        )
    if len(reason) > MAX_REASON:
        raise InvalidRequest("invalid_points_deviation_reason", f"At most {MAX_REASON} characters.")
    return reason


def check_study_load_hours(hours: Decimal) -> Decimal:
    """Study load: a positive number of hours with at most two decimals (400 ``invalid_study_load_hours``)."""
    checked = positive_hours(hours)
    if checked is None:
        raise InvalidRequest(
            "invalid_study_load_hours",
            f"The study load must be a positive number of hours (two decimals at most); got {hours}.",
        )
    return checked


def check_edition_dates(start_date: date, end_date: date) -> None:
    """An edition ends on or after the day it starts (400 ``invalid_edition_dates``)."""
    if end_date < start_date:
        raise InvalidRequest(
            "invalid_edition_dates",
            f"An edition cannot end ({end_date.isoformat()}) before it starts ({start_date.isoformat()}).",
        )


def check_trainers(trainers: list[str]) -> list[str]:
    """Trainer names without blanks, at most :data:`MAX_TRAINERS` of them."""
    names = [name.strip() for name in trainers if name.strip()]
    if len(names) > MAX_TRAINERS or any(len(name) > MAX_TITLE for name in names):
        raise InvalidRequest(
            "invalid_trainers", f"At most {MAX_TRAINERS} trainers of at most {MAX_TITLE} characters each."
        )
    return names


def accreditation_covers(
    *, valid_from: date | None, valid_until: date | None, withdrawn_on: date | None, day: date
) -> bool:
    """Whether completing the course on ``day`` earns accredited points.

    A withdrawal counts from ``withdrawn_on``: points earned in good faith before that day stay valid.
    """
    if valid_from is None or valid_until is None:
        return False
    if withdrawn_on is not None and day >= withdrawn_on:
        return False
    return valid_from <= day <= valid_until


def is_in_catalogue(
    *, status: CourseStatus, valid_from: date | None, valid_until: date | None, withdrawn_on: date | None, today: date
) -> bool:
    """Whether the public catalogue lists the course today: approved and valid today."""
    return status is _S.APPROVED and accreditation_covers(
        valid_from=valid_from, valid_until=valid_until, withdrawn_on=withdrawn_on, day=today
    )
