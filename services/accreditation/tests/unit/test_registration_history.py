"""Registered on a day: judged on the status history from registry events, whatever order they arrived in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accreditation.domain.registrations import StatusEntry, current_status, is_registered_on, status_on

pytestmark = pytest.mark.unit

EARLY = datetime(2026, 1, 1, 9, tzinfo=UTC)
LATER = datetime(2026, 1, 1, 10, tzinfo=UTC)

HISTORY = (
    # deliberately out of order, as events can arrive
    StatusEntry(date(2025, 1, 1), "suspended", EARLY),
    StatusEntry(date(2020, 1, 1), "registered", EARLY),
    StatusEntry(date(2025, 3, 1), "registered", EARLY),
    StatusEntry(date(2026, 1, 1), "expired", EARLY),
    StatusEntry(date(2026, 6, 1), "registered", EARLY),  # re-entry
)


@pytest.mark.parametrize(
    ("day", "registered"),
    [
        (date(2019, 12, 31), False),  # before the first registration
        (date(2020, 1, 1), True),
        (date(2024, 12, 31), True),
        (date(2025, 1, 1), False),  # suspended
        (date(2025, 3, 1), True),
        (date(2026, 1, 1), False),  # expired
        (date(2026, 6, 1), True),  # registered again
    ],
)
def test_registered_on_a_day_follows_the_history(day: date, registered: bool) -> None:
    assert is_registered_on(HISTORY, day) is registered


def test_two_changes_on_one_day_are_ordered_by_when_the_registry_made_them() -> None:
    history = [StatusEntry(date(2026, 1, 1), "struck_off", LATER), StatusEntry(date(2026, 1, 1), "registered", EARLY)]
    assert status_on(history, date(2026, 1, 1)) == "struck_off"


def test_reregistration_pending_keeps_a_person_registered() -> None:
    history = [
        StatusEntry(date(2020, 1, 1), "registered", EARLY),
        StatusEntry(date(2025, 1, 1), "reregistration_pending", EARLY),
    ]
    assert is_registered_on(history, date(2025, 6, 1))


def test_current_status_is_the_latest_whatever_its_date() -> None:
    assert current_status(HISTORY) == "registered"
    assert current_status([]) is None
