"""Activity invariants and points derived from the scheme."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lklr_shared.scheme import SchemeVersion, default_scheme_path, load_scheme_book
from portfolio.domain.activities import (
    Activity,
    ActivitySource,
    CategoryKey,
    ConditionNotMet,
    EntryState,
    a2_points,
    course_points,
)

pytestmark = pytest.mark.unit

D = Decimal


@pytest.mark.parametrize(
    ("type_key", "quantity", "hours_per_unit", "expected"),
    [
        pytest.param("collegial_feedback", D(1), None, D(5), id="collegial-feedback-per-activity"),
        pytest.param("feedback_360", D(1), None, D(10), id="360-feedback"),
        pytest.param("intern_supervision", D(2), None, D(20), id="two-interns-one-school-year"),
        pytest.param("intervision", D(3), D("1.5"), D(6), id="three-sessions-of-1.5h"),
        pytest.param("article", D(1), None, D(10), id="article"),
        pytest.param("presentation", D(2), None, D(10), id="two-presentations"),
        pytest.param("giving_training", D("2.5"), None, D("2.5"), id="half-hour-given-earns-half-point"),
        pytest.param("giving_training", D("2.75"), None, D("2.5"), id="rounded-down-to-halves"),
    ],
)
def test_a2_points_are_the_type_points_times_the_quantity(
    scheme: SchemeVersion, type_key: str, quantity: Decimal, hours_per_unit: Decimal | None, expected: Decimal
) -> None:
    assert a2_points(scheme, type_key, quantity, hours_per_unit=hours_per_unit) == expected


@pytest.mark.parametrize("hours_per_unit", [None, D("1.25")])
def test_intervision_sessions_shorter_than_the_minimum_earn_nothing(
    scheme: SchemeVersion, hours_per_unit: Decimal | None
) -> None:
    with pytest.raises(ConditionNotMet):
        a2_points(scheme, "intervision", D(2), hours_per_unit=hours_per_unit)


def test_a2_type_unknown_to_the_version_is_refused() -> None:
    older = load_scheme_book(default_scheme_path()).get("2013.1")
    with pytest.raises(KeyError):
        a2_points(older, "feedback_360", D(1))


def test_a2_points_follow_the_scheme_file(tmp_path: Path) -> None:
    text = default_scheme_path().read_text(encoding="utf-8")
    # Raise collegial feedback from 5 to 7 points in every version, by editing data only.
    changed = text.replace('label_en = "Collegial feedback"\npoints = 5', 'label_en = "Collegial feedback"\npoints = 7')
    assert changed != text
    path = tmp_path / "scheme.toml"
    path.write_text(changed, encoding="utf-8")
    assert a2_points(load_scheme_book(path).get("2018.1"), "collegial_feedback", D(2)) == D(14)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(D(8), D(8)), (D("1.5"), D("1.5")), (D("2.75"), D("2.5")), (D("0.4"), D(0))],
)
def test_course_points_are_one_per_study_load_hour_in_halves(
    scheme: SchemeVersion, hours: Decimal, expected: Decimal
) -> None:
    assert course_points(scheme, hours) == expected


def _activity(**changes: object) -> Activity:
    fields: dict[str, object] = {
        "id": "a-1",
        "category": CategoryKey.A1,
        "points": D(4),
        "accredited": False,
        "source": ActivitySource.SELF_ENTERED,
        "state": EntryState.TO_BE_CHECKED,
        "completed_on": date(2021, 5, 1),
        "a2_type": None,
    }
    fields.update(changes)
    return Activity(**fields)  # type: ignore[arg-type]


def test_a_valid_self_entered_activity_is_built() -> None:
    activity = _activity(points=D("1.5"))
    assert activity.points == D("1.5")
    assert activity.at_audit_risk


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"points": D("0.25")}, id="quarter-point"),
        pytest.param({"points": D(-1)}, id="negative-points"),
        pytest.param({"category": CategoryKey.A2}, id="a2-without-type"),
        pytest.param({"a2_type": "article"}, id="a1-with-type"),
        pytest.param({"accredited": True}, id="self-entered-accredited"),
        pytest.param({"state": EntryState.PLACED}, id="self-entered-placed"),
        pytest.param(
            {"source": ActivitySource.PROVIDER_PLACED, "accredited": True, "state": EntryState.TO_BE_CHECKED},
            id="provider-placed-to-be-checked",
        ),
        pytest.param(
            {"source": ActivitySource.PROVIDER_PLACED, "state": EntryState.PLACED},
            id="provider-placed-not-accredited",
        ),
    ],
)
def test_rejects_an_inconsistent_activity(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _activity(**changes)
