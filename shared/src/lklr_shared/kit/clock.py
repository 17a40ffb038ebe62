"""The register's clock: one abstraction so tests and the demo can move time past cycle ends and deadlines.

Every use case takes "now" from a `Clock` (a zero-argument callable returning an aware UTC datetime), never from
`datetime.now()` directly. Production uses the system clock. Tests pass a `ManualClock`. A local demo run can
shift every service's clock together through a small file holding an offset (`<PREFIX>CLOCK_OFFSET_FILE`), which
the demo's time-travel command writes; the file is read at most once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

# Register days (deadlines, cycle ends, "today") are Dutch calendar days.
REGISTER_TIME_ZONE = ZoneInfo("Europe/Amsterdam")


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def register_today(clock: Clock) -> date:
    """The Dutch calendar day of the clock's now."""
    return clock().astimezone(REGISTER_TIME_ZONE).date()


class ManualClock:
    """A clock tests set and advance explicitly."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class FileOffsetClock:
    """The system clock shifted by a whole number of days read from a file (demo time travel)."""

    def __init__(self, path: Path, refresh_seconds: float = 1.0) -> None:
        self._path = path
        self._refresh_seconds = refresh_seconds
        self._offset = timedelta()
        self._read_at = float("-inf")

    def offset(self) -> timedelta:
        if time.monotonic() - self._read_at >= self._refresh_seconds:
            self._read_at = time.monotonic()
            try:
                text = self._path.read_text().strip()
            except FileNotFoundError:
                text = ""
            self._offset = timedelta(days=int(text)) if text else timedelta()
        return self._offset

    def __call__(self) -> datetime:
        return system_clock() + self.offset()


def make_clock(offset_file: Path | None) -> Clock:
    """The clock a service's composition root uses: shifted by the demo offset file if one is configured."""
    return FileOffsetClock(offset_file) if offset_file is not None else system_clock
