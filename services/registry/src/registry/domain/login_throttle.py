"""Backoff and lockout after failed sign-ins.

The throttle is kept per e-mail address as typed (normalised), whether or not an account exists for it: an
unknown address then behaves exactly like a known one, so the throttle cannot be used to find out which
addresses have accounts.

After each failure the next attempt must wait a little longer (exponential backoff, capped); after
``max_failures`` consecutive failures the address is locked for ``lockout``. A success resets everything, and
so does the end of a lockout (the next failure starts counting from one again). Failures are also forgotten
after ``forget_failures_after`` without another one: a typo a day is not an attack, and it lets old rows go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_MAX_FAILURES = 5
DEFAULT_LOCKOUT = timedelta(minutes=15)
DEFAULT_BACKOFF_BASE = timedelta(seconds=1)
DEFAULT_BACKOFF_CAP = timedelta(seconds=30)
DEFAULT_FORGET_FAILURES_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How hard repeated failures are slowed down (register configuration)."""

    max_failures: int = DEFAULT_MAX_FAILURES
    lockout: timedelta = DEFAULT_LOCKOUT
    backoff_base: timedelta = DEFAULT_BACKOFF_BASE
    backoff_cap: timedelta = DEFAULT_BACKOFF_CAP
    forget_failures_after: timedelta = DEFAULT_FORGET_FAILURES_AFTER

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if self.lockout <= timedelta(0):
            raise ValueError("lockout must be positive")
        if self.backoff_base < timedelta(0) or self.backoff_cap < timedelta(0):
            raise ValueError("backoff durations cannot be negative")
        if self.forget_failures_after <= self.backoff_cap:
            raise ValueError("failures must be remembered longer than the longest backoff")

    def backoff_after(self, failures: int) -> timedelta:
        """Wait required after ``failures`` consecutive failures (1 s, 2 s, 4 s, ... up to the cap)."""
        if failures < 1:
            return timedelta(0)
        # The exponent is clamped: past 2**20 the cap has long been reached, and timedelta would overflow.
        return min(self.backoff_cap, self.backoff_base * (1 << min(failures - 1, 20)))


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """What the throttle remembers about one address."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


class RefusalReason(StrEnum):
    """Why an attempt was refused before the password was even checked."""

    BACKOFF = "backoff"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An attempt refused by the throttle, and how long the caller should wait."""

    reason: RefusalReason
    retry_after: timedelta

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds to wait, rounded up and at least 1 (what a Retry-After header carries)."""
        return max(1, math.ceil(self.retry_after.total_seconds()))


def current_state(state: ThrottleState, now: datetime, policy: ThrottlePolicy) -> ThrottleState:
    """The state as it stands at ``now``: a lockout that has ended is forgotten with its failures, and so are
    failures older than the policy's memory."""
    if state.locked_until is not None:
        return ThrottleState() if now >= state.locked_until else state
    if state.last_failure_at is not None and now - state.last_failure_at >= policy.forget_failures_after:
        return ThrottleState()
    return state


def check_attempt(state: ThrottleState, now: datetime, policy: ThrottlePolicy) -> Refusal | None:
    """Return a refusal when an attempt at ``now`` must not even be tried, else ``None``."""
    state = current_state(state, now, policy)
    if state.locked_until is not None:
        return Refusal(RefusalReason.LOCKED, state.locked_until - now)
    if state.failures and state.last_failure_at is not None:
        allowed_from = state.last_failure_at + policy.backoff_after(state.failures)
        if now < allowed_from:
            return Refusal(RefusalReason.BACKOFF, allowed_from - now)
    return None


def after_failure(state: ThrottleState, now: datetime, policy: ThrottlePolicy) -> ThrottleState:
    """The state after a failed attempt at ``now``; the ``max_failures``-th failure in a row locks."""
    state = current_state(state, now, policy)
    failures = state.failures + 1
    locked_until = now + policy.lockout if failures >= policy.max_failures else None
    return ThrottleState(failures=failures, last_failure_at=now, locked_until=locked_until)
