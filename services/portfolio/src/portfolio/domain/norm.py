"""Progress of a cycle's activities against the norm of the scheme.

The norm has three minimums that are tags on the same points: a total, an accredited share and an A2 share. An
accredited A2 activity counts towards all three at once; the rest of the total is free choice of A1 or A2.

Which activities count (first failing rule wins, in this order):

1. completed on or after the registration start (earlier work is recorded but earns no points);
2. completed within the cycle, both ends inclusive (the completion date decides, not the entry date);
3. an A2 type that the cycle's scheme version knows (a 2016 cycle cannot use a type added in 2018); an
   accredited A2 course carries no type, as it earns the points its committee set;
4. in a counting state: placed, confirmed, to be checked or approved. Voided and rejected entries never count;
   disputed entries do not count until the dispute is resolved (see ``COUNTING_STATES``).

Because cycles do not overlap and an activity counts only in the cycle of its completion date, an activity
used for a granted re-registration cannot count again in the next cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from lklr_shared.scheme import CategoryKey, SchemeBook, SchemeVersion
from portfolio.domain.activities import Activity, EntryState

__all__ = [
    "ConstraintKind",
    "ConstraintProgress",
    "Cycle",
    "Exclusion",
    "ExclusionReason",
    "NormOutcome",
    "assess_norm",
    "cycle_end",
]

ZERO = Decimal(0)


def cycle_end(start: date, years: int) -> date:
    """Return the last day of a cycle of ``years`` starting on ``start``.

    The next cycle starts the day after, so a cycle from 1 March ends on the last day of February. For a start
    on 29 February the anniversary in a common year is taken as 1 March, so that cycle ends on 28 February.
    """
    target_year = start.year + years
    try:
        anniversary = start.replace(year=target_year)
    except ValueError:  # 29 February in a common year
        anniversary = date(target_year, 3, 1)
    return anniversary - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Cycle:
    """A registration cycle: inclusive dates, the first registration date, and an optional migrated version.

    ``scheme_version`` is None for a cycle judged by the version in force on ``start``; the office sets it
    when it migrates the cycle to another version.
    """

    start: date
    end: date
    registration_start: date
    scheme_version: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a cycle cannot end before it starts")
        if self.registration_start > self.start:
            raise ValueError("a cycle cannot start before the registration does")

    @classmethod
    def starting(cls, start: date, *, registration_start: date, book: SchemeBook) -> Cycle:
        """Open a cycle on ``start`` with the length of the scheme version in force that day."""
        years = book.version_in_force(start).registration.cycle_years
        return cls(start=start, end=cycle_end(start, years), registration_start=registration_start)

    def scheme(self, book: SchemeBook) -> SchemeVersion:
        """The scheme version that judges this cycle: the migrated one, else the one in force at its start."""
        if self.scheme_version is not None:
            return book.get(self.scheme_version)
        return book.version_in_force(self.start)

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies within the cycle (both ends inclusive)."""
        return self.start <= day <= self.end

    def days_left(self, today: date) -> int:
        """Days left in the cycle, counting ``today`` itself: 1 on the last day, 0 once the cycle has ended.

        Before the cycle starts, all of its days are left.
        """
        if today > self.end:
            return 0
        return (self.end - max(today, self.start)).days + 1


class ConstraintKind(StrEnum):
    """The three minimums of the norm."""

    TOTAL = "total"
    ACCREDITED = "accredited"
    A2 = "a2"


@dataclass(frozen=True, slots=True)
class ConstraintProgress:
    """Points earned against one minimum of the norm."""

    kind: ConstraintKind
    earned: Decimal
    minimum: Decimal

    @property
    def missing(self) -> Decimal:
        """Points still needed for this minimum alone (0 when met)."""
        return max(ZERO, self.minimum - self.earned)

    @property
    def surplus(self) -> Decimal:
        """Points above this minimum (0 when not met)."""
        return max(ZERO, self.earned - self.minimum)

    @property
    def met(self) -> bool:
        """Whether the minimum is reached."""
        return self.earned >= self.minimum


