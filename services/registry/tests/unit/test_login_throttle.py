from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.login_throttle import (
    RefusalReason,
    ThrottlePolicy,
    ThrottleState,
    after_failure,
    check_attempt,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()


def _fail(times: int, start: datetime = T0, gap: timedelta = timedelta(minutes=1)) -> ThrottleState:
    state = ThrottleState()
    for n in range(times):
        state = after_failure(state, start + n * gap, POLICY)
    return state


def test_the_wait_after_each_failure_doubles_up_to_the_cap() -> None:
    waits = [POLICY.backoff_after(n).total_seconds() for n in range(0, 8)]
    assert waits == [0, 1, 2, 4, 8, 16, 30, 30]
    assert POLICY.backoff_after(10_000) == POLICY.backoff_cap


def test_an_attempt_inside_the_backoff_is_refused_with_the_remaining_wait() -> None:
    state = after_failure(after_failure(ThrottleState(), T0, POLICY), T0, POLICY)
    refusal = check_attempt(state, T0 + timedelta(milliseconds=500), POLICY)
    assert refusal is not None and refusal.reason is RefusalReason.BACKOFF
    assert refusal.retry_after == timedelta(seconds=1.5) and refusal.retry_after_seconds == 2
    assert check_attempt(state, T0 + timedelta(seconds=2), POLICY) is None


def test_the_fifth_failure_in_a_row_locks_the_address_for_fifteen_minutes() -> None:
    four = _fail(4)
    assert four.locked_until is None
    last = T0 + timedelta(minutes=4)
    five = after_failure(four, last, POLICY)
    assert five.locked_until == last + timedelta(minutes=15)
    refusal = check_attempt(five, last + timedelta(minutes=14), POLICY)
    assert refusal is not None and refusal.reason is RefusalReason.LOCKED
    assert refusal.retry_after_seconds == 60


def test_the_end_of_a_lockout_forgets_the_failures() -> None:
    locked = _fail(5)
    later = locked.locked_until + timedelta(seconds=1)  # type: ignore[operator]
    assert check_attempt(locked, later, POLICY) is None
    assert after_failure(locked, later, POLICY) == ThrottleState(failures=1, last_failure_at=later)


def test_old_failures_are_forgotten() -> None:
    three = _fail(3)
    much_later = T0 + timedelta(hours=2)
    assert after_failure(three, much_later, POLICY).failures == 1


def test_a_policy_must_remember_failures_longer_than_it_backs_off() -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(backoff_cap=timedelta(hours=2))
    with pytest.raises(ValueError):
        ThrottlePolicy(max_failures=0)
