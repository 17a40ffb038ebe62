"""What the current work was caused by, so one correlation id follows a request through every RPC and event.

An RPC server handles each request under ``cause(envelope)``; a unit of work made inside it (with no explicit
cause) emits its events as caused by that request, so they carry the request's correlation id. The gateway handles
each HTTP request under ``correlation(id)``; the RPC client sends every request of it with that id. Context
variables, not parameters, because the use cases between the two ends need not know.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from lklr_shared.contracts.envelope import Envelope

_cause: ContextVar[Envelope | None] = ContextVar("lklr_cause", default=None)
_correlation: ContextVar[uuid.UUID | None] = ContextVar("lklr_correlation", default=None)
_origin: ContextVar[str | None] = ContextVar("lklr_origin", default=None)


def current_cause() -> Envelope | None:
    """The message being handled in this task, if any."""
    return _cause.get()


def current_correlation_id() -> uuid.UUID | None:
    """The correlation id of the work in this task: the handled message's, else the one set by ``correlation``."""
    handled = _cause.get()
    return handled.correlation_id if handled is not None else _correlation.get()


def current_origin() -> str | None:
    """The client address behind the work in this task (for security logs): the handled message's, else the one
    set by ``correlation``."""
    handled = _cause.get()
    return handled.origin if handled is not None else _origin.get()


@contextmanager
def cause(envelope: Envelope) -> Iterator[None]:
    """Handle ``envelope``: units of work and requests made inside inherit its correlation id."""
    token = _cause.set(envelope)
    try:
        yield
    finally:
        _cause.reset(token)


@contextmanager
def correlation(correlation_id: uuid.UUID, origin: str | None = None) -> Iterator[None]:
    """Send every request made inside with ``correlation_id`` (the gateway's id of one HTTP request) and the
    client address it came from."""
    token = _correlation.set(correlation_id)
    origin_token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(origin_token)
        _correlation.reset(token)
