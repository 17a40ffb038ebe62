"""The outcome of a re-registration dossier after the audit (or without one).

The norm is a set of minimums on tagged points (total, accredited, A2) that may overlap. This module takes the
dossier's totals as plain Decimals, so it depends on no other service's model: the portfolio service computes
the totals, the audit service only subtracts what its reviewers rejected.

Outcomes:
- met: the norm holds after rejected activities are taken out (an unsampled dossier: the norm holds);
- returned for correction: the dossier met the norm as submitted but the rejections drop it below; the
  professional may add activities from the same cycle until the correction deadline;
- not met: the norm fails after the correction round, or the dossier fell short of the norm on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from audit.domain.judgement import EntityId, Judgement, Verdict

DEFAULT_CORRECTION_WEEKS = 8


class DossierOutcome(StrEnum):
    """The outcome of a dossier; the values match the ``AuditConcluded`` contract."""

    MET = "met"
    RETURNED_FOR_CORRECTION = "returned_for_correction"
    NOT_MET = "not_met"


class JudgementsNotFinal(Exception):
    """The dossier cannot be concluded while sampled activities are unjudged or awaiting information."""

    def __init__(self, pending_activity_ids: Sequence[EntityId]) -> None:
        super().__init__(f"{len(pending_activity_ids)} sampled activities have no final judgement")
        self.pending_activity_ids = tuple(pending_activity_ids)


@dataclass(frozen=True, slots=True)
class PointTotals:
    """Points per constraint of the norm. The tags overlap: an accredited A2 point counts in all three."""

    total: Decimal
    accredited: Decimal
    a2: Decimal


@dataclass(frozen=True, slots=True)
class NormMinimums:
    """The minimums of the norm for a cycle (defaults: 160 in total, 40 accredited, 40 from A2)."""

    total: Decimal = Decimal(160)
    accredited: Decimal = Decimal(40)
    a2: Decimal = Decimal(40)


@dataclass(frozen=True, slots=True)
class SampledActivity:
    """A sampled activity's contribution to the totals, needed to take it out when it is rejected."""

    activity_id: EntityId
    points: Decimal
    accredited: bool = False
    a2: bool = False


@dataclass(frozen=True, slots=True)
class OutcomeDecision:
    """A dossier's outcome with the numbers behind it.

    ``counted`` are the totals after rejected activities are taken out; ``shortfall`` is what is missing per
    constraint (all zero when the norm holds); ``correction_deadline`` is set only when the dossier is returned
    for correction; ``rejected_activity_ids`` lists the activities taken out.
    """

    outcome: DossierOutcome
    decided_on: date
    counted: PointTotals
    shortfall: PointTotals
    rejected_activity_ids: tuple[EntityId, ...] = ()
    correction_deadline: date | None = None


def shortfall(totals: PointTotals, norm: NormMinimums) -> PointTotals:
    """Return the points still missing for each constraint of the norm (zero where it is met)."""
    zero = Decimal(0)
    return PointTotals(
        total=max(zero, norm.total - totals.total),
        accredited=max(zero, norm.accredited - totals.accredited),
        a2=max(zero, norm.a2 - totals.a2),
    )


def meets_norm(totals: PointTotals, norm: NormMinimums) -> bool:
    """Return whether ``totals`` satisfy every minimum of ``norm``."""
    missing = shortfall(totals, norm)
    return missing.total == missing.accredited == missing.a2 == Decimal(0)


def correction_deadline(decided_on: date, weeks: int = DEFAULT_CORRECTION_WEEKS) -> date:
    """Return the last day on which a dossier returned on ``decided_on`` may be corrected."""
    if weeks < 1:
        raise ValueError(f"correction weeks must be at least 1, got {weeks}")
    return decided_on + timedelta(weeks=weeks)


def pending_activities(
    sampled_activities: Sequence[SampledActivity], judgements: Sequence[Judgement]
) -> tuple[EntityId, ...]:
    """Return the sampled activities without a final judgement (unjudged or awaiting information)."""
    final = {str(j.activity_id) for j in judgements if j.is_final}
    return tuple(a.activity_id for a in sampled_activities if str(a.activity_id) not in final)


def _index_judgements(
    sampled_activities: Sequence[SampledActivity], judgements: Sequence[Judgement]
) -> dict[str, Judgement]:
    sampled_keys = [str(a.activity_id) for a in sampled_activities]
    if len(set(sampled_keys)) != len(sampled_keys):
        raise ValueError("sampled activity ids must be unique")
    by_activity: dict[str, Judgement] = {}
    for judgement in judgements:
        key = str(judgement.activity_id)
        if key not in sampled_keys:
            raise ValueError(f"judgement for activity {judgement.activity_id}, which was not sampled")
        if key in by_activity:
            # The caller passes the current judgement per activity; two would make the outcome ambiguous.
            raise ValueError(f"more than one judgement for activity {judgement.activity_id}")
        by_activity[key] = judgement
    return by_activity


def _without(totals: PointTotals, activities: Sequence[SampledActivity]) -> PointTotals:
    total, accredited, a2 = totals.total, totals.accredited, totals.a2
    for activity in activities:
        total -= activity.points
        if activity.accredited:
            accredited -= activity.points
        if activity.a2:
            a2 -= activity.points
    return PointTotals(total=total, accredited=accredited, a2=a2)


def decide_outcome(
    *,
    totals: PointTotals,
    norm: NormMinimums,
    decided_on: date,
    sampled_activities: Sequence[SampledActivity] = (),
    judgements: Sequence[Judgement] = (),
    after_correction: bool = False,
    correction_weeks: int = DEFAULT_CORRECTION_WEEKS,
) -> OutcomeDecision:
    """Decide a dossier's outcome.

    ``totals`` are the dossier's points as submitted, counting every activity in it including the sampled ones
    (in the correction round: including the activities added since). ``sampled_activities`` and ``judgements``
    (the current judgement per activity) are empty for a dossier that was not sampled. ``after_correction``
    marks the second round, after the professional was given the chance to add activities (or let the
    deadline pass): there is no further return, so falling short is not met.

    Raises ``JudgementsNotFinal`` while any sampled activity is unjudged or awaiting information.
    """
    by_activity = _index_judgements(sampled_activities, judgements)
    pending = pending_activities(sampled_activities, judgements)
    if pending:
        raise JudgementsNotFinal(pending)

    rejected = [a for a in sampled_activities if by_activity[str(a.activity_id)].verdict is Verdict.REJECTED]
    counted = _without(totals, rejected)
    missing = shortfall(counted, norm)
    rejected_ids = tuple(a.activity_id for a in rejected)

    def decision(outcome: DossierOutcome, deadline: date | None = None) -> OutcomeDecision:
        return OutcomeDecision(
            outcome=outcome,
            decided_on=decided_on,
            counted=counted,
            shortfall=missing,
            rejected_activity_ids=rejected_ids,
            correction_deadline=deadline,
        )

    if meets_norm(counted, norm):
        return decision(DossierOutcome.MET)
    # Correction repairs the damage rejections did; a dossier short of the norm as submitted is treated like
    # an unsampled one that falls short, so sampling never gives a professional a second chance others lack.
    if after_correction or not meets_norm(totals, norm):
        return decision(DossierOutcome.NOT_MET)
    return decision(DossierOutcome.RETURNED_FOR_CORRECTION, correction_deadline(decided_on, correction_weeks))
