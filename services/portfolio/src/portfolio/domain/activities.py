"""Portfolio activities as the norm sees them, and how their points follow from the scheme.

Pure rules: no I/O, no framework imports. Points are ``Decimal`` values in steps of half a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from lklr_shared.scheme import A2ActivityType, A2Unit, CategoryKey, SchemeVersion

__all__ = [
    "ALLOWED_STATES",
    "COUNTING_STATES",
    "POINT_STEP",
    "Activity",
    "ActivitySource",
    "CategoryKey",
    "ConditionNotMet",
    "EntryState",
    "InvalidEntry",
    "QuantityNotWhole",
    "a2_points",
    "course_points",
    "floor_to_point_step",
    "self_entered_points",
]

POINT_STEP = Decimal("0.5")
"""Points are earned in halves (domain rule, not register configuration)."""


class ConditionNotMet(ValueError):
    """An A2 activity does not meet its type's condition (e.g. an intervision session shorter than 1.5 h)."""


class QuantityNotWhole(ValueError):
    """A count of activities, interns or sessions that is not a whole number (only hours may be fractions)."""


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

    ``quantity`` counts the type's unit: activities, interns per school year, sessions or hours given. Only hours
    may be fractions; a fractional count of anything else raises :class:`QuantityNotWhole`. When the type has a
    minimum duration per unit (intervision: 1.5 h per session), ``hours_per_unit`` must be given and meet it,
    otherwise :class:`ConditionNotMet` is raised. An unknown type raises ``KeyError``.
    """
    activity_type = _require_a2_type(scheme, type_key)
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    if activity_type.unit is not A2Unit.PER_HOUR_GIVEN and quantity != quantity.to_integral_value():
        raise QuantityNotWhole(
            f"{activity_type.key} is counted per {activity_type.unit.value}: {quantity} is not whole"
        )
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
        if self.category is CategoryKey.A1 and self.a2_type is not None:
            raise ValueError(f"activity {self.id}: an A1 activity has no A2 type")
        if (
            self.category is CategoryKey.A2
            and self.a2_type is None
            and self.source is not ActivitySource.PROVIDER_PLACED
        ):
            # An accredited A2 course earns the points its committee set, so it needs no type from the scheme's
            # table; self-entered and teaching entries earn the points of their type and must name it.
            raise ValueError(f"activity {self.id}: an A2 activity needs its A2 type unless a provider placed it")
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


class InvalidEntry(ValueError):
    """A self-entered activity whose fields do not fit its category or the scheme; ``code`` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def self_entered_points(
    scheme: SchemeVersion,
    category: CategoryKey,
    *,
    study_load_hours: Decimal | None,
    a2_type: str | None,
    quantity: Decimal | None,
    hours_per_unit: Decimal | None,
) -> Decimal:
    """The points a self-entered activity earns under ``scheme``, checking that its fields fit its category.

    A1 needs ``study_load_hours`` and nothing of A2; A2 needs a type the scheme knows and a ``quantity``, plus
    ``hours_per_unit`` where the type sets a minimum duration. Raises :class:`InvalidEntry` with a reason code.
    """
    if category is CategoryKey.A1:
        if a2_type is not None or quantity is not None or hours_per_unit is not None:
            raise InvalidEntry("fields_not_for_a1", "an A1 course has study-load hours, not an A2 type or quantity")
        if study_load_hours is None:
            raise InvalidEntry("study_load_hours_required", "an A1 course needs its study-load hours")
        return course_points(scheme, study_load_hours)
    if study_load_hours is not None:
        raise InvalidEntry("fields_not_for_a2", "an A2 activity has a type and a quantity, not study-load hours")
    if a2_type is None:
        raise InvalidEntry("a2_type_required", "an A2 activity needs its type")
    if quantity is None:
        raise InvalidEntry("quantity_required", "an A2 activity needs a quantity (activities, sessions, hours, ...)")
    try:
        return a2_points(scheme, a2_type, quantity, hours_per_unit=hours_per_unit)
    except KeyError as exc:
        raise InvalidEntry("unknown_a2_type", f"scheme {scheme.version} has no A2 activity type {a2_type!r}") from exc
    except ConditionNotMet as exc:
        raise InvalidEntry("condition_not_met", str(exc)) from exc
    except QuantityNotWhole as exc:
        raise InvalidEntry("quantity_not_whole", str(exc)) from exc