class ExclusionReason(StrEnum):
    """Why an activity does not count in the cycle."""

    BEFORE_REGISTRATION = "before_registration"
    BEFORE_CYCLE = "before_cycle"
    AFTER_CYCLE = "after_cycle"
    TYPE_NOT_IN_SCHEME = "type_not_in_scheme"
    VOIDED = "voided"
    REJECTED = "rejected"
    DISPUTED = "disputed"


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An activity that does not count, with the reason."""

    activity: Activity
    reason: ExclusionReason


_STATE_EXCLUSIONS: dict[EntryState, ExclusionReason] = {
    EntryState.VOIDED: ExclusionReason.VOIDED,
    EntryState.REJECTED: ExclusionReason.REJECTED,
    EntryState.DISPUTED: ExclusionReason.DISPUTED,
}


def _exclusion_reason(activity: Activity, cycle: Cycle, scheme: SchemeVersion) -> ExclusionReason | None:
    if activity.completed_on < cycle.registration_start:
        return ExclusionReason.BEFORE_REGISTRATION
    if activity.completed_on < cycle.start:
        return ExclusionReason.BEFORE_CYCLE
    if activity.completed_on > cycle.end:
        return ExclusionReason.AFTER_CYCLE
    if activity.a2_type is not None and scheme.a2_type(activity.a2_type) is None:
        return ExclusionReason.TYPE_NOT_IN_SCHEME
    if not activity.counts_by_state:
        return _STATE_EXCLUSIONS[activity.state]
    return None


def _sum(activities: Iterable[Activity]) -> Decimal:
    return sum((activity.points for activity in activities), start=ZERO)


@dataclass(frozen=True, slots=True)
class NormOutcome:
    """Progress of one cycle against the norm, as of ``today``; build it with :func:`assess_norm`.

    Keeps its inputs so the what-if helpers can recompute without the caller passing them again.
    """

    cycle: Cycle
    scheme: SchemeVersion
    today: date
    activities: tuple[Activity, ...]
    counted: tuple[Activity, ...]
    excluded: tuple[Exclusion, ...]
    total: ConstraintProgress
    accredited: ConstraintProgress
    a2: ConstraintProgress

    @property
    def constraints(self) -> tuple[ConstraintProgress, ...]:
        """The three minimums, in the order total, accredited, A2."""
        return (self.total, self.accredited, self.a2)

    @property
    def met(self) -> bool:
        """Whether every minimum of the norm is reached."""
        return all(constraint.met for constraint in self.constraints)

    @property
    def min_additional_points(self) -> Decimal:
        """The fewest extra points that can meet the norm.

        The lower bound is reached when the accredited and A2 gaps are filled by accredited A2 activities,
        which carry both tags; filled by separate activities, those two gaps add up.
        """
        return max(constraint.missing for constraint in self.constraints)

    @property
    def days_left(self) -> int:
        """Days left in the cycle as of ``today`` (see :meth:`Cycle.days_left`)."""
        return self.cycle.days_left(self.today)

    @property
    def disputed_points(self) -> Decimal:
        """Points of in-cycle entries that wait for their dispute to be resolved (not counted meanwhile)."""
        return _sum(exclusion.activity for exclusion in self.excluded if exclusion.reason is ExclusionReason.DISPUTED)

    @property
    def at_risk_points(self) -> Decimal:
        """Counted points an audit may still reject: self-entered entries that are still to be checked."""
        return _sum(activity for activity in self.counted if activity.at_audit_risk)

    @property
    def at_risk_a2_points(self) -> Decimal:
        """The A2 part of :attr:`at_risk_points` (rejecting those lowers both the total and the A2 points)."""
        return _sum(
            activity for activity in self.counted if activity.at_audit_risk and activity.category is CategoryKey.A2
        )

    @property
    def buffer_points(self) -> Decimal:
        """How many to-be-checked points may be rejected, whichever they are, while the norm still holds.

        Zero when the norm is not met. Equal to :attr:`at_risk_points` when even rejecting all of them is
        safe. Rejections are treated per point, which is conservative: a sample rejects whole activities.
        """
        if not self.met:
            return ZERO
        # Self-entered work is never accredited, so rejections only lower the total and (for A2) the A2 tag.
        buffer = min(self.total.surplus, self.at_risk_points)
        if self.at_risk_a2_points > self.a2.surplus:
            buffer = min(buffer, self.a2.surplus)
        return buffer

    def holds_if_rejected(self, points: Decimal) -> bool:
        """Whether the norm still holds if an audit rejects ``points`` of the to-be-checked points.

        Worst case: the rejected points are whichever hurt most. Raises ``ValueError`` when ``points`` is
        negative or more than is at risk.
        """
        if points < 0 or points > self.at_risk_points:
            raise ValueError(f"points must be between 0 and the {self.at_risk_points} points at risk")
        return self.met and points <= self.buffer_points

    def worst_case_after_rejecting(self, points: Decimal) -> tuple[ConstraintProgress, ...]:
        """The three minimums if an audit rejected ``points`` of the to-be-checked points, worst case first.

        Rejections hit A2 points first (that lowers two tags); accredited points are never at risk. The result
        meets the norm exactly when :meth:`holds_if_rejected` says so. Raises ``ValueError`` like it.
        """
        if points < 0 or points > self.at_risk_points:
            raise ValueError(f"points must be between 0 and the {self.at_risk_points} points at risk")
        a2_lost = min(points, self.at_risk_a2_points)
        return (
            replace(self.total, earned=self.total.earned - points),
            self.accredited,
            replace(self.a2, earned=self.a2.earned - a2_lost),
        )

    def with_added(self, activity: Activity) -> NormOutcome:
        """The outcome if ``activity`` were added to the portfolio (same cycle, scheme and day)."""
        return assess_norm(self.cycle, self.scheme, (*self.activities, activity), today=self.today)


def assess_norm(
    cycle: Cycle,
    scheme: SchemeVersion,
    activities: Iterable[Activity],
    *,
    today: date,
) -> NormOutcome:
    """Assess ``activities`` against the norm of ``scheme`` for ``cycle``, as of ``today``.

    ``scheme`` should be the cycle's own version (:meth:`Cycle.scheme`); it is passed in so callers can also
    ask what-if questions against another version. Raises ``ValueError`` on duplicate activity ids.
    """
    all_activities = tuple(activities)
    ids = [activity.id for activity in all_activities]
    if len(set(ids)) != len(ids):
        raise ValueError("activity ids must be unique; a correction replaces the entry it corrects")

    counted: list[Activity] = []
    excluded: list[Exclusion] = []
    for activity in all_activities:
        reason = _exclusion_reason(activity, cycle, scheme)
        if reason is None:
            counted.append(activity)
        else:
            excluded.append(Exclusion(activity=activity, reason=reason))

    norm = scheme.norm
    return NormOutcome(
        cycle=cycle,
        scheme=scheme,
        today=today,
        activities=all_activities,
        counted=tuple(counted),
        excluded=tuple(excluded),
        total=ConstraintProgress(ConstraintKind.TOTAL, _sum(counted), norm.min_total_points),
        accredited=ConstraintProgress(
            ConstraintKind.ACCREDITED, _sum(a for a in counted if a.accredited), norm.min_accredited_points
        ),
        a2=ConstraintProgress(
            ConstraintKind.A2, _sum(a for a in counted if a.category is CategoryKey.A2), norm.min_a2_points
        ),
    )
