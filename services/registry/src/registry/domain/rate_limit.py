"""A sliding-window rate limit, computed from two fixed-window counters.

Counting requests in fixed windows (say per minute) lets a client send twice the limit across a window
boundary. Keeping the whole request log fixes that but costs a row per request. The sliding-window counter
sits in between: it keeps one counter per client per fixed window and estimates the count over the last
window length as ``previous * (share of the previous window still inside) + current``, which assumes the
previous window's requests were spread evenly. Two integers per client, no burst at the boundary.

All arithmetic is exact (integer microseconds and fractions): a float that lands a hair above the limit would
turn an allowed request into a refusal with a zero-second retry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` requests in any span of ``window`` (approximately, see the module docstring)."""

    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("a rate limit allows at least one request")
        if self.window < timedelta(seconds=1):
            raise ValueError("a rate-limit window lasts at least one second")


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window that ``now`` falls in (windows are aligned to the Unix epoch, so every
    process sharing the counters agrees on them)."""
    if now.tzinfo is None:
        raise ValueError("rate limiting needs a time-zone-aware time")
    return _EPOCH + ((now - _EPOCH) // window) * window


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether a request may go ahead; when not, how long until it would."""

    allowed: bool
    retry_after: timedelta = timedelta(0)

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds to wait, rounded up and at least 1 (what a Retry-After header carries)."""
        return max(1, math.ceil(self.retry_after.total_seconds()))


def _elapsed_share(now: datetime, rate: RateLimit) -> Fraction:
    elapsed = (now - window_start(now, rate.window)) // _MICROSECOND
    return Fraction(elapsed, rate.window // _MICROSECOND)


def estimated_count(*, now: datetime, rate: RateLimit, current: int, previous: int) -> Fraction:
    """Requests in the sliding window ending at ``now``, from the current and previous fixed windows."""
    return previous * (1 - _elapsed_share(now, rate)) + current


def decide(*, now: datetime, rate: RateLimit, current: int, previous: int) -> RateDecision:
    """Decide on one more request at ``now``.

    ``current`` and ``previous`` are the requests already allowed in the fixed window containing ``now`` and
    in the one before it. Refused requests are not counted (the caller does not store them), so a client that
    keeps hammering is not locked out longer than the limit demands.
    """
    if current < 0 or previous < 0:
        raise ValueError("request counts cannot be negative")
    if estimated_count(now=now, rate=rate, current=current + 1, previous=previous) <= rate.limit:
        return RateDecision(allowed=True)
    return RateDecision(allowed=False, retry_after=_wait_until_allowed(now, rate, current, previous))


def most_allowed(*, now: datetime, rate: RateLimit, previous: int) -> int:
    """The most requests the fixed window containing ``now`` may hold with the previous window at ``previous``.

    A request is allowed exactly when the current window's count after it stays at or below this number (the
    same condition as :func:`decide`, solved for the current count), so the count can be checked and raised in
    one atomic statement. It is negative when even the first request of the window would be refused.
    """
    if previous < 0:
        raise ValueError("request counts cannot be negative")
    return math.floor(rate.limit - previous * (1 - _elapsed_share(now, rate)))


def _wait_until_allowed(now: datetime, rate: RateLimit, current: int, previous: int) -> timedelta:
    """The shortest wait after which one request would be allowed, if nobody else asks meanwhile."""
    share = _elapsed_share(now, rate)
    # Still in this window: the previous window's weight must fall far enough.
    room = rate.limit - current - 1
    if room >= 0 and previous > 0:
        needed_share = 1 - Fraction(room, previous)
        if needed_share < 1:
            return _share_to_time(max(needed_share - share, Fraction(0)), rate)
    # In the next window this window becomes "previous" and its own count starts at zero.
    to_next_window = 1 - share
    if current > rate.limit - 1:
        needed_share_next = min(Fraction(1), 1 - Fraction(rate.limit - 1, current))
    else:
        needed_share_next = Fraction(0)
    return _share_to_time(to_next_window + needed_share_next, rate)


def _share_to_time(share: Fraction, rate: RateLimit) -> timedelta:
    microseconds = math.ceil(share * (rate.window // _MICROSECOND))
    return timedelta(microseconds=microseconds)
