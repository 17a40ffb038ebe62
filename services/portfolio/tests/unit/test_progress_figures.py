"""Figures shown with the progress: points per year, and the worst case of a sample's rejections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.scheme import default_scheme_path, load_scheme_book
from portfolio.domain.activities import EntryState
from portfolio.domain.norm import Cycle, assess_norm
from portfolio.domain.progress import YearPoints, points_per_year

from . import entries

pytestmark = pytest.mark.unit

D = Decimal
CYCLE = Cycle(start=date(2020, 3, 1), end=date(2025, 2, 28), registration_start=date(2020, 3, 1))
SCHEME = load_scheme_book(default_scheme_path()).get("2018.1")


def test_points_per_year_cover_every_year_of_the_cycle_and_only_counted_points() -> None:
    outcome = assess_norm(
        CYCLE,
        SCHEME,
        [
            entries.placed_course("8", date(2020, 5, 1), id_="c"),
            entries.self_entered("5", date(2020, 6, 1), a2_type="collegial_feedback", id_="a"),
            entries.self_entered("2.5", date(2023, 1, 1), id_="b"),
            entries.self_entered("10", date(2023, 2, 1), state=EntryState.REJECTED, id_="r"),
            entries.self_entered("4", date(2019, 1, 1), id_="early"),
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
            entries.placed_course("40", date(2021, 1, 1), id_="c"),
            entries.self_entered("50", date(2021, 2, 1), a2_type="article", id_="a"),
            entries.self_entered("82", date(2021, 3, 1), id_="b"),
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
