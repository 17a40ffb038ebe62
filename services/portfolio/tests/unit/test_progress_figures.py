"""Figures shown with the progress: points per year, and the worst case of a sample's rejections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.scheme import CategoryKey, default_scheme_path, load_scheme_book
from portfolio.domain.activities import Activity, ActivitySource, EntryState
from portfolio.domain.norm import Cycle, assess_norm
from portfolio.domain.progress import YearPoints, points_per_year

pytestmark = pytest.mark.unit

D = Decimal
CYCLE = Cycle(start=date(2020, 3, 1), end=date(2025, 2, 28), registration_start=date(2020, 3, 1))
SCHEME = load_scheme_book(default_scheme_path()).get("2018.1")


def _own(id_: str, points: str, on: date, a2_type: str | None = None, state: EntryState = EntryState.TO_BE_CHECKED):  # type: ignore[no-untyped-def]
    return Activity(
        id=id_,
        category=CategoryKey.A2 if a2_type else CategoryKey.A1,
        points=D(points),
        accredited=False,
        source=ActivitySource.SELF_ENTERED,
        state=state,
        completed_on=on,
        a2_type=a2_type,
    )


def _course(id_: str, points: str, on: date) -> Activity:
    return Activity(
        id=id_,
        category=CategoryKey.A1,
        points=D(points),
        accredited=True,
        source=ActivitySource.PROVIDER_PLACED,
        state=EntryState.PLACED,
        completed_on=on,
    )


def test_points_per_year_cover_every_year_of_the_cycle_and_only_counted_points() -> None:
    outcome = assess_norm(
        CYCLE,
        SCHEME,
        [
            _course("c", "8", date(2020, 5, 1)),
            _own("a", "5", date(2020, 6, 1), "collegial_feedback"),
            _own("b", "2.5", date(2023, 1, 1)),
            _own("r", "10", date(2023, 2, 1), state=EntryState.REJECTED),
            _own("early", "4", date(2019, 1, 1)),
        ],
        today=date(2024, 1, 1),
    )
    assert points_per_year(outcome) == (
        YearPoints(2020, D(13), D(8), D(5)),
        YearPoints(2021, D(0), D(0), D(0)),
        YearPoints(2022, D(0), D(0), D(0)),
        YearPoints(2023, D("2.5"), D(0), D(0)),
        YearPoints(2024, D(0), D(0), D(0)),
        YearPoints(2025, D(0), D(0), D(0)),
    )


def test_the_worst_case_of_rejections_hits_a2_first_and_agrees_with_holds_if_rejected() -> None:
    outcome = assess_norm(
        CYCLE,
        SCHEME,
        [
            _course("c", "40", date(2021, 1, 1)),
            _own("a", "50", date(2021, 2, 1), "article"),
            _own("b", "82", date(2021, 3, 1)),
        ],
        today=date(2024, 1, 1),
    )
    assert outcome.buffer_points == D(10)
    for rejected in (D(0), D(10), D("10.5"), D(30), D(132)):
        after = outcome.worst_case_after_rejecting(rejected)
        assert all(c.met for c in after) == outcome.holds_if_rejected(rejected)
    assert [c.earned for c in outcome.worst_case_after_rejecting(D(60))] == [D(112), D(40), D(0)]
    with pytest.raises(ValueError):
        outcome.worst_case_after_rejecting(D("132.5"))
