"""Portfolio activities as the norm sees them, and how their points follow from the scheme.

Pure rules: no I/O, no framework imports. Points are ``Decimal`` values in steps of half a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from lklr_shared.scheme import A2ActivityType, CategoryKey, SchemeVersion

__all__ = [
    "ALLOWED_STATES",
    "COUNTING_STATES",
    "POINT_STEP",
    "Activity",
    "ActivitySource",
    "CategoryKey",
    "ConditionNotMet",
    "EntryState",
    "a2_points",
    "course_points",
    "floor_to_point_step",
]

POINT_STEP = Decimal("0.5")
"""Points are earned in halves (domain rule, not register configuration)."""


class ConditionNotMet(ValueError):
    """An A2 activity does not meet its type's condition (e.g. an intervision session shorter than 1.5 h)."""


class ActivitySource(StrEnum):
    """Who put the entry in the portfolio."""

    SELF_ENTERED = "self_entered"  # by the professional: non-accredited A1, and A2; subject to audit
    PROVIDER_PLACED = "provider_placed"  # attendance of an accredited course, posted by its provider
    TEACHING = "teaching"  # giving training, placed after the accreditation committee's interim approval


class EntryState(StrEnum):
    """Life-cycle state of a portfolio entry."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    VOIDED = "voided"
    TO_BE_CHECKED = "to_be_checked"
    APPROVED = "approved"
    REJECTED = "rejected"


# Placed entries run placed -> confirmed/disputed -> (corrected | voided); self-entered ones run
# to_be_checked -> approved/rejected by audit. A state outside its source's set is a programming error.
ALLOWED_STATES: dict[ActivitySource, frozenset[EntryState]] = {
    ActivitySource.SELF_ENTERED: frozenset({EntryState.TO_BE_CHECKED, EntryState.APPROVED, EntryState.REJECTED}),
    ActivitySource.PROVIDER_PLACED: frozenset(
        {EntryState.PLACED, EntryState.CONFIRMED, EntryState.DISPUTED, EntryState.VOIDED}
    ),
    ActivitySource.TEACHING: frozenset(
        {EntryState.PLACED, EntryState.CONFIRMED, EntryState.DISPUTED, EntryState.VOIDED}
    ),
}

# Placed entries count while unchecked because silence within the confirm window means acceptance;
# to-be-checked entries count because a dossier that is never sampled is judged on them as entered. Disputed
# entries do NOT count until the dispute is resolved (the provider corrects or voids): the professional has said
# the entry is wrong, and an unresolved claim must not carry the norm or be frozen into a dossier.
COUNTING_STATES: frozenset[EntryState] = frozenset(
    {EntryState.PLACED, EntryState.CONFIRMED, EntryState.TO_BE_CHECKED, EntryState.APPROVED}
)


def floor_to_point_step(points: Decimal) -> Decimal:
    """Round ``points`` down to whole halves.

    Rounding down means the register never credits more than was earned (2.75 study-load hours earn 2.5).
    """
    steps = (points / POINT_STEP).to_integral_value(rounding=ROUND_FLOOR)
    return steps * POINT_STEP


def course_points(scheme: SchemeVersion, study_load_hours: Decimal) -> Decimal:
    """Points for a non-accredited A1 course: the scheme's points per study-load hour, rounded down to halves.

    Accredited courses earn the points the accreditation committee set; those arrive with the provider's post.
    """
    if study_load_hours < 0:
        raise ValueError("study_load_hours must not be negative")
    per_hour = scheme.category(CategoryKey.A1).points_per_study_load_hour
    if per_hour is None:  # excluded by SchemeVersion validation; narrows the type
        raise ValueError(f"scheme {scheme.version} has no A1 points per study-load hour")
    return floor_to_point_step(per_hour * study_load_hours)


def a2_points(
    scheme: SchemeVersion,
    type_key: str,
    quantity: Decimal,
    *,
    hours_per_unit: Decimal | None = None,
) -> Decimal:
    """Points for an A2 activity: the type's fixed points times ``quantity``, rounded down to halves.

    ``quantity`` counts the type's unit: activities, interns per school year, sessions or hours given. When
    the type has a minimum duration per unit (intervision: 1.5 h per session), ``hours_per_unit`` must be given
    and meet it, otherwise :class:`ConditionNotMet` is raised. An unknown type raises ``KeyError``.
    """
    activity_type = _require_a2_type(scheme, type_key)
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    minimum = activity_type.min_hours_per_unit
    if minimum is not None and (hours_per_unit is None or hours_per_unit < minimum):
        raise ConditionNotMet(
            f"{activity_type.key} requires at least {minimum} hours per {activity_type.unit.value}, "
            f"got {hours_per_unit}"
        )
    return floor_to_point_step(activity_type.points * quantity)


def _require_a2_type(scheme: SchemeVersion, type_key: str) -> A2ActivityType:
    activity_type = scheme.a2_type(type_key)
    if activity_type is None:
        raise KeyError(f"scheme version {scheme.version} has no A2 activity type {type_key!r}")
    return activity_type


@dataclass(frozen=True, slots=True)
class Activity:
    """One portfolio entry, reduced to what the norm needs.

    ``points`` are the points credited when the entry was made (committee points for an accredited course,
    scheme points for self-entered work; see :func:`course_points` and :func:`a2_points`). ``accredited``
    follows from the source: provider-placed courses and approved teaching are accredited, self-entered work
    never is.
    """

    id: str
    category: CategoryKey
    points: Decimal
    accredited: bool
    source: ActivitySource
    state: EntryState
    completed_on: date
    a2_type: str | None = None

    def __post_init__(self) -> None:
        if self.points < 0:
            raise ValueError(f"activity {self.id}: points must not be negative")
        if self.points % POINT_STEP != 0:
            raise ValueError(f"activity {self.id}: points must be whole halves, got {self.points}")
        if (self.category is CategoryKey.A2) != (self.a2_type is not None):
            raise ValueError(f"activity {self.id}: an A2 type is required for A2 and forbidden for A1")
        if self.state not in ALLOWED_STATES[self.source]:
            raise ValueError(f"activity {self.id}: a {self.source} entry cannot be {self.state}")
        if self.accredited != (self.source is not ActivitySource.SELF_ENTERED):
            # Accredited points need the committee's approval in advance, which only placed entries carry.
            raise ValueError(f"activity {self.id}: only provider-placed and teaching entries are accredited")

    @property
    def counts_by_state(self) -> bool:
        """Whether the entry's state lets it count (dates and scheme are checked by the norm)."""
        return self.state in COUNTING_STATES

    @property
    def at_audit_risk(self) -> bool:
        """Whether an audit may still reject this entry: self-entered and not yet judged."""
        return self.source is ActivitySource.SELF_ENTERED and self.state is EntryState.TO_BE_CHECKED
