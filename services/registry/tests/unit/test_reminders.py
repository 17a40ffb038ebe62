"""Reminders before a cycle ends: due dates per offset, each sent once, one mail when several fall due together."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lklr_shared.scheme import Period, PeriodUnit
from registry.domain.reminders import Reminder, plan_reminders, reminder_key, reminder_schedule

pytestmark = pytest.mark.unit

OFFSETS = (
    Period(amount=6, unit=PeriodUnit.MONTHS),
    Period(amount=12, unit=PeriodUnit.WEEKS),
    Period(amount=6, unit=PeriodUnit.WEEKS),
)
END = date(2030, 8, 31)


def test_the_default_offsets_fall_due_6_months_12_weeks_and_6_weeks_before_the_end() -> None:
    assert reminder_schedule(END, OFFSETS) == (
        Reminder("6_months", date(2030, 2, 28)),  # 31 August minus 6 months: clamped to the end of February
        Reminder("12_weeks", END - timedelta(weeks=12)),
        Reminder("6_weeks", END - timedelta(weeks=6)),
    )


def test_nothing_is_due_before_the_first_reminder() -> None:
    plan = plan_reminders(reminder_schedule(END, OFFSETS), today=date(2030, 2, 27), cycle_end=END, already_handled=())
    assert plan.send is None and plan.skip == ()


def test_each_reminder_is_sent_on_its_day_and_not_again() -> None:
    schedule = reminder_schedule(END, OFFSETS)
    handled: set[str] = set()
    sent = []
    day = date(2030, 2, 1)
    while day <= END + timedelta(days=10):
        plan = plan_reminders(schedule, today=day, cycle_end=END, already_handled=handled)
        assert plan.skip == ()  # checked every day, nothing ever piles up
        if plan.send is not None:
            sent.append((plan.send.key, day))
            handled.add(plan.send.key)
        day += timedelta(days=1)
    assert sent == [(reminder.key, reminder.due_on) for reminder in schedule]


def test_reminders_falling_due_together_send_only_the_latest_and_skip_the_others() -> None:
    plan = plan_reminders(
        reminder_schedule(END, OFFSETS), today=END - timedelta(weeks=5), cycle_end=END, already_handled=["6_months"]
    )
    assert plan.send is not None and plan.send.key == "6_weeks"
    assert [reminder.key for reminder in plan.skip] == ["12_weeks"]
    assert {reminder.key for reminder in plan.handled} == {"12_weeks", "6_weeks"}


def test_no_reminder_after_the_cycle_end() -> None:
    plan = plan_reminders(
        reminder_schedule(END, OFFSETS), today=END + timedelta(days=1), cycle_end=END, already_handled=()
    )
    assert plan.send is None


def test_reminder_keys_are_stable_names_of_the_offsets() -> None:
    assert [reminder_key(offset) for offset in OFFSETS] == ["6_months", "12_weeks", "6_weeks"]
