"""Activities as the norm sees them, for the unit tests: one builder per way an entry reaches the portfolio."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from lklr_shared.scheme import CategoryKey
from portfolio.domain.activities import Activity, ActivitySource, EntryState

_ids = count(1)


def _id(prefix: str, given: str | None) -> str:
    return given if given is not None else f"{prefix}-{next(_ids)}"


def placed_course(
    points: str | int,
    on: date,
    *,
    category: CategoryKey = CategoryKey.A1,
    state: EntryState = EntryState.PLACED,
    id_: str | None = None,
) -> Activity:
    """An accredited course posted by its provider (A1 unless told)."""
    return Activity(
        id=_id("course", id_),
        category=category,
        points=Decimal(points),
        accredited=True,
        source=ActivitySource.PROVIDER_PLACED,
        state=state,
        completed_on=on,
    )


def self_entered(
    points: str | int,
    on: date,
    *,
    a2_type: str | None = None,
    state: EntryState = EntryState.TO_BE_CHECKED,
    id_: str | None = None,
) -> Activity:
    """An entry the professional made: an A2 activity of ``a2_type``, or a non-accredited A1 course without one."""
    return Activity(
        id=_id(f"own-{'a2' if a2_type else 'a1'}", id_),
        category=CategoryKey.A2 if a2_type else CategoryKey.A1,
        points=Decimal(points),
        accredited=False,
        source=ActivitySource.SELF_ENTERED,
        state=state,
        completed_on=on,
        a2_type=a2_type,
    )


def teaching(points: str | int, on: date, *, state: EntryState = EntryState.PLACED) -> Activity:
    """Giving training, approved by the accreditation committee: accredited AND A2."""
    return Activity(
        id=_id("teaching", None),
        category=CategoryKey.A2,
        points=Decimal(points),
        accredited=True,
        source=ActivitySource.TEACHING,
        state=state,
        completed_on=on,
        a2_type="giving_training",
    )
