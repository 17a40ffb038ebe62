"""Registration cycles: the period (default 5 years) in which a professional earns the norm's points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_CYCLE_YEARS = 5
DEFAULT_MAX_EXTENSION_WEEKS = 16


class InvalidCycle(ValueError):
    """A cycle or extension that breaks a rule."""


class ExtensionLimitExceeded(InvalidCycle):
    """An extension that would take its case over the maximum weeks per case."""

    def __init__(self, message: str, *, case: str, already_granted: int, max_weeks_per_case: int) -> None:
        super().__init__(message)
        self.case = case
        self.already_granted = already_granted
        self.max_weeks_per_case = max_weeks_per_case


class ExtensionReason(StrEnum):
    """The grounds on which the office may extend a cycle."""

    ILLNESS = "illness"
    PREGNANCY = "pregnancy"


def add_years(day: date, years: int) -> date:
    """Return ``day`` moved ``years`` calendar years on; 29 February maps to 1 March in a common year.

    Mapping to 1 March (not 28 February) means a cycle that starts on a leap day ends on the last day of
    February: the professional keeps the whole of February, never losing a day to the calendar.
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # Only 29 February can fail, and only when the target year is not a leap year.
        return date(day.year + years, 3, 1)


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension of a cycle granted by the office for one case (e.g. one illness)."""

    case: str  # the office's reference for the case; several grants for one case share it
    reason: ExtensionReason
    weeks: int

    def __post_init__(self) -> None:
        if not self.case.strip():
            raise InvalidCycle("An extension needs a case reference.")
        if isinstance(self.weeks, bool) or self.weeks < 1:
            raise InvalidCycle("An extension is at least one week.")


@dataclass(frozen=True, slots=True)
class Cycle:
    """A registration cycle from ``start`` to ``end``, both inclusive.

    ``base_end`` is the end fixed when the cycle opened; granted extensions push ``end`` later.
    """

    start: date
    base_end: date
    extensions: tuple[Extension, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.base_end < self.start:
            raise InvalidCycle(f"A cycle cannot end ({self.base_end}) before it starts ({self.start}).")

    @classmethod
    def starting(cls, start: date, years: int = DEFAULT_CYCLE_YEARS) -> Cycle:
        """Open a cycle of ``years`` years on ``start``; it ends the day before the anniversary."""
        if isinstance(years, bool) or years < 1:
            raise InvalidCycle(f"A cycle lasts at least one year, got {years}.")
        return cls(start=start, base_end=add_years(start, years) - timedelta(days=1))

    @classmethod
    def restored(cls, start: date, end: date, extensions: Iterable[Extension] = ()) -> Cycle:
        """Rebuild a stored cycle from its current ``end`` (extensions included) and the extensions granted.

        Storage keeps the end that everyone reads (public register, events) and the extensions beside it; the
        base end is what remains once the extensions are taken off again.
        """
        granted = tuple(extensions)
        weeks = sum(extension.weeks for extension in granted)
        return cls(start=start, base_end=end - timedelta(weeks=weeks), extensions=granted)

    @property
    def extension_weeks(self) -> int:
        """Total weeks granted across all extensions."""
        return sum(extension.weeks for extension in self.extensions)

    @property
    def end(self) -> date:
        """The last day of the cycle (inclusive), extensions included."""
        return self.base_end + timedelta(weeks=self.extension_weeks)

    def contains(self, day: date) -> bool:
        """Return whether ``day`` falls within the cycle (both ends inclusive)."""
        return self.start <= day <= self.end

    def days_left(self, today: date) -> int:
        """Days remaining including ``today``; 0 once the cycle is over, the full length before it starts."""
        if today > self.end:
            return 0
        return (self.end - max(today, self.start)).days + 1

    def weeks_granted_for(self, case: str) -> int:
        """Weeks already granted for ``case``."""
        return sum(extension.weeks for extension in self.extensions if extension.case == case)

    def extended(self, extension: Extension, *, max_weeks_per_case: int = DEFAULT_MAX_EXTENSION_WEEKS) -> Cycle:
        """Return the cycle with ``extension`` added; a case may total at most ``max_weeks_per_case`` weeks.

        The cap is per case, so a second grant for the same illness counts against what the first one used.
        """
        already = self.weeks_granted_for(extension.case)
        if already + extension.weeks > max_weeks_per_case:
            raise ExtensionLimitExceeded(
                f"Case {extension.case!r} would get {already + extension.weeks} weeks of extension; "
                f"at most {max_weeks_per_case} weeks per case are allowed ({already} already granted).",
                case=extension.case,
                already_granted=already,
                max_weeks_per_case=max_weeks_per_case,
            )
        return Cycle(start=self.start, base_end=self.base_end, extensions=(*self.extensions, extension))

    def next(self, years: int = DEFAULT_CYCLE_YEARS) -> Cycle:
        """The cycle after re-registration: it starts the day after this one ends (extensions included)."""
        return Cycle.starting(self.end + timedelta(days=1), years)
