"""Cycles and entries over time: which cycle holds or lists a day, when a cycle takes new entries, when an entry
may change, and which entries are new to the professional.

Pure rules over anything shaped like a cycle or an entry (the stored records are), no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar

from portfolio.domain.activities import ActivitySource, EntryState


class CyclePeriod(Protocol):
    """A cycle as these rules see it: its days, and whether it is frozen into a dossier or returned for correction."""

    @property
    def starts_on(self) -> date: ...

    @property
    def ends_on(self) -> date: ...

    @property
    def frozen_at(self) -> datetime | None: ...

    @property
    def correction_until(self) -> date | None: ...


class EntryFacts(Protocol):
    """A portfolio entry as these rules see it."""

    @property
    def source(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def completion_date(self) -> date: ...

    @property
    def recorded_at(self) -> datetime: ...


CycleT = TypeVar("CycleT", bound=CyclePeriod)


def contains(cycle: CyclePeriod, day: date) -> bool:
    """Whether ``day`` falls in the cycle (both ends included)."""
    return cycle.starts_on <= day <= cycle.ends_on


def cycle_containing(cycles: Sequence[CycleT], day: date) -> CycleT | None:
    """The cycle an activity completed on ``day`` counts in, if any (cycles never overlap)."""
    return next((cycle for cycle in cycles if contains(cycle, day)), None)


def listing_cycle(cycles: Sequence[CycleT], day: date) -> CycleT | None:
    """The cycle whose portfolio page lists work completed on ``day`` (``cycles`` oldest first): the one holding
    it, else the first cycle for earlier work (before registration) and the latest for later work. None while no
    cycle is known."""
    if not cycles:
        return None
    holding = cycle_containing(cycles, day)
    if holding is not None:
        return holding
    if day < cycles[0].starts_on:
        return cycles[0]
    later = [cycle for cycle in cycles if cycle.starts_on > day]
    return later[0] if later else cycles[-1]


def open_for_additions(cycle: CyclePeriod, today: date) -> bool:
    """Whether new entries may be added: not frozen, or returned for correction and still within its deadline."""
    return cycle.frozen_at is None or (cycle.correction_until is not None and today <= cycle.correction_until)


def is_editable(entry: EntryFacts, cycles: Sequence[CyclePeriod]) -> bool:
    """Self-entered, not yet judged by an audit, and not in a frozen cycle."""
    cycle = cycle_containing(cycles, entry.completion_date)
    return (
        entry.source == ActivitySource.SELF_ENTERED
        and entry.state == EntryState.TO_BE_CHECKED
        and (cycle is None or cycle.frozen_at is None)
    )


def is_new(entry: EntryFacts, last_seen_at: datetime | None) -> bool:
    """Entries others placed (a provider, the committee) are new until the professional's next visit."""
    if entry.source == ActivitySource.SELF_ENTERED:
        return False
    return last_seen_at is None or entry.recorded_at > last_seen_at
