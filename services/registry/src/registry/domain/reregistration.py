"""Re-registration: whether a frozen dossier is a timely application, what an audit outcome decides, and when
a registration lapses.

The portfolio freezes a cycle into a dossier when the professional applies (it checks the application window
and the norm); the audit samples and judges it and concludes met, returned for correction or not met. The
registry owns the decision that follows, and the lapse of registrations whose cycle ended without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from registry.domain.cycles import Cycle
from registry.domain.status import RegistrationStatus


class ApplicationState(StrEnum):
    """Where a re-registration application (one frozen dossier) stands in the registry."""

    # An audit event about the dossier arrived before the dossier itself (the queues are independent); the
    # dossier's own event completes the record.
    AWAITING_DOSSIER = "awaiting_dossier"
    PENDING = "pending"
    # A later dossier of the same cycle took its place (e.g. frozen again after a correction).
    SUPERSEDED = "superseded"
    GRANTED = "granted"
    NOT_GRANTED = "not_granted"
    # Not an application the registry can take (too late, norm not met, ...); the reason is kept with it.
    REFUSED = "refused"


class AuditState(StrEnum):
    """What the registry knows of the audit of a dossier (for the office's overview and the mails)."""

    AWAITING_SAMPLING = "awaiting_sampling"
    NOT_SAMPLED = "not_sampled"
    SAMPLED = "sampled"
    MORE_INFORMATION_NEEDED = "more_information_needed"
    RETURNED_FOR_CORRECTION = "returned_for_correction"
    MET = "met"
    NOT_MET = "not_met"


# How far the audit of one dossier round has come; news never moves it back (see :func:`advance_audit_state`).
_AUDIT_PROGRESS: Final = {
    AuditState.AWAITING_SAMPLING: 0,
    AuditState.NOT_SAMPLED: 1,
    AuditState.SAMPLED: 1,
    AuditState.MORE_INFORMATION_NEEDED: 2,
    AuditState.RETURNED_FOR_CORRECTION: 3,
    AuditState.MET: 3,
    AuditState.NOT_MET: 3,
}


def advance_audit_state(current: AuditState, news: AuditState) -> AuditState:
    """The audit state after ``news`` about the same dossier round.

    The registry consumes its queue concurrently, so "sampled" may be applied after the outcome that followed
    it; such news is kept (the caller stores its details) but does not move the state back.
    """
    return news if _AUDIT_PROGRESS[news] >= _AUDIT_PROGRESS[current] else current


class AuditOutcome(StrEnum):
    """The audit's conclusion on a dossier (sampled or not)."""

    MET = "met"
    RETURNED_FOR_CORRECTION = "returned_for_correction"
    NOT_MET = "not_met"


class RefusalReason(StrEnum):
    """Why a frozen dossier is not taken as a re-registration application."""

    LATE = "late"  # frozen after the cycle's last day: only a timely application keeps the registration
    NORM_NOT_MET = "norm_not_met"  # the norm must hold on the dossier for the application to go in
    NOT_CURRENT_CYCLE = "not_current_cycle"  # an earlier cycle, or one the registry does not know
    NOT_ACTIVE = "not_active"  # expired, suspended or struck off: nothing to re-register
    ALREADY_DECIDED = "already_decided"  # this cycle's re-registration was decided already


# The status history's reason when a not-met audit ends the registration (an objection looks for it).
NOT_GRANTED_REASON: Final = "re-registration not granted: the audit found the norm not met"

# Statuses whose cycle end makes the registration lapse. A pending re-registration is not among them: a timely
# application keeps the person registered until the decision, however long the audit takes.
LAPSES_AT_CYCLE_END: Final = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.SUSPENDED})


def refusal_for(
    *,
    status: RegistrationStatus,
    cycle: Cycle,
    is_current_cycle: bool,
    frozen_on: date,
    norm_met: bool,
    cycle_decided: bool,
) -> RefusalReason | None:
    """Return why a dossier frozen on ``frozen_on`` cannot be a re-registration application, or None.

    ``status`` is the registration's status before the application (a second dossier for a cycle whose
    application is pending is a replacement, which the caller handles before asking). ``frozen_on`` is the
    register day the portfolio froze the dossier, not the day the registry happens to read the event: a
    dossier frozen on the last day and delivered a day later is timely.
    """
    if not is_current_cycle:
        return RefusalReason.NOT_CURRENT_CYCLE
    if cycle_decided:
        return RefusalReason.ALREADY_DECIDED
    if status is not RegistrationStatus.REGISTERED:
        return RefusalReason.NOT_ACTIVE
    if frozen_on > cycle.end:
        return RefusalReason.LATE
    if not norm_met:
        return RefusalReason.NORM_NOT_MET
    return None


@dataclass(frozen=True, slots=True)
class Grant:
    """Re-registration granted: the next cycle starts the day after the old one ends."""

    next_cycle: Cycle


@dataclass(frozen=True, slots=True)
class Refusal:
    """Re-registration not granted: the registration lapses on ``lapses_on`` (the day after the cycle end),
    at once when that day has come already."""

    lapses_on: date
    lapse_now: bool


@dataclass(frozen=True, slots=True)
class ReturnForCorrection:
    """The dossier went back to the professional, who may add activities of the same cycle until
    ``correct_by``; the application stays pending."""

    correct_by: date


Decision = Grant | Refusal | ReturnForCorrection


def lapse_date(cycle: Cycle) -> date:
    """The first day without registration when a cycle ends without a granted re-registration."""
    return cycle.end + timedelta(days=1)


def decide(
    outcome: AuditOutcome,
    *,
    cycle: Cycle,
    today: date,
    next_cycle_years: int,
    correct_by: date,
) -> Decision:
    """What the registry does with an audit outcome on a pending application for ``cycle``.

    ``next_cycle_years`` is the cycle length of the scheme in force on the next cycle's first day;
    ``correct_by`` is the correction deadline (the audit's, or the scheme's correction weeks after the outcome).
    """
    match outcome:
        case AuditOutcome.MET:
            return Grant(next_cycle=cycle.next(next_cycle_years))
        case AuditOutcome.NOT_MET:
            lapses_on = lapse_date(cycle)
            return Refusal(lapses_on=lapses_on, lapse_now=today >= lapses_on)
        case AuditOutcome.RETURNED_FOR_CORRECTION:
            return ReturnForCorrection(correct_by=correct_by)


def lapses(status: RegistrationStatus, cycle: Cycle, today: date) -> bool:
    """Whether a registration in ``status`` has lapsed by ``today``: its cycle ended without an application
    in (or with one not granted, which puts it back to registered until the cycle end)."""
    return status in LAPSES_AT_CYCLE_END and today >= lapse_date(cycle)


def days_after(day: date, days: int) -> date:
    """A deadline ``days`` calendar days after ``day`` (more information: 21 days by default)."""
    return day + timedelta(days=days)


def weeks_after(day: date, weeks: int) -> date:
    """A deadline ``weeks`` weeks after ``day`` (correction: 8 weeks by default)."""
    return day + timedelta(weeks=weeks)
