"""The deadline of the request this task is handling: until when its client waits for the answer.

The RPC client sends every request with its deadline (epoch milliseconds in the ``x-deadline-ms`` header, see
``kit.rpc``); ``RpcServer`` handles the request under :func:`request_deadline`, so a use case can bound what it
holds for the request (a lease, a wait) by it without a parameter through every layer. A context variable, like
``kit.causation``. Deadlines are real (wall-clock) time: compare them with ``time.time()``, never with a service's
register clock, which a demo may have moved by days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("lklr_request_deadline", default=None)


def seconds_left(now: Callable[[], float] = time.time) -> float | None:
    """Seconds until the handled request's client gives up (negative once it has); None without a deadline."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - now()


@contextmanager
def request_deadline(deadline_ms: object) -> Iterator[None]:
    """Handle a request whose client waits until ``deadline_ms`` (epoch milliseconds, as the header carries it);
    anything but an integer means the request has no deadline."""
    seconds = deadline_ms / 1000 if isinstance(deadline_ms, int) and not isinstance(deadline_ms, bool) else None
    token = _deadline.set(seconds)
    try:
        yield
    finally:
        _deadline.reset(token)
