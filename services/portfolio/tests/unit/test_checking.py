"""Confirming and disputing provider-placed entries within the scheme's window (silence is acceptance)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portfolio.domain.activities import ActivitySource, EntryState
from portfolio.domain.checking import (
    CheckNotAllowed,
    check_deadline,
    confirmed_state,
    disputed_state,
    is_awaiting_check,
)

pytestmark = pytest.mark.unit

PLACED_ON = date(2025, 3, 1)
WINDOW = 30
LAST_DAY = PLACED_ON + timedelta(days=WINDOW)
PLACED = ActivitySource.PROVIDER_PLACED


def test_the_window_runs_30_days_from_placement() -> None:
    assert check_deadline(PLACED_ON, WINDOW) == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("state", "today", "awaiting"),
    [
        (EntryState.PLACED, PLACED_ON, True),
        (EntryState.PLACED, LAST_DAY, True),
        (EntryState.PLACED, LAST_DAY + timedelta(days=1), False),
        (EntryState.CONFIRMED, PLACED_ON, False),
        (EntryState.VOIDED, PLACED_ON, False),
    ],
)
def test_an_entry_awaits_checking_while_placed_and_in_its_window(
    state: EntryState, today: date, awaiting: bool
) -> None:
    assert is_awaiting_check(PLACED, state, PLACED_ON, WINDOW, today) is awaiting


def test_confirming_on_the_last_day_is_allowed_and_repeating_it_changes_nothing() -> None:
    assert confirmed_state(PLACED, EntryState.PLACED, PLACED_ON, WINDOW, LAST_DAY) is EntryState.CONFIRMED
    assert confirmed_state(PLACED, EntryState.CONFIRMED, PLACED_ON, WINDOW, LAST_DAY) is None


def test_a_confirmed_entry_can_still_be_disputed_within_the_window() -> None:
    assert disputed_state(PLACED, EntryState.CONFIRMED, PLACED_ON, WINDOW, LAST_DAY) is EntryState.DISPUTED


@pytest.mark.parametrize(
    ("check", "source", "state", "today", "code"),
    [
        (confirmed_state, PLACED, EntryState.PLACED, LAST_DAY + timedelta(days=1), "check_window_closed"),
        (disputed_state, PLACED, EntryState.PLACED, LAST_DAY + timedelta(days=1), "check_window_closed"),
        (confirmed_state, PLACED, EntryState.DISPUTED, PLACED_ON, "already_disputed"),
        (disputed_state, PLACED, EntryState.DISPUTED, PLACED_ON, "already_disputed"),
        (disputed_state, PLACED, EntryState.VOIDED, PLACED_ON, "already_voided"),
        (confirmed_state, ActivitySource.SELF_ENTERED, EntryState.TO_BE_CHECKED, PLACED_ON, "not_provider_placed"),
        (disputed_state, ActivitySource.TEACHING, EntryState.CONFIRMED, PLACED_ON, "not_provider_placed"),
    ],
)
def test_checks_outside_the_rules_are_refused_with_a_reason(  # type: ignore[no-untyped-def]
    check, source: ActivitySource, state: EntryState, today: date, code: str
) -> None:
    with pytest.raises(CheckNotAllowed) as refused:
        check(source, state, PLACED_ON, WINDOW, today)
    assert refused.value.code == code
