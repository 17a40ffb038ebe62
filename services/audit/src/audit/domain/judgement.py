"""A reviewer's judgement of one sampled activity against the quality criteria.

A judgement is approved, rejected (with a reason) or "more information needed" (with the question and the date
by which the professional must answer). Only approved and rejected are final; a request for information is
followed by a new, final judgement once the professional answers or the deadline passes. Judgements are values:
a revision is a new judgement, never an edit of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

EntityId = UUID | str
"""An activity id. A UUID and its canonical string form denote the same id."""

DEFAULT_RESPONSE_DAYS = 21
UNANSWERED_REASON = "The requested information was not provided before the deadline."


class Verdict(StrEnum):
    """The three possible judgements; the values match the ``ActivityJudged`` contract."""

    APPROVED = "approved"
    REJECTED = "rejected"
    MORE_INFORMATION_NEEDED = "more_information_needed"


@dataclass(frozen=True, slots=True)
class Judgement:
    """A judgement of one activity.

    ``reason`` is the rejection reason, the question to the professional, or an optional note on an approval.
    ``information_deadline`` is set exactly when more information is needed.
    """

    activity_id: EntityId
    verdict: Verdict
    judged_on: date
    reason: str = ""
    information_deadline: date | None = None

    def __post_init__(self) -> None:
        if self.verdict is Verdict.REJECTED and not self.reason.strip():
            raise ValueError("a rejection needs a reason")
        if self.verdict is Verdict.MORE_INFORMATION_NEEDED:
            # Asking for "more information" without saying which leaves the professional unable to answer.
            if not self.reason.strip():
                raise ValueError("a request for more information must say what is needed")
            if self.information_deadline is None:
                raise ValueError("a request for more information needs a deadline")
            if self.information_deadline < self.judged_on:
                raise ValueError("the information deadline lies before the request")
        elif self.information_deadline is not None:
            raise ValueError("only a request for more information has a deadline")

    @property
    def is_final(self) -> bool:
        """Whether this judgement settles the activity (approved or rejected)."""
        return self.verdict is not Verdict.MORE_INFORMATION_NEEDED


def information_deadline(asked_on: date, response_days: int = DEFAULT_RESPONSE_DAYS) -> date:
    """Return the last day on which the professional may answer a request made on ``asked_on``."""
    if response_days < 1:
        raise ValueError(f"response_days must be at least 1, got {response_days}")
    return asked_on + timedelta(days=response_days)


def approve(activity_id: EntityId, judged_on: date, note: str = "") -> Judgement:
    """Approve an activity: it meets the quality criteria."""
    return Judgement(activity_id=activity_id, verdict=Verdict.APPROVED, judged_on=judged_on, reason=note)


def reject(activity_id: EntityId, judged_on: date, reason: str) -> Judgement:
    """Reject an activity; ``reason`` is required and is shown to the professional."""
    return Judgement(activity_id=activity_id, verdict=Verdict.REJECTED, judged_on=judged_on, reason=reason)


def ask_more_information(
    activity_id: EntityId,
    asked_on: date,
    question: str,
    response_days: int = DEFAULT_RESPONSE_DAYS,
) -> Judgement:
    """Ask the professional for more information; the answer is due ``response_days`` after ``asked_on``."""
    return Judgement(
        activity_id=activity_id,
        verdict=Verdict.MORE_INFORMATION_NEEDED,
        judged_on=asked_on,
        reason=question,
        information_deadline=information_deadline(asked_on, response_days),
    )


def is_overdue(judgement: Judgement, today: date) -> bool:
    """Return whether a request for more information went unanswered past its deadline (the deadline day counts)."""
    return judgement.information_deadline is not None and today > judgement.information_deadline


def reject_unanswered(judgement: Judgement, today: date) -> Judgement:
    """Turn an overdue, unanswered request for information into a rejection dated ``today``.

    Without the information the activity cannot be shown to meet the criteria, so the request lapses into a
    rejection rather than staying open and blocking the dossier's outcome. Raises ``ValueError`` when the
    judgement is not an overdue request.
    """
    if not is_overdue(judgement, today):
        raise ValueError(f"activity {judgement.activity_id} has no overdue request for information")
    return reject(judgement.activity_id, today, UNANSWERED_REASON)
