"""Applying for re-registration: when the window is open, and what goes into a dossier.

A professional may apply from the scheme's ``application_opens_months_before_end`` months (default 6) before the
cycle ends until its last day. "Before the cycle ends" counts from the moment the cycle is over, the start of the
day after its last day: a cycle ending on 28 February 2030 opens for applications on 1 September 2029.

Applying freezes the cycle's counting activities into a dossier; the norm must hold on exactly those. After a
return for correction the professional may add activities of the same cycle until the correction deadline, and
resubmit: the same dossier, the next round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lklr_shared.scheme import Period, PeriodUnit
from portfolio.domain.norm import ConstraintProgress, NormOutcome


class WindowPosition(StrEnum):
    """Where a day lies relative to a cycle's application window."""

    BEFORE = "before"
    OPEN = "open"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class ApplicationWindow:
    """The days on which an application for re-registration is possible, both ends inclusive."""

    opens_on: date
    closes_on: date

    def position(self, day: date) -> WindowPosition:
        if day < self.opens_on:
            return WindowPosition.BEFORE
        if day > self.closes_on:
            return WindowPosition.AFTER
        return WindowPosition.OPEN


def application_window(cycle_ends_on: date, months_before_end: int) -> ApplicationWindow:
    """The application window of a cycle whose last day is ``cycle_ends_on``."""
    if months_before_end < 0:
        raise ValueError(f"months_before_end must not be negative, got {months_before_end}")
    cycle_over = cycle_ends_on + timedelta(days=1)
    opens_on = Period(amount=months_before_end, unit=PeriodUnit.MONTHS).before(cycle_over)
    return ApplicationWindow(opens_on=min(opens_on, cycle_ends_on), closes_on=cycle_ends_on)


def may_resubmit(correction_deadline: date | None, today: date) -> bool:
    """Whether a dossier returned with ``correction_deadline`` may still be resubmitted (the deadline day counts)."""
    return correction_deadline is not None and today <= correction_deadline


@dataclass(frozen=True, slots=True)
class DossierTotals:
    """The points a dossier holds per constraint of the norm, and whether the norm holds on them."""

    total: Decimal
    accredited: Decimal
    a2: Decimal
    norm_met: bool


def dossier_totals(outcome: NormOutcome) -> DossierTotals:
    """The totals of the activities that count (exactly the ones frozen into the dossier)."""
    return DossierTotals(
        total=outcome.total.earned,
        accredited=outcome.accredited.earned,
        a2=outcome.a2.earned,
        norm_met=outcome.met,
    )


def shortfall_text(constraints: Sequence[ConstraintProgress]) -> str:
    """What is missing, for a refusal the professional can act on (e.g. "total 12, a2 5 points short")."""
    missing = [f"{c.kind.value} {c.missing}" for c in constraints if not c.met]
    return ", ".join(missing) + " points short" if missing else "nothing missing"
