"""Business errors of the use cases, with the HTTP status and reason code the gateway answers with.

Use cases raise these; the RPC entrypoints translate them into the kit's RpcError in one place, so the rules stay
free of transport concerns and every refusal carries a stable, documented code.
"""

from __future__ import annotations


class UseCaseError(Exception):
    """A request the rules refuse. ``code`` is stable (the gateway and clients switch on it); ``status`` is HTTP."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status


class Forbidden(UseCaseError):
    """The actor may not do this to this portfolio."""

    status = 403


class NotFound(UseCaseError):
    """No such thing, or not one the actor may see (the two are not told apart, so nothing leaks)."""

    status = 404


class Conflict(UseCaseError):
    """The request does not fit the current state (already disputed, frozen, stale version, ...)."""

    status = 409


class TooLarge(UseCaseError):
    """A file beyond its size limit."""

    status = 413


class RangeNotSatisfiable(UseCaseError):
    """A read beyond the end of a file."""

    status = 416


class UnsupportedMedia(UseCaseError):
    """A file whose content is not an accepted type."""

    status = 415


class Invalid(UseCaseError):
    """Well-formed but unacceptable input (unknown A2 type, date in the future, ...)."""

    status = 422
