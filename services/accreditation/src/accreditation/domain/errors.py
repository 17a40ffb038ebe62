"""Refusals of the accreditation rules, each with a stable code and a message meant for the caller.

The domain imports no kit (import-linter keeps it pure), so its rules refuse with these; each kind names the HTTP
status the kit's error kind of the same name has, and the RPC entrypoint answers a refusal with its code, message
and status. The service layer raises the kit's kinds (``lklr_shared.kit.errors``) directly.
"""

from __future__ import annotations

from typing import ClassVar


class Refusal(Exception):
    """A request the accreditation rules refuse; ``code`` is stable, ``message`` is for people."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Seconds after which trying again may succeed (a request still in flight), for a Retry-After header.
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidRequest(Refusal):
    """The request itself is malformed or incomplete (HTTP 400)."""

    status = 400


class Forbidden(Refusal):
    """The thing exists but belongs to another provider, or the asker may not decide it (HTTP 403)."""

    status = 403


class Conflict(Refusal):
    """The request clashes with the current state, or with a request still in flight (HTTP 409)."""

    status = 409


class RuleViolation(Refusal):
    """Well-formed, but the register's rules do not allow it (HTTP 422)."""

    status = 422
