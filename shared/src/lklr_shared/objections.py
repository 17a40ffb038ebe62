"""Objection (bezwaar, Awb) against a decision of the register: the deadlines and the steps, as pure rules.

Shared by every service that takes decisions someone can object to (the registry about people, accreditation about
providers' courses), so both run one flow with the same clock. The objector may object within a number of weeks of
the decision (configurable per decision: the scheme's window). The office acknowledges receipt, may invite the
objector to a hearing, and decides within a number of weeks of receipt (default 6), which it may extend once
(default by 6 weeks). The decision upholds the objection or not, always with reasons. Every deadline is "on or
before the day", in the register's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "OPEN_STATES",
    "ObjectionOutcome",
    "ObjectionRefused",
    "ObjectionState",
    "ObjectionTerms",
    "check_acknowledge",
    "check_decision",
    "check_extension",
    "check_hearing",
    "check_reasons",
    "check_timely",
    "decision_deadline",
    "filing_deadline",
]


class ObjectionState(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    HEARING_SCHEDULED = "hearing_scheduled"
    DECIDED = "decided"


class ObjectionOutcome(StrEnum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"


OPEN_STATES = frozenset({ObjectionState.RECEIVED, ObjectionState.ACKNOWLEDGED, ObjectionState.HEARING_SCHEDULED})


class ObjectionRefused(ValueError):
    """A step the rules do not allow; ``code`` is the stable error code, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ObjectionTerms:
    """The register's configuration for objections (weeks)."""

    filing_weeks: int = 6
    decision_weeks: int = 6
    extension_weeks: int = 6

    def __post_init__(self) -> None:
        if min(self.filing_weeks, self.decision_weeks, self.extension_weeks) < 1:
            raise ValueError("objection terms are whole weeks, at least 1")


def filing_deadline(decided_on: date, terms: ObjectionTerms) -> date:
    """The last day an objection against a decision of ``decided_on`` may be filed (6 weeks by default)."""
    return decided_on + timedelta(weeks=terms.filing_weeks)


def check_timely(decided_on: date, filed_on: date, terms: ObjectionTerms) -> None:
    """Raise ObjectionRefused ``objection_late`` (with the deadline) when filed after the filing deadline, and
    ``objection_premature`` for a filing day before the decision (a clock or data error)."""
    if filed_on < decided_on:
        raise ObjectionRefused("objection_premature", f"The decision of {decided_on.isoformat()} is not taken yet.")
    deadline = filing_deadline(decided_on, terms)
    if filed_on > deadline:
        raise ObjectionRefused(
            "objection_late",
            f"An objection against the decision of {decided_on.isoformat()} had to be filed by "
            f"{deadline.isoformat()} ({terms.filing_weeks} weeks); it was filed on {filed_on.isoformat()}.",
        )


def decision_deadline(received_on: date, terms: ObjectionTerms, *, extended: bool) -> date:
    """The day by which the office decides: ``decision_weeks`` after receipt, plus the one extension if taken."""
    weeks = terms.decision_weeks + (terms.extension_weeks if extended else 0)
    return received_on + timedelta(weeks=weeks)


def check_reasons(reasons: str, *, minimum: int = 10, maximum: int = 10_000) -> str:
    """The reasons, stripped; an objection and its decision always state them (Awb 6:5 and 7:12)."""
    text = reasons.strip()
    if len(text) < minimum:
        raise ObjectionRefused("reasons_required", f"State the reasons (at least {minimum} characters).")
    if len(text) > maximum:
        raise ObjectionRefused("reasons_too_long", f"The reasons may be at most {maximum} characters.")
    return text


def check_acknowledge(state: ObjectionState) -> None:
    """Receipt is acknowledged once, before anything else happens."""
    if state is not ObjectionState.RECEIVED:
        raise ObjectionRefused("already_acknowledged", f"The objection is {state.value}; receipt was acknowledged.")


def check_hearing(state: ObjectionState, hearing_on: date, today: date, deadline: date) -> None:
    """A hearing is for an open objection, on a day from today up to the decision deadline."""
    if state not in OPEN_STATES:
        raise ObjectionRefused("objection_decided", "The objection has been decided.")
    if hearing_on < today:
        raise ObjectionRefused("hearing_in_past", "A hearing cannot be held on a day that has passed.")
    if hearing_on > deadline:
        raise ObjectionRefused(
            "hearing_after_deadline", f"The hearing must be on or before the decision deadline {deadline.isoformat()}."
        )


def check_extension(state: ObjectionState, *, extended: bool) -> None:
    """The decision term may be extended once, while the objection is open."""
    if state not in OPEN_STATES:
        raise ObjectionRefused("objection_decided", "The objection has been decided.")
    if extended:
        raise ObjectionRefused("already_extended", "The decision term can be extended only once.")


def check_decision(state: ObjectionState) -> None:
    """An objection is decided once."""
    if state not in OPEN_STATES:
        raise ObjectionRefused("objection_decided", "The objection has been decided.")


# Where an objection's steps stand: the fields every objection view (a person's and a provider's) reads from its
# stored row under the same names.
STEP_FIELDS: Final[tuple[str, ...]] = (
    "original_decision_due_on",
    "decision_due_on",
    "extended",
    "extension_reason",
    "outcome",
    "decision_reasons",
    "objection_decided_on",
)


def step_fields(row: Any) -> dict[str, Any]:
    """The step fields (``STEP_FIELDS``) of a stored objection row, for building its view."""
    return {name: getattr(row, name) for name in STEP_FIELDS}
