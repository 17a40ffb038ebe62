"""The register's scheme (categories, A2 activity types, the norm, windows) as versioned configuration.

The scheme lives in an administrator-editable TOML file (``config/scheme.toml`` by default). It holds a list
of complete scheme versions; a cycle is judged by the version in force on the day it started. This module only
parses and validates that file: it is pure (stdlib + pydantic) so domain code of every service may import it.
"""

from __future__ import annotations

import calendar
import tomllib
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from itertools import pairwise
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "A2ActivityType",
    "A2Unit",
    "AccreditationRules",
    "AuditRules",
    "Category",
    "CategoryKey",
    "NoSchemeVersionInForce",
    "NormRules",
    "Period",
    "PeriodUnit",
    "PortfolioRules",
    "RegistrationRules",
    "ReregistrationRules",
    "SchemeBook",
    "SchemeVersion",
    "UnknownSchemeVersion",
    "default_scheme_path",
    "load_scheme_book",
]

SCHEME_FILE = Path("config") / "scheme.toml"


class _Frozen(BaseModel):
    # extra="forbid": the file is edited by hand, and a misspelt key must fail loudly at load time instead of
    # silently falling back to a default.
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnknownSchemeVersion(KeyError):
    """No scheme version with the requested id exists in the book."""


class NoSchemeVersionInForce(LookupError):
    """The requested date lies before the first version's ``valid_from``."""


class CategoryKey(StrEnum):
    """The two point categories of the scheme."""

    A1 = "A1"  # bij- en nascholing (courses)
    A2 = "A2"  # overige deskundigheidsbevorderende activiteiten


class A2Unit(StrEnum):
    """What one unit of an A2 activity type is; the type's points are earned per unit."""

    PER_ACTIVITY = "activity"
    PER_INTERN_PER_SCHOOL_YEAR = "intern_school_year"
    PER_SESSION = "session"
    PER_HOUR_GIVEN = "hour_given"


class PeriodUnit(StrEnum):
    """Calendar unit of a :class:`Period`."""

    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


def _add_months(day: date, months: int) -> date:
    # Calendar months: clamp to the last day of the target month (31 March minus one month is 28/29 February).
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Period(_Frozen):
    """A calendar period such as "6 months" or "12 weeks" (used for reminder offsets)."""

    amount: int = Field(ge=0)
    unit: PeriodUnit

    def after(self, day: date) -> date:
        """Return the date this period after ``day`` (month ends are clamped)."""
        return self._shift(day, self.amount)

    def before(self, day: date) -> date:
        """Return the date this period before ``day`` (month ends are clamped)."""
        return self._shift(day, -self.amount)

    def _shift(self, day: date, amount: int) -> date:
        match self.unit:
            case PeriodUnit.DAYS:
                return day + timedelta(days=amount)
            case PeriodUnit.WEEKS:
                return day + timedelta(weeks=amount)
            case PeriodUnit.MONTHS:
                return _add_months(day, amount)
            case PeriodUnit.YEARS:
                return _add_months(day, 12 * amount)


class Category(_Frozen):
    """A point category with its labels; A1 earns a fixed number of points per study-load hour."""

    key: CategoryKey
    label_nl: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    points_per_study_load_hour: Decimal | None = Field(default=None, gt=0)

    def points_for_study_load(self, hours: Decimal) -> Decimal | None:
        """The points this category gives for ``hours`` of study load, rounded down to whole or half points (the
        register never credits more than was earned); None when the category has no rate per hour."""
        if self.points_per_study_load_hour is None:
            return None
        halves = (hours * self.points_per_study_load_hour * 2).to_integral_value(rounding=ROUND_FLOOR)
        return (halves / 2).quantize(Decimal("0.01"))


class A2ActivityType(_Frozen):
    """An A2 activity type: fixed points per unit, with an optional minimum duration per unit."""

    key: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    label_nl: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    points: Decimal = Field(gt=0)
    unit: A2Unit
    min_hours_per_unit: Decimal | None = Field(default=None, gt=0)
    condition_nl: str | None = None
    condition_en: str | None = None
    accredited_after_approval: bool = False


class RegistrationRules(_Frozen):
    """Eligibility and cycle length."""

    cycle_years: int = Field(gt=0)
    min_hours_per_week: Decimal = Field(gt=0)


class NormRules(_Frozen):
    """Minimum points per cycle. The constraints are tags on the same points and may overlap."""

    min_total_points: Decimal = Field(ge=0)
    min_accredited_points: Decimal = Field(ge=0)
    min_a2_points: Decimal = Field(ge=0)
    carry_over_surplus: bool = False

    @model_validator(mode="after")
    def _tag_minimums_fit_in_total(self) -> NormRules:
        # The tagged minimums are parts of the total; a tag minimum above the total is a configuration error.
        if self.min_accredited_points > self.min_total_points or self.min_a2_points > self.min_total_points:
            raise ValueError("min_accredited_points and min_a2_points may not exceed min_total_points")
        return self


