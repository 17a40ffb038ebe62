from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.people import Role
from registry.domain.statistics import InvalidStatistics, coverage_percentage, register_statistics

pytestmark = pytest.mark.unit


def test_percentage_is_rounded_half_up_to_whole_percents() -> None:
    assert coverage_percentage(33, 100) == Decimal(33)
    assert coverage_percentage(1, 3) == Decimal(33)
    assert coverage_percentage(2, 3) == Decimal(67)
    assert coverage_percentage(1, 8) == Decimal(13)  # 12.5 rounds up, not to even


def test_percentage_precision_is_a_parameter() -> None:
    assert coverage_percentage(1, 3, decimals=1) == Decimal("33.3")


@pytest.mark.parametrize("working_total", [None, 0])
def test_no_percentage_without_a_working_total(working_total: int | None) -> None:
    assert coverage_percentage(10, working_total) is None


def test_a_few_registered_never_show_as_zero_percent() -> None:
    assert coverage_percentage(1, 1000) == Decimal(1)
    assert coverage_percentage(1, 100_000, decimals=1) == Decimal("0.1")
    assert coverage_percentage(0, 1000) == Decimal(0)


def test_an_incomplete_register_never_shows_as_one_hundred_percent() -> None:
    assert coverage_percentage(999, 1000) == Decimal(99)
    assert coverage_percentage(1000, 1000) == Decimal(100)


def test_more_registered_than_the_office_estimate_is_shown_as_is() -> None:
    assert coverage_percentage(110, 100) == Decimal(110)


def test_rejects_negative_counts() -> None:
    with pytest.raises(InvalidStatistics):
        coverage_percentage(-1, 10)
    with pytest.raises(InvalidStatistics):
        coverage_percentage(1, -10)


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percentage_is_zero_only_for_nobody_and_one_hundred_only_for_everyone(
    registered: int, working_total: int
) -> None:
    percentage = coverage_percentage(registered, working_total)
    assert percentage is not None
    assert (percentage == 0) == (registered == 0)
    if registered < working_total:
        assert percentage < 100


def test_register_statistics_counts_people_once_and_roles_separately() -> None:
    stats = register_statistics(
        year=2025,
        registered_total=330,
        registered_by_role={Role.LEERPLICHTAMBTENAAR: 250, Role.RMC_MEDEWERKER: 100},
        working_total=1000,
        working_total_by_role={Role.LEERPLICHTAMBTENAAR: 700},
    )
    assert (stats.year, stats.registered, stats.working_total, stats.percentage) == (2025, 330, 1000, Decimal(33))
    by_role = {row.role: row for row in stats.by_role}
    assert by_role[Role.LEERPLICHTAMBTENAAR].percentage == Decimal(36)
    assert by_role[Role.RMC_MEDEWERKER].registered == 100
    assert by_role[Role.RMC_MEDEWERKER].percentage is None


def test_register_statistics_without_working_total_has_no_percentage() -> None:
    stats = register_statistics(year=2025, registered_total=0, registered_by_role={}, working_total=None)
    assert stats.percentage is None
    assert all(row.registered == 0 for row in stats.by_role)


@pytest.mark.parametrize(
    ("total", "by_role"),
    [
        (10, {Role.LEERPLICHTAMBTENAAR: 11}),  # a role exceeds the total
        (10, {Role.LEERPLICHTAMBTENAAR: 4, Role.RMC_MEDEWERKER: 5}),  # someone without a role
        (-1, {}),
        (1, {Role.LEERPLICHTAMBTENAAR: -1, Role.RMC_MEDEWERKER: 2}),
    ],
)
def test_rejects_inconsistent_counts(total: int, by_role: dict[Role, int]) -> None:
    with pytest.raises(InvalidStatistics):
        register_statistics(year=2025, registered_total=total, registered_by_role=by_role, working_total=100)
