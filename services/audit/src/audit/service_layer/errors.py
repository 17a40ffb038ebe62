"""Business errors of the audit's use cases, with the HTTP status and reason code the gateway answers with.

Use cases raise these; the RPC entrypoints translate them into the kit's RpcError in one place, so the rules stay
free of transport concerns and every refusal carries a stable, documented code.
"""

from __future__ import annotations


class UseCaseError(Exception):
    """A request the rules refuse. ``code`` is stable (the gateway and clients switch on it); ``status`` is HTTP."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Forbidden(UseCaseError):
    """The caller may not do this to this case."""

    status = 403


class NotFound(UseCaseError):
    """No such thing, or not one the caller may see (the two are not told apart, so nothing leaks)."""

    status = 404


class Conflict(UseCaseError):
    """The request does not fit the current state (case concluded, no open question, deadline passed, ...)."""

    status = 409


class Invalid(UseCaseError):
    """Well-formed but unacceptable input (a rejection without a reason, an empty answer, ...)."""

    status = 422
