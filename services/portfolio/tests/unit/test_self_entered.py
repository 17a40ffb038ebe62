"""Points of self-entered activities, and the A2 type rule for entries providers place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.scheme import CategoryKey, SchemeVersion
from portfolio.domain.activities import (
    Activity,
    ActivitySource,
    EntryState,
    InvalidEntry,
    QuantityNotWhole,
    a2_points,
    self_entered_points,
)

from . import entries

pytestmark = pytest.mark.unit

D = Decimal


@pytest.mark.parametrize(
    ("category", "fields", "expected"),
    [
        pytest.param(CategoryKey.A1, {"study_load_hours": D("3.5")}, D("3.5"), id="a1-half-points"),
        pytest.param(CategoryKey.A1, {"study_load_hours": D("3.4")}, D(3), id="a1-rounded-down-to-halves"),
        pytest.param(CategoryKey.A2, {"a2_type": "feedback_360", "quantity": D(1)}, D(10), id="a2-360-feedback"),
        pytest.param(
            CategoryKey.A2,
            {"a2_type": "intervision", "quantity": D(4), "hours_per_unit": D(2)},
            D(8),
            id="a2-intervision-long-enough",
        ),
        pytest.param(CategoryKey.A2, {"a2_type": "giving_training", "quantity": D("1.5")}, D("1.5"), id="a2-hours"),
    ],
)
def test_self_entered_points_follow_the_scheme(
    scheme: SchemeVersion, category: CategoryKey, fields: dict[str, object], expected: Decimal
) -> None:
    values: dict[str, object] = {"study_load_hours": None, "a2_type": None, "quantity": None, "hours_per_unit": None}
    values.update(fields)
    assert self_entered_points(scheme, category, **values) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "fields", "code"),
    [
        pytest.param(CategoryKey.A1, {}, "study_load_hours_required", id="a1-without-hours"),
        pytest.param(CategoryKey.A1, {"study_load_hours": D(1), "quantity": D(1)}, "fields_not_for_a1", id="a1+qty"),
        pytest.param(CategoryKey.A2, {"quantity": D(1)}, "a2_type_required", id="a2-without-type"),
        pytest.param(CategoryKey.A2, {"a2_type": "article"}, "quantity_required", id="a2-without-quantity"),
        pytest.param(CategoryKey.A2, {"a2_type": "x", "quantity": D(1)}, "unknown_a2_type", id="unknown-type"),
        pytest.param(
            CategoryKey.A2, {"a2_type": "article", "study_load_hours": D(1)}, "fields_not_for_a2", id="a2+hours"
        ),
        pytest.param(
            CategoryKey.A2,
            {"a2_type": "intervision", "quantity": D(1), "hours_per_unit": D(1)},
            "condition_not_met",
            id="short-intervision",
        ),
        pytest.param(
            CategoryKey.A2, {"a2_type": "article", "quantity": D("0.5")}, "quantity_not_whole", id="half-an-article"
        ),
    ],
)
def test_self_entered_activities_that_do_not_fit_are_refused_with_a_reason(
    scheme: SchemeVersion, category: CategoryKey, fields: dict[str, object], code: str
) -> None:
    values: dict[str, object] = {"study_load_hours": None, "a2_type": None, "quantity": None, "hours_per_unit": None}
    values.update(fields)
    with pytest.raises(InvalidEntry) as refused:
        self_entered_points(scheme, category, **values)  # type: ignore[arg-type]
    assert refused.value.code == code


def test_only_hours_given_may_be_fractions(scheme: SchemeVersion) -> None:
    with pytest.raises(QuantityNotWhole):
        a2_points(scheme, "intern_supervision", D("1.5"))


def test_an_accredited_a2_course_needs_no_type_from_the_scheme() -> None:
    course = entries.placed_course(6, date(2022, 1, 1), category=CategoryKey.A2, id_="c")
    assert course.a2_type is None
    with pytest.raises(ValueError):
        Activity(
            id="t",
            category=CategoryKey.A2,
            points=D(6),
            accredited=True,
            source=ActivitySource.TEACHING,
            state=EntryState.PLACED,
            completed_on=date(2022, 1, 1),
        )


def test_an_accredited_a2_course_counts_for_the_a2_and_accredited_minimums(scheme: SchemeVersion) -> None:
    from portfolio.domain.norm import Cycle, assess_norm

    cycle = Cycle(start=date(2020, 3, 1), end=date(2025, 2, 28), registration_start=date(2020, 3, 1))
    course = entries.placed_course(6, date(2022, 1, 1), category=CategoryKey.A2, id_="c")
    outcome = assess_norm(cycle, scheme, [course], today=date(2023, 1, 1))
    assert [c.earned for c in outcome.constraints] == [D(6), D(6), D(6)]
