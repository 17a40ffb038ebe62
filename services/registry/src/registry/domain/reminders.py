"""Reminders before a cycle ends (default 6 months, 12 weeks and 6 weeks before), while no application is in.

Each reminder of a cycle is sent at most once. When several fall due together (the job did not run for a
while, or the demo jumped in time), only the one closest to the cycle end goes out; the earlier ones are
recorded as skipped, so the professional gets one mail with the real date instead of three stale ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lklr_shared.scheme import Period


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of a cycle: ``key`` names the offset ("6_months"), ``due_on`` is the day it falls due."""

    key: str
    due_on: date


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What to do for one cycle today: send ``send`` (if any) and record ``skip`` as handled without mail."""

    send: Reminder | None
    skip: tuple[Reminder, ...] = ()

    @property
    def handled(self) -> tuple[Reminder, ...]:
        """Every reminder this plan records (sent or skipped)."""
        return (*self.skip, self.send) if self.send is not None else self.skip


def reminder_key(offset: Period) -> str:
    """A stable name for an offset ("6_months", "12_weeks"): the unique key of a reminder of a cycle."""
    return f"{offset.amount}_{offset.unit.value}"


def reminder_schedule(cycle_end: date, offsets: Iterable[Period]) -> tuple[Reminder, ...]:
    """The reminders of a cycle ending on ``cycle_end``, earliest first (duplicate offsets count once)."""
    by_key = {reminder_key(offset): Reminder(reminder_key(offset), offset.before(cycle_end)) for offset in offsets}
    return tuple(sorted(by_key.values(), key=lambda reminder: (reminder.due_on, reminder.key)))


def plan_reminders(
    schedule: Sequence[Reminder], *, today: date, cycle_end: date, already_handled: Iterable[str]
) -> ReminderPlan:
    """Decide which reminder of a cycle to send ``today``, given the keys already sent or skipped.

    Nothing is sent after the cycle end (the registration lapses then, which has its own mail). The caller
    checks that no application is in.
    """
    if today > cycle_end:
        return ReminderPlan(send=None)
    handled = frozenset(already_handled)
    due = [reminder for reminder in schedule if reminder.due_on <= today and reminder.key not in handled]
    if not due:
        return ReminderPlan(send=None)
    latest = max(due, key=lambda reminder: (reminder.due_on, reminder.key))
    return ReminderPlan(send=latest, skip=tuple(reminder for reminder in due if reminder is not latest))


# Days to spare beyond the last cycle end a reminder can be due for: month arithmetic is not symmetric at month
# ends (31 December minus 6 months is 30 June, 30 June plus 6 months is 30 December).
MONTH_END_SLACK_DAYS = 4


def reminder_horizon(today: date, offsets: Iterable[Period]) -> date | None:
    """The last cycle end any reminder of ``offsets`` can be due for ``today`` (with the month-end slack), so the
    job reads only cycles ending up to then; the exact rule per cycle is ``plan_reminders``. None: no reminders."""
    ends = [offset.after(today) for offset in offsets]
    if not ends:
        return None
    return max(ends) + timedelta(days=MONTH_END_SLACK_DAYS)
