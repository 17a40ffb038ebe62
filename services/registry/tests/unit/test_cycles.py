from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.cycles import Cycle, Extension, ExtensionReason, InvalidCycle, add_years

pytestmark = pytest.mark.unit


def test_first_cycle_lasts_five_years_ending_the_day_before_the_anniversary() -> None:
    cycle = Cycle.starting(date(2025, 3, 15))
    assert cycle.start == date(2025, 3, 15)
    assert cycle.end == date(2030, 3, 14)


def test_cycle_length_is_a_parameter() -> None:
    assert Cycle.starting(date(2025, 1, 1), years=4).end == date(2028, 12, 31)


def test_cycle_starting_on_a_leap_day_ends_on_the_last_day_of_february() -> None:
    assert Cycle.starting(date(2024, 2, 29)).end == date(2029, 2, 28)


def test_cycle_starting_on_a_leap_day_into_a_leap_year_ends_on_28_february() -> None:
    # 2024-02-29 + 4 years is 2028-02-29, which exists; the cycle ends the day before.
    assert Cycle.starting(date(2024, 2, 29), years=4).end == date(2028, 2, 28)


def test_cycle_starting_on_1_march_ends_on_the_last_day_of_february_in_a_leap_year() -> None:
    assert Cycle.starting(date(2023, 3, 1)).end == date(2028, 2, 29)


def test_add_years_maps_a_leap_day_to_1_march_in_a_common_year() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(1, 10))
def test_consecutive_cycles_leave_no_gap_and_no_overlap(start: date, years: int) -> None:
    first = Cycle.starting(start, years)
    second = first.next(years)
    assert (second.start - first.end).days == 1
    assert first.start < first.end


def test_rejects_a_cycle_shorter_than_a_year_or_ending_before_it_starts() -> None:
    with pytest.raises(InvalidCycle):
        Cycle.starting(date(2025, 1, 1), years=0)
    with pytest.raises(InvalidCycle):
        Cycle(start=date(2025, 1, 2), base_end=date(2025, 1, 1))


def test_contains_and_days_left_count_both_ends_inclusive() -> None:
    cycle = Cycle(start=date(2025, 1, 1), base_end=date(2025, 1, 10))
    assert cycle.contains(date(2025, 1, 1))
    assert cycle.contains(date(2025, 1, 10))
    assert not cycle.contains(date(2025, 1, 11))
    assert cycle.days_left(date(2025, 1, 10)) == 1
    assert cycle.days_left(date(2025, 1, 11)) == 0
    assert cycle.days_left(date(2024, 12, 1)) == 10


def test_extension_pushes_the_end_by_whole_weeks() -> None:
    cycle = Cycle.starting(date(2025, 1, 1))
    extended = cycle.extended(Extension(case="ziek-1", reason=ExtensionReason.ILLNESS, weeks=16))
    assert extended.end == date(2030, 4, 22)
    assert extended.base_end == cycle.end
    assert extended.next().start == date(2030, 4, 23)


def test_rejects_extension_beyond_the_maximum_per_case() -> None:
    cycle = Cycle.starting(date(2025, 1, 1))
    with pytest.raises(InvalidCycle):
        cycle.extended(Extension(case="ziek-1", reason=ExtensionReason.ILLNESS, weeks=17))


def test_maximum_weeks_counts_earlier_grants_for_the_same_case_only() -> None:
    cycle = Cycle.starting(date(2025, 1, 1)).extended(
        Extension(case="ziek-1", reason=ExtensionReason.ILLNESS, weeks=10)
    )
    with pytest.raises(InvalidCycle):
        cycle.extended(Extension(case="ziek-1", reason=ExtensionReason.ILLNESS, weeks=7))
    both = cycle.extended(Extension(case="zwanger-1", reason=ExtensionReason.PREGNANCY, weeks=16))
    assert both.extension_weeks == 26


def test_maximum_weeks_per_case_is_a_parameter() -> None:
    cycle = Cycle.starting(date(2025, 1, 1))
    extension = Extension(case="ziek-1", reason=ExtensionReason.ILLNESS, weeks=20)
    assert cycle.extended(extension, max_weeks_per_case=26).extension_weeks == 20


def test_rejects_an_extension_without_case_or_weeks() -> None:
    with pytest.raises(InvalidCycle):
        Extension(case=" ", reason=ExtensionReason.ILLNESS, weeks=1)
    with pytest.raises(InvalidCycle):
        Extension(case="x", reason=ExtensionReason.ILLNESS, weeks=0)
