"""Refusals of the accreditation rules, each with a stable code and a message meant for the caller.

The class says what kind of refusal it is; the RPC entrypoint maps the kind to an HTTP status. The domain
itself knows nothing of HTTP, but every rule that refuses something raises one of these, never a bare error.
"""

from __future__ import annotations


class AccreditationError(Exception):
    """A request the accreditation rules refuse; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Seconds after which trying again may succeed (a request still in flight), for a Retry-After header.
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidRequest(AccreditationError):
    """The request itself is malformed or incomplete (HTTP 400)."""


class Unauthenticated(AccreditationError):
    """The caller's credential is not valid (HTTP 401)."""


class Forbidden(AccreditationError):
    """The thing exists but belongs to another provider (HTTP 403)."""


class NotFound(AccreditationError):
    """No such provider, course, edition, attendance or claim (HTTP 404)."""


class Conflict(AccreditationError):
    """The request clashes with the current state, or with a request still in flight (HTTP 409)."""


class RuleViolation(AccreditationError):
    """Well-formed, but the register's rules do not allow it (HTTP 422)."""