class PortfolioRules(_Frozen):
    """Checking provider-placed entries."""

    confirm_dispute_window_days: int = Field(gt=0)


class AccreditationRules(_Frozen):
    """Course accreditation and attendance posting."""

    validity_years: int = Field(gt=0)
    objection_weeks: int = Field(gt=0)
    attendance_posting_window_months: int = Field(gt=0)


class ReregistrationRules(_Frozen):
    """Applying for re-registration, reminders, extensions and reconsideration."""

    application_opens_months_before_end: int = Field(ge=0)
    reminders_before_end: tuple[Period, ...] = ()
    max_extension_weeks: int = Field(ge=0)
    reconsideration_weeks: int = Field(gt=0)


class AuditRules(_Frozen):
    """Sampling and reviewing re-registration dossiers."""

    sample_share: Decimal = Field(ge=0, le=1)
    max_sampled_activities_per_dossier: int = Field(gt=0)
    exempt_recently_registered: bool = False
    recent_registration_years: int = Field(ge=0)
    more_info_answer_days: int = Field(gt=0)
    correction_weeks: int = Field(gt=0)


class SchemeVersion(_Frozen):
    """One complete version of the scheme, in force from ``valid_from`` until the next version's."""

    version: str = Field(min_length=1)
    valid_from: date
    description_nl: str = ""
    description_en: str = ""
    registration: RegistrationRules
    norm: NormRules
    categories: tuple[Category, ...]
    a2_types: tuple[A2ActivityType, ...]
    portfolio: PortfolioRules
    accreditation: AccreditationRules
    reregistration: ReregistrationRules
    audit: AuditRules

    @model_validator(mode="after")
    def _categories_and_types_are_well_formed(self) -> SchemeVersion:
        keys = [category.key for category in self.categories]
        if sorted(keys) != sorted(CategoryKey):
            raise ValueError(f"version {self.version}: categories must be exactly A1 and A2 once each, got {keys}")
        if self.category(CategoryKey.A1).points_per_study_load_hour is None:
            raise ValueError(f"version {self.version}: category A1 needs points_per_study_load_hour")
        type_keys = [activity_type.key for activity_type in self.a2_types]
        duplicates = sorted({key for key in type_keys if type_keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"version {self.version}: duplicate A2 type keys {duplicates}")
        return self

    def category(self, key: CategoryKey) -> Category:
        """Return the category with ``key``."""
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)  # unreachable after validation; keeps the return type honest

    def a2_type(self, key: str) -> A2ActivityType | None:
        """Return the A2 activity type with ``key``, or None when this version does not know it."""
        for activity_type in self.a2_types:
            if activity_type.key == key:
                return activity_type
        return None


class SchemeBook(_Frozen):
    """All scheme versions, ordered by ``valid_from``."""

    versions: tuple[SchemeVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions_are_unique_and_ordered(self) -> SchemeBook:
        ids = [version.version for version in self.versions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate scheme version ids in {ids}")
        starts = [version.valid_from for version in self.versions]
        # Strictly increasing in file order: the file then reads as a history, and two versions can never both
        # claim the same day.
        if any(later <= earlier for earlier, later in pairwise(starts)):
            raise ValueError("scheme versions must be listed with strictly increasing valid_from dates")
        return self

    def get(self, version_id: str) -> SchemeVersion:
        """Return the version with id ``version_id``; raise :class:`UnknownSchemeVersion` if there is none."""
        for version in self.versions:
            if version.version == version_id:
                return version
        raise UnknownSchemeVersion(version_id)

    def version_in_force(self, on: date) -> SchemeVersion:
        """Return the version in force on ``on``: the latest whose ``valid_from`` is on or before that day.

        Raises :class:`NoSchemeVersionInForce` when ``on`` precedes the first version.
        """
        in_force = [version for version in self.versions if version.valid_from <= on]
        if not in_force:
            raise NoSchemeVersionInForce(f"no scheme version in force on {on.isoformat()}")
        return in_force[-1]

    @property
    def latest(self) -> SchemeVersion:
        """The most recent version (the one new cycles open under from its ``valid_from`` on)."""
        return self.versions[-1]


def load_scheme_book(path: Path) -> SchemeBook:
    """Read and validate a scheme file.

    Raises ``OSError`` when the file cannot be read, ``tomllib.TOMLDecodeError`` on bad TOML and
    ``pydantic.ValidationError`` when the content breaks the scheme's rules.
    """
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return SchemeBook.model_validate(data)


def default_scheme_path() -> Path:
    """Return ``config/scheme.toml`` of the repository this package lives in.

    Walks up from this file until a directory containing ``config/scheme.toml`` is found. Deployed services
    should pass an explicit path from their settings instead; this is the fallback for local runs and tests.
    """
    here = Path(__file__).resolve()
    for directory in here.parents:
        candidate = directory / SCHEME_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {SCHEME_FILE} found in any parent directory of {here}")
