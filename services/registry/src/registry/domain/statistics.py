"""Register statistics: registered professionals against the office's figure for all working professionals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from registry.domain.people import Role


class InvalidStatistics(ValueError):
    """Counts that cannot be right (negative, or inconsistent with each other)."""


def coverage_percentage(registered: int, working_total: int | None, *, decimals: int = 0) -> Decimal | None:
    """Return ``registered`` as a percentage of ``working_total``, rounded half-up to ``decimals`` places.

    Returns ``None`` when the office has entered no working total (or zero) for the year: there is no
    meaningful percentage, and showing 0% or dividing by zero would both mislead.

    Rounding never claims "nobody" or "everyone" when that is not true: a non-zero share that would round to
    0 is reported as the smallest step (e.g. 1%), and an incomplete share that would round to 100 as just
    under it (e.g. 99%). More registered than the office's estimate is reported as is (above 100), since
    hiding it would hide that the estimate needs updating.
    """
    if registered < 0 or (working_total is not None and working_total < 0):
        raise InvalidStatistics("Counts cannot be negative.")
    if decimals < 0:
        raise ValueError("decimals cannot be negative")
    if not working_total:
        return None
    step = Decimal(1).scaleb(-decimals)
    exact = Decimal(registered) * 100 / Decimal(working_total)
    rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
    if rounded == 0 and registered > 0:
        return step
    if rounded == 100 and registered < working_total:
        return Decimal(100) - step
    return rounded


@dataclass(frozen=True, slots=True)
class RoleStatistics:
    """Registered professionals in one role, with a percentage when the office gave a per-role total."""

    role: Role
    registered: int
    working_total: int | None
    percentage: Decimal | None


@dataclass(frozen=True, slots=True)
class RegisterStatistics:
    """The published counter for one year ("33% of 100%"), optionally broken down by role."""

    year: int
    registered: int
    working_total: int | None
    percentage: Decimal | None
    by_role: tuple[RoleStatistics, ...] = field(default=())


def register_statistics(
    *,
    year: int,
    registered_total: int,
    registered_by_role: Mapping[Role, int],
    working_total: int | None,
    working_total_by_role: Mapping[Role, int] | None = None,
    decimals: int = 0,
) -> RegisterStatistics:
    """Compute the year's statistics from counts the caller queried.

    ``registered_total`` counts people, not roles: someone registered in both roles appears once there but in
    both per-role counts, so the total cannot be derived by summing the roles, and is checked against them.
    """
    counts = {role: registered_by_role.get(role, 0) for role in Role}
    if registered_total < 0 or any(count < 0 for count in counts.values()):
        raise InvalidStatistics("Counts cannot be negative.")
    if any(count > registered_total for count in counts.values()):
        raise InvalidStatistics("A role cannot count more registered professionals than the whole register.")
    if registered_total > sum(counts.values()):
        raise InvalidStatistics("Every registered professional has a role; the role counts are too low.")
    role_totals = working_total_by_role or {}
    by_role = tuple(
        RoleStatistics(
            role=role,
            registered=counts[role],
            working_total=role_totals.get(role),
            percentage=coverage_percentage(counts[role], role_totals.get(role), decimals=decimals),
        )
        for role in Role
    )
    return RegisterStatistics(
        year=year,
        registered=registered_total,
        working_total=working_total,
        percentage=coverage_percentage(registered_total, working_total, decimals=decimals),
        by_role=by_role,
    )
