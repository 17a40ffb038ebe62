"""Objection (bezwaar, Awb) against a decision of the register about a person: which decisions, and what an
objection does to the registration. The deadlines and steps are the shared rules (``lklr_shared.objections``),
which accreditation applies to the providers' objections against course decisions too.
"""

from __future__ import annotations

from enum import StrEnum

from lklr_shared.objections import (
    OPEN_STATES,
    ObjectionOutcome,
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

__all__ = [
    "HOLDS_REGISTRATION",
    "OPEN_STATES",
    "DecisionKind",
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
