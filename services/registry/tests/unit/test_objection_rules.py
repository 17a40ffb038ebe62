"""The registry's own objection rules (domain/objections.py): which decisions, overdue, the stored terms, and the
registration an objection keeps in force."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from registry.domain import objections as rules
from registry.domain.cycles import Cycle
from registry.domain.registration_number import issue_number
from registry.domain.registrations import Registration
from registry.domain.reregistration import NOT_GRANTED_REASON, RefusalReason
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

S = RegistrationStatus
NOW = datetime(2030, 1, 10, 12, tzinfo=UTC)


def _lapsed(reason: str | None) -> Registration:
    registered = Registration(
        person_id=uuid4(),
        number=issue_number(7),
        status=S.REGISTERED,
        registered_since=date(2025, 1, 1),
        cycle=Cycle.starting(date(2025, 1, 1)),
    )
    return registered.change_status(S.EXPIRED, at=NOW, by="system", reason=reason)


def test_only_refusals_the_person_can_act_on_are_open_to_objection() -> None:
    assert {RefusalReason.LATE, RefusalReason.NORM_NOT_MET} == rules.OBJECTABLE_REFUSALS
    assert RefusalReason.ALREADY_DECIDED not in rules.OBJECTABLE_REFUSALS


def test_an_open_objection_past_its_decision_deadline_is_overdue_and_a_decided_one_never() -> None:
    due = date(2030, 3, 1)
    assert not rules.is_overdue("received", due, date(2030, 3, 1))
    assert rules.is_overdue("received", due, date(2030, 3, 2))
    assert not rules.is_overdue("decided", due, date(2030, 6, 1))


def test_a_decision_is_open_for_objection_until_its_deadline_unless_objected_to() -> None:
    deadline = date(2030, 3, 24)
    assert rules.open_for_objection(deadline, date(2030, 3, 24), objected=False)
    assert not rules.open_for_objection(deadline, date(2030, 3, 25), objected=False)
    assert not rules.open_for_objection(deadline, date(2030, 3, 1), objected=True)


def test_the_stored_terms_keep_the_decision_weeks_the_objection_was_given() -> None:
    terms = rules.stored_terms(
        filed_on=date(2030, 1, 1), original_decision_due_on=date(2030, 2, 26), filing_weeks=6, extension_weeks=6
    )
    assert (terms.filing_weeks, terms.decision_weeks, terms.extension_weeks) == (6, 8, 6)
    at_least_one = rules.stored_terms(
        filed_on=date(2030, 1, 1), original_decision_due_on=date(2030, 1, 3), filing_weeks=6, extension_weeks=6
    )
    assert at_least_one.decision_weeks == 1


def test_state_refusals_are_conflicts() -> None:
    assert {"already_acknowledged", "already_extended", "objection_decided"} == rules.STATE_CONFLICTS


def test_an_objection_against_the_not_met_audit_keeps_the_registration_it_lapsed() -> None:
    assert rules.lapsed_by_the_refusal(_lapsed(NOT_GRANTED_REASON), rules.DecisionKind.AUDIT_NOT_MET)


def test_nothing_is_kept_for_another_decision_or_a_registration_lapsed_otherwise() -> None:
    assert not rules.lapsed_by_the_refusal(_lapsed(NOT_GRANTED_REASON), rules.DecisionKind.REREGISTRATION_REFUSED)
    assert not rules.lapsed_by_the_refusal(
        _lapsed("cycle ended without a granted re-registration"), rules.DecisionKind.AUDIT_NOT_MET
    )
    assert not rules.lapsed_by_the_refusal(None, rules.DecisionKind.AUDIT_NOT_MET)
