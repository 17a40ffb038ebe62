"""The one way a form's date is read: as a date field sends it or as Dutch people type it."""

from __future__ import annotations

import re
from datetime import date

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> date | None:
    """`2026-03-15` (what a date input sends) or `15-3-2026` (as Dutch people type it); None when empty.

    Raises ValueError when the text is not a date (a two-digit year included).
    """
    text = text.strip()
    if not text:
        return None
    dutch = _DUTCH_DATE.match(text)
    if dutch:
        day, month, year = (int(part) for part in dutch.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


def parse_day(text: str) -> date | None:
    """Like `parse_date`, for a form that says "not a date" the same way as "empty": None for either."""
    try:
        return parse_date(text)
    except ValueError:
        return None
