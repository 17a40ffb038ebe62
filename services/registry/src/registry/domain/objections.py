"""Objection (bezwaar, Awb) against a decision of the register about a person: which decisions, and what an
objection does to the registration. The deadlines and steps are the shared rules (``lklr_shared.objections``),
which accreditation applies to the providers' objections against course decisions too; the rules below are the
registry's own.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from lklr_shared.objections import OPEN_STATES, ObjectionTerms
from registry.domain.registrations import Registration
from registry.domain.reregistration import NOT_GRANTED_REASON, RefusalReason
from registry.domain.status import RegistrationStatus


class DecisionKind(StrEnum):
    """The decisions of the register a person can object to (each names its decision by a reference)."""

    # The office rejected an application for registration (reference: the application id).
    REGISTRATION_REFUSED = "registration_refused"
    # The registry refused to take a re-registration application: too late, norm not met (reference: dossier id).
    REREGISTRATION_REFUSED = "reregistration_refused"
    # The audit found the dossier not met, so re-registration was not granted (reference: dossier id).
    AUDIT_NOT_MET = "audit_not_met"
    # The office suspended or struck off the registration (reference: the status history entry).
    SUSPENDED = "suspended"
    STRUCK_OFF = "struck_off"
    # The office refused a request to extend the cycle (reference: the refusal id).
    EXTENSION_REFUSED = "extension_refused"


# Objections that keep a refused re-registration's registration in force while they run.
HOLDS_REGISTRATION = frozenset({DecisionKind.REREGISTRATION_REFUSED, DecisionKind.AUDIT_NOT_MET})

# Refusals of a re-registration application the person can act on, so object to (the others are data anomalies).
OBJECTABLE_REFUSALS = frozenset({RefusalReason.LATE, RefusalReason.NORM_NOT_MET})

# Refusals of an office step that are about the objection's state (409), not about what was asked (422).
STATE_CONFLICTS = frozenset({"already_acknowledged", "already_extended", "objection_decided"})


def is_overdue(state: str, decision_due_on: date, today: date) -> bool:
    """An open objection whose decision deadline has passed."""
    return state in OPEN_STATES and today > decision_due_on


def open_for_objection(filing_deadline: date, today: date, *, objected: bool) -> bool:
    """A decision can still be objected to: nobody did yet, and its filing window has not closed."""
    return not objected and today <= filing_deadline


def stored_terms(
    *, filed_on: date, original_decision_due_on: date, filing_weeks: int, extension_weeks: int
) -> ObjectionTerms:
    """The terms an objection was given when filed: its decision weeks as its original deadline shows them (at
    least one), so a later change of configuration does not move a running objection's deadline."""
    decision_weeks = (original_decision_due_on - filed_on).days // 7
    return ObjectionTerms(
        filing_weeks=filing_weeks, decision_weeks=max(decision_weeks, 1), extension_weeks=extension_weeks
    )


def lapsed_by_the_refusal(registration: Registration | None, kind: DecisionKind) -> bool:
    """Whether an objection of ``kind`` is against the not-met audit that lapsed this registration at once (it
    was decided after the cycle end), so the registration is put back in force while the objection runs. False
    when it has lapsed for another reason since, or never by this refusal."""
    if kind is not DecisionKind.AUDIT_NOT_MET:
        return False
    if registration is None or registration.status is not RegistrationStatus.EXPIRED or not registration.history:
        return False
    last = registration.history[-1]
    return last.to_status is RegistrationStatus.EXPIRED and last.reason == NOT_GRANTED_REASON
