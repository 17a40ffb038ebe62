from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.rate_limit import RateLimit, decide, estimated_count, most_allowed, window_start

pytestmark = pytest.mark.unit

MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Limiter:
    """The registry's use of the rule, in memory: counts of allowed requests per fixed window."""

    def __init__(self, rate: RateLimit) -> None:
        self.rate = rate
        self.counts: Counter[datetime] = Counter()

    def ask(self, now: datetime) -> tuple[bool, timedelta]:
        start = window_start(now, self.rate.window)
        decision = decide(
            now=now, rate=self.rate, current=self.counts[start], previous=self.counts[start - self.rate.window]
        )
        if decision.allowed:
            self.counts[start] += 1
        return decision.allowed, decision.retry_after


def test_windows_are_aligned_to_the_epoch() -> None:
    assert window_start(datetime(2026, 3, 1, 9, 0, 42, tzinfo=UTC), MINUTE) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        window_start(datetime(2026, 3, 1), MINUTE)


def test_the_limit_is_allowed_and_the_next_request_refused() -> None:
    limiter = Limiter(RateLimit(limit=3, window=MINUTE))
    assert [limiter.ask(T0 + timedelta(seconds=n))[0] for n in range(4)] == [True, True, True, False]


def test_the_previous_window_weighs_in_so_there_is_no_burst_at_the_boundary() -> None:
    limiter = Limiter(RateLimit(limit=10, window=MINUTE))
    for n in range(10):
        assert limiter.ask(T0 + timedelta(seconds=50, milliseconds=n))[0]
    # Just after the boundary the previous window still counts almost fully: a fixed window would allow 10 more.
    allowed = [limiter.ask(T0 + MINUTE + timedelta(seconds=1, milliseconds=n))[0] for n in range(10)]
    assert allowed.count(True) == 0


def test_estimate_weighs_the_previous_window_by_the_share_still_inside() -> None:
    rate = RateLimit(limit=10, window=MINUTE)
    assert estimated_count(now=T0 + timedelta(seconds=15), rate=rate, current=2, previous=8) == 8


@given(
    limit=st.integers(min_value=1, max_value=20),
    gaps=st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=150),
)
def test_no_fixed_window_ever_holds_more_than_the_limit(limit: int, gaps: list[int]) -> None:
    limiter = Limiter(RateLimit(limit=limit, window=MINUTE))
    now = T0
    for gap in gaps:
        now += timedelta(milliseconds=gap)
        limiter.ask(now)
    assert max(limiter.counts.values(), default=0) <= limit


@given(
    limit=st.integers(min_value=1, max_value=10),
    previous=st.integers(min_value=0, max_value=30),
    current=st.integers(min_value=0, max_value=30),
    offset_ms=st.integers(min_value=0, max_value=59_999),
)
def test_after_the_retry_after_a_request_is_allowed_and_not_much_before(
    limit: int, previous: int, current: int, offset_ms: int
) -> None:
    rate = RateLimit(limit=limit, window=MINUTE)
    limiter = Limiter(rate)
    limiter.counts[T0 - MINUTE] = previous
    limiter.counts[T0] = current
    now = T0 + timedelta(milliseconds=offset_ms)
    allowed, retry_after = limiter.ask(now)
    if allowed:
        return
    assert retry_after > timedelta(0)
    assert limiter.ask(now + retry_after)[0], "refused although the advised wait was over"
    probe = Limiter(rate)
    probe.counts.update({T0 - MINUTE: previous, T0: current})
    assert not probe.ask(now + retry_after - timedelta(milliseconds=2))[0], "the advised wait was too long"


def test_a_rate_needs_a_positive_limit_and_window() -> None:
    with pytest.raises(ValueError):
        RateLimit(limit=0, window=MINUTE)
    with pytest.raises(ValueError):
        RateLimit(limit=1, window=timedelta(milliseconds=10))


@given(
    limit=st.integers(min_value=1, max_value=200),
    previous=st.integers(min_value=0, max_value=400),
    current=st.integers(min_value=0, max_value=400),
    offset_us=st.integers(min_value=0, max_value=60_000_000 - 1),
)
def test_the_most_a_window_may_hold_allows_exactly_what_decide_allows(
    limit: int, previous: int, current: int, offset_us: int
) -> None:
    # The registry checks and raises the count in one statement ("add one while the count is below the most"):
    # that must admit exactly the requests the sliding-window rule admits.
    rate = RateLimit(limit=limit, window=MINUTE)
    now = T0 + timedelta(microseconds=offset_us)
    most = most_allowed(now=now, rate=rate, previous=previous)
    assert decide(now=now, rate=rate, current=current, previous=previous).allowed == (current + 1 <= most)
