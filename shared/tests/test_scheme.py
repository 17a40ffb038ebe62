"""Loading the scheme file and choosing the version in force."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from lklr_shared.scheme import (
    A2Unit,
    CategoryKey,
    NoSchemeVersionInForce,
    Period,
    PeriodUnit,
    SchemeBook,
    UnknownSchemeVersion,
    default_scheme_path,
    load_scheme_book,
)

pytestmark = pytest.mark.unit

D = Decimal


@pytest.fixture(scope="module")
def book() -> SchemeBook:
    return load_scheme_book(default_scheme_path())


def test_default_path_points_at_the_repository_config_file() -> None:
    path = default_scheme_path()
    assert path.parts[-2:] == ("config", "scheme.toml")
    assert path.is_file()


def test_default_scheme_carries_the_defaults_of_the_rules(book: SchemeBook) -> None:
    version = book.latest
    assert version.registration.cycle_years == 5
    assert version.registration.min_hours_per_week == 16
    norm = version.norm
    assert (norm.min_total_points, norm.min_accredited_points, norm.min_a2_points) == (D(160), D(40), D(40))
    assert version.norm.carry_over_surplus is False
    assert version.category(CategoryKey.A1).label_nl == "Bij- en nascholing"
    assert version.category(CategoryKey.A1).points_per_study_load_hour == 1
    assert version.portfolio.confirm_dispute_window_days == 30
    assert version.accreditation.validity_years == 3
    assert version.accreditation.objection_weeks == 8
    assert version.accreditation.attendance_posting_window_months == 12
    rereg = version.reregistration
    assert rereg.application_opens_months_before_end == 6
    assert rereg.reminders_before_end == (
        Period(amount=6, unit=PeriodUnit.MONTHS),
        Period(amount=12, unit=PeriodUnit.WEEKS),
        Period(amount=6, unit=PeriodUnit.WEEKS),
    )
    assert (rereg.max_extension_weeks, rereg.reconsideration_weeks) == (16, 6)
    audit = version.audit
    assert audit.sample_share == Decimal("0.1")
    assert audit.max_sampled_activities_per_dossier == 10
    assert (audit.exempt_recently_registered, audit.recent_registration_years) == (False, 2)
    assert (audit.more_info_answer_days, audit.correction_weeks) == (21, 8)


@pytest.mark.parametrize(
    ("key", "points", "unit"),
    [
        ("collegial_feedback", Decimal(5), A2Unit.PER_ACTIVITY),
        ("feedback_360", Decimal(10), A2Unit.PER_ACTIVITY),
        ("intern_supervision", Decimal(10), A2Unit.PER_INTERN_PER_SCHOOL_YEAR),
        ("intervision", Decimal(2), A2Unit.PER_SESSION),
        ("article", Decimal(10), A2Unit.PER_ACTIVITY),
        ("presentation", Decimal(5), A2Unit.PER_ACTIVITY),
        ("giving_training", Decimal(1), A2Unit.PER_HOUR_GIVEN),
    ],
)
def test_latest_version_lists_the_a2_types(book: SchemeBook, key: str, points: Decimal, unit: A2Unit) -> None:
    activity_type = book.latest.a2_type(key)
    assert activity_type is not None
    assert (activity_type.points, activity_type.unit) == (points, unit)
    assert activity_type.label_nl and activity_type.label_en


def test_intervision_carries_its_minimum_duration(book: SchemeBook) -> None:
    intervision = book.latest.a2_type("intervision")
    assert intervision is not None
    assert intervision.min_hours_per_unit == Decimal("1.5")
    assert intervision.condition_en


def test_360_degree_feedback_was_added_in_2018(book: SchemeBook) -> None:
    assert book.get("2013.1").a2_type("feedback_360") is None
    assert book.get("2018.1").a2_type("feedback_360") is not None


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2013, 1, 1), "2013.1"),
        (date(2017, 12, 31), "2013.1"),
        (date(2018, 1, 1), "2018.1"),
        (date(2030, 6, 1), "2018.1"),
    ],
)
def test_version_in_force_is_the_latest_started_on_or_before_the_day(book: SchemeBook, on: date, expected: str) -> None:
    assert book.version_in_force(on).version == expected


def test_no_version_is_in_force_before_the_first(book: SchemeBook) -> None:
    with pytest.raises(NoSchemeVersionInForce):
        book.version_in_force(date(2012, 12, 31))


def test_get_unknown_version_raises(book: SchemeBook) -> None:
    with pytest.raises(UnknownSchemeVersion):
        book.get("1999.1")


def test_loaded_models_are_frozen(book: SchemeBook) -> None:
    with pytest.raises(ValidationError):
        book.latest.norm.min_total_points = Decimal(1)  # type: ignore[misc]


def _default_data() -> dict[str, object]:
    with default_scheme_path().open("rb") as handle:
        return tomllib.load(handle)


def _latest(data: dict[str, object]) -> dict[str, object]:
    versions = data["versions"]
    assert isinstance(versions, list)
    latest = versions[-1]
    assert isinstance(latest, dict)
    return latest


def _duplicate_version_id(data: dict[str, object]) -> None:
    _latest(data)["version"] = "2013.1"


def _versions_out_of_order(data: dict[str, object]) -> None:
    _latest(data)["valid_from"] = date(2010, 1, 1)


def _misspelt_key(data: dict[str, object]) -> None:
    norm = _latest(data)["norm"]
    assert isinstance(norm, dict)
    norm["min_totaal_points"] = 100


def _tag_minimum_above_total(data: dict[str, object]) -> None:
    norm = _latest(data)["norm"]
    assert isinstance(norm, dict)
    norm["min_a2_points"] = 200


def _duplicate_a2_type(data: dict[str, object]) -> None:
    types = _latest(data)["a2_types"]
    assert isinstance(types, list)
    types.append(dict(types[0]))


def _missing_category(data: dict[str, object]) -> None:
    categories = _latest(data)["categories"]
    assert isinstance(categories, list)
    del categories[1]


def _sample_share_above_one(data: dict[str, object]) -> None:
    audit = _latest(data)["audit"]
    assert isinstance(audit, dict)
    audit["sample_share"] = 1.5


@pytest.mark.parametrize(
    "break_it",
    [
        _duplicate_version_id,
        _versions_out_of_order,
        _misspelt_key,
        _tag_minimum_above_total,
        _duplicate_a2_type,
        _missing_category,
        _sample_share_above_one,
    ],
)
def test_rejects_a_broken_scheme(break_it: Callable[[dict[str, object]], None]) -> None:
    data = _default_data()
    break_it(data)
    with pytest.raises(ValidationError):
        SchemeBook.model_validate(data)


def test_loads_a_scheme_from_another_path(tmp_path: Path) -> None:
    text = default_scheme_path().read_text(encoding="utf-8").replace("min_total_points = 160", "min_total_points = 100")
    path = tmp_path / "scheme.toml"
    path.write_text(text, encoding="utf-8")
    assert all(version.norm.min_total_points == 100 for version in load_scheme_book(path).versions)


@pytest.mark.parametrize(
    ("period", "day", "before", "after"),
    [
        (Period(amount=6, unit=PeriodUnit.MONTHS), date(2025, 8, 31), date(2025, 2, 28), date(2026, 2, 28)),
        (Period(amount=12, unit=PeriodUnit.WEEKS), date(2025, 3, 25), date(2024, 12, 31), date(2025, 6, 17)),
        (Period(amount=30, unit=PeriodUnit.DAYS), date(2025, 3, 1), date(2025, 1, 30), date(2025, 3, 31)),
        (Period(amount=1, unit=PeriodUnit.YEARS), date(2024, 2, 29), date(2023, 2, 28), date(2025, 2, 28)),
    ],
)
def test_period_shifts_calendar_dates(period: Period, day: date, before: date, after: date) -> None:
    assert period.before(day) == before
    assert period.after(day) == after


def test_a1_suggests_one_point_per_study_load_hour_rounded_down_to_halves() -> None:
    a1 = load_scheme_book(default_scheme_path()).versions[-1].category("A1")
    assert a1.points_for_study_load(Decimal(4)) == Decimal("4.00")
    assert a1.points_for_study_load(Decimal("2.75")) == Decimal("2.50")
    assert load_scheme_book(default_scheme_path()).versions[-1].category("A2").points_for_study_load(Decimal(4)) is None
