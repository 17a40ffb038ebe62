"""Points and hours as the register counts them: decimals, points in whole or half points."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Final

POINT_STEP: Final = Decimal("0.5")
# Hours are kept to the quarter of an hour at most precisely enough: two decimals (1.25, 0.75, 2.5).
HOURS_QUANTUM: Final = Decimal("0.01")
MAX_HOURS: Final = Decimal(10_000)


def floor_to_half_points(points: Decimal) -> Decimal:
    """Round down to whole halves: the register never credits more than was earned (2.75 → 2.5)."""
    steps = (points / POINT_STEP).to_integral_value(rounding=ROUND_FLOOR)
    return (steps * POINT_STEP).quantize(HOURS_QUANTUM)


def is_half_point_multiple(points: Decimal) -> bool:
    """Whether ``points`` is a whole or half number of points."""
    return points.is_finite() and (points / POINT_STEP) == (points / POINT_STEP).to_integral_value()


def positive_hours(value: Decimal) -> Decimal | None:
    """Return ``value`` quantised to two decimals when it is a finite positive number of hours with at most two
    decimals and below :data:`MAX_HOURS`; None otherwise."""
    if not value.is_finite() or value <= 0 or value >= MAX_HOURS:
        return None
    try:
        quantised = value.quantize(HOURS_QUANTUM)
    except InvalidOperation:
        return None
    return quantised if quantised == value else None
