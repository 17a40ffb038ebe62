"""The clock abstraction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lklr_shared.kit.clock import FileOffsetClock, ManualClock, make_clock, register_today, system_clock

pytestmark = pytest.mark.unit


def test_manual_clock_moves_only_when_told():
    clock = ManualClock(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    assert clock() == datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    clock.advance(timedelta(days=1))
    assert clock() == datetime(2027, 1, 1, 22, 30, tzinfo=UTC)


def test_register_days_are_dutch_calendar_days():
    # 23:30 UTC on 31 December is already New Year's Day in Amsterdam.
    assert register_today(ManualClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))) == date(2027, 1, 1)


def test_offset_file_shifts_the_clock_and_a_missing_file_means_no_shift(tmp_path):
    path = tmp_path / "clock-offset"
    clock = FileOffsetClock(path, refresh_seconds=0)
    assert abs(clock() - system_clock()) < timedelta(seconds=5)
    path.write_text("400\n")
    assert abs(clock() - system_clock() - timedelta(days=400)) < timedelta(seconds=5)


def test_without_an_offset_file_the_system_clock_is_used():
    assert make_clock(None) is system_clock
