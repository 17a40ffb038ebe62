"""Which cycle holds or lists a day, when a frozen cycle still takes new entries, when an entry may be changed, and
which entries are new to the professional."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from portfolio.domain.activities import ActivitySource, EntryState
from portfolio.domain.cycles import contains, cycle_containing, is_editable, is_new, listing_cycle, open_for_additions

pytestmark = pytest.mark.unit

FROZEN = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Cycle:
    starts_on: date
    ends_on: date
    frozen_at: datetime | None = None
    correction_until: date | None = None


@dataclass(frozen=True)
class Entry:
    completion_date: date
    source: str = ActivitySource.SELF_ENTERED
    state: str = EntryState.TO_BE_CHECKED
    recorded_at: datetime = FROZEN


FIRST = Cycle(date(2021, 1, 1), date(2025, 12, 31))
SECOND = Cycle(date(2026, 1, 1), date(2030, 12, 31))


def test_a_cycle_contains_both_its_first_and_its_last_day():
    assert contains(FIRST, date(2021, 1, 1))
    assert contains(FIRST, date(2025, 12, 31))
    assert not contains(FIRST, date(2026, 1, 1))


def test_the_cycle_containing_a_day_is_the_one_whose_dates_hold_it():
    assert cycle_containing([FIRST, SECOND], date(2026, 3, 1)) is SECOND
    assert cycle_containing([FIRST, SECOND], date(2020, 12, 31)) is None


def test_an_unfrozen_cycle_takes_new_entries():
    assert open_for_additions(FIRST, date(2026, 1, 1))


def test_a_frozen_cycle_takes_no_new_entries():
    assert not open_for_additions(Cycle(FIRST.starts_on, FIRST.ends_on, frozen_at=FROZEN), date(2026, 1, 10))


def test_a_cycle_returned_for_correction_takes_new_entries_until_its_deadline_included():
    returned = Cycle(FIRST.starts_on, FIRST.ends_on, frozen_at=FROZEN, correction_until=date(2026, 3, 1))
    assert open_for_additions(returned, date(2026, 3, 1))
    assert not open_for_additions(returned, date(2026, 3, 2))


def test_a_self_entered_entry_to_be_checked_in_an_open_cycle_is_editable():
    assert is_editable(Entry(date(2024, 5, 1)), [FIRST, SECOND])
    assert is_editable(Entry(date(2020, 5, 1)), [FIRST])  # before any cycle


def test_an_entry_in_a_frozen_cycle_is_not_editable_even_while_returned_for_correction():
    returned = Cycle(FIRST.starts_on, FIRST.ends_on, frozen_at=FROZEN, correction_until=date(2026, 3, 1))
    assert not is_editable(Entry(date(2024, 5, 1)), [returned])


def test_a_placed_or_judged_entry_is_not_editable():
    assert not is_editable(Entry(date(2024, 5, 1), source=ActivitySource.PROVIDER_PLACED), [FIRST])
    assert not is_editable(Entry(date(2024, 5, 1), state=EntryState.APPROVED), [FIRST])


def test_work_is_listed_in_its_own_cycle_else_the_first_for_earlier_and_the_next_for_later_work():
    assert listing_cycle([FIRST, SECOND], date(2026, 3, 1)) is SECOND
    assert listing_cycle([FIRST, SECOND], date(2019, 3, 1)) is FIRST
    assert listing_cycle([FIRST, SECOND], date(2031, 3, 1)) is SECOND
    assert listing_cycle([], date(2026, 3, 1)) is None


def test_work_between_two_cycles_is_listed_in_the_later_one():
    gap_after = Cycle(date(2021, 1, 1), date(2025, 6, 30))
    assert listing_cycle([gap_after, SECOND], date(2025, 9, 1)) is SECOND


def test_a_placed_entry_is_new_until_the_next_visit_and_an_own_entry_never_is():
    placed = Entry(date(2024, 5, 1), source=ActivitySource.PROVIDER_PLACED, state=EntryState.PLACED)
    assert is_new(placed, None)
    assert is_new(placed, datetime(2026, 1, 4, tzinfo=UTC))
    assert not is_new(placed, datetime(2026, 1, 5, tzinfo=UTC))
    assert not is_new(Entry(date(2024, 5, 1)), None)
