"""The re-registration window and what a dossier holds."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lklr_shared.scheme import default_scheme_path, load_scheme_book
from portfolio.domain.activities import EntryState
from portfolio.domain.norm import Cycle, assess_norm
from portfolio.domain.reregistration import (
    WindowPosition,
    application_window,
    dossier_totals,
    may_resubmit,
    shortfall_text,
)

from . import entries

pytestmark = pytest.mark.unit


def test_the_window_opens_six_months_before_the_cycle_is_over_and_closes_on_its_last_day() -> None:
    window = application_window(date(2030, 2, 28), 6)

    assert (window.opens_on, window.closes_on) == (date(2029, 9, 1), date(2030, 2, 28))
    assert window.position(date(2029, 8, 31)) is WindowPosition.BEFORE
    assert window.position(date(2029, 9, 1)) is WindowPosition.OPEN
    assert window.position(date(2030, 2, 28)) is WindowPosition.OPEN
    assert window.position(date(2030, 3, 1)) is WindowPosition.AFTER


def test_month_ends_are_clamped_when_counting_back() -> None:
    # The cycle is over on 31 August; six months earlier has no 31st: the last day of February.
    assert application_window(date(2030, 8, 30), 6).opens_on == date(2030, 2, 28)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=24))
def test_the_window_always_ends_on_the_cycle_end_and_never_opens_after_it(end: date, months: int) -> None:
    window = application_window(end, months)

    assert window.closes_on == end
    assert window.opens_on <= end
    assert window.position(end) is WindowPosition.OPEN


def test_a_negative_number_of_months_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        application_window(date(2030, 1, 1), -1)


def test_a_correction_may_be_resubmitted_until_the_end_of_its_deadline_day() -> None:
    deadline = date(2030, 4, 30)

    assert may_resubmit(deadline, deadline)
    assert not may_resubmit(deadline, deadline + timedelta(days=1))
    assert not may_resubmit(None, deadline)


def test_the_dossier_totals_are_those_of_the_counting_activities_and_the_refusal_says_what_is_missing() -> None:
    book = load_scheme_book(default_scheme_path())
    cycle = Cycle(start=date(2025, 1, 1), end=date(2029, 12, 31), registration_start=date(2025, 1, 1))
    activities = [
        entries.placed_course(120, date(2026, 5, 1), id_="course"),
        entries.self_entered(10, date(2026, 6, 1), a2_type="article", id_="article"),
        entries.self_entered(10, date(2026, 6, 2), a2_type="article", state=EntryState.REJECTED, id_="rejected"),
    ]
    outcome = assess_norm(cycle, cycle.scheme(book), activities, today=date(2029, 10, 1))

    totals = dossier_totals(outcome)

    assert (totals.total, totals.accredited, totals.a2, totals.norm_met) == (
        Decimal(130),
        Decimal(120),
        Decimal(10),
        False,
    )
    assert shortfall_text(outcome.constraints) == "total 30, a2 30 points short"
