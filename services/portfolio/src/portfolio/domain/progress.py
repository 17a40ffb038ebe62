"""Figures derived from a norm outcome for display: points per calendar year of a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lklr_shared.scheme import CategoryKey
from portfolio.domain.norm import NormOutcome

__all__ = ["YearPoints", "points_per_year"]


@dataclass(frozen=True, slots=True)
class YearPoints:
    """Counted points completed in one calendar year, with the accredited and A2 parts (which may overlap)."""

    year: int
    total: Decimal
    accredited: Decimal
    a2: Decimal


def points_per_year(outcome: NormOutcome) -> tuple[YearPoints, ...]:
    """Counted points per calendar year, for every year the cycle touches (years without points show 0)."""
    zero = Decimal(0)
    totals: dict[int, list[Decimal]] = {
        year: [zero, zero, zero] for year in range(outcome.cycle.start.year, outcome.cycle.end.year + 1)
    }
    for activity in outcome.counted:
        figures = totals[activity.completed_on.year]  # counted activities lie within the cycle
        figures[0] += activity.points
        if activity.accredited:
            figures[1] += activity.points
        if activity.category is CategoryKey.A2:
            figures[2] += activity.points
    return tuple(
        YearPoints(year=year, total=total, accredited=accredited, a2=a2)
        for year, (total, accredited, a2) in sorted(totals.items())
    )
