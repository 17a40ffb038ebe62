"""The register's one error hierarchy: every refusal a service gives, with a stable code and its HTTP status.

`RpcError` is what travels in a reply (code, message, status, problems, retry_after). Use cases raise one of the
`UseCaseError` kinds below; each kind fixes its status, so a rule says *what* is wrong and the transport knows how
to answer. The RPC server sends any `RpcError` back as it is, so a service needs no translation table of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: a stable code, an English text, and the request field it concerns."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


class RpcError(Exception):
    """A failure with an HTTP status: raised by handlers for business errors, and by the client.

    The reply carries it as a problem body: ``status``, ``code``, ``message``, the list of ``problems`` (every
    broken rule at once, each with its code and field) and, for 429 and 503, ``retry_after`` in seconds. The gateway
    turns that into RFC 9457 JSON for the API and into field messages for forms, without parsing any text.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        problems: Sequence[Problem] = (),
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.problems = tuple(problems)
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        """The error as it travels in a reply."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.problems:
            body["problems"] = [problem.as_dict() for problem in self.problems]
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body

    @classmethod
    def from_dict(cls, error: Mapping[str, Any]) -> RpcError:
        """The error a reply carries (unknown keys ignored, missing ones defaulted: older services answer too)."""
        problems = [
            Problem(str(item.get("code", "")), str(item.get("message", "")), item.get("field"))
            for item in error.get("problems") or ()
            if isinstance(item, Mapping)
        ]
        retry_after = error.get("retry_after")
        return cls(
            str(error.get("code", "error")),
            str(error.get("message", "")),
            int(error.get("status", 500)),
            problems=problems,
            retry_after=int(retry_after) if isinstance(retry_after, int | float) else None,
        )


class UseCaseError(RpcError):
    """A request the rules refuse. ``code`` is stable (the gateway and clients switch on it); the kind fixes the
    HTTP status (``status`` overrides it for the rare refusal that needs another)."""

    default_status: ClassVar[int] = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        problems: Sequence[Problem] = (),
        retry_after: int | None = None,
    ) -> None:
        super().__init__(
            code,
            message,
            self.default_status if status is None else status,
            problems=problems,
            retry_after=retry_after,
        )


class InvalidRequest(UseCaseError):
    """The request itself is malformed or incomplete (a missing field, an unknown value): 400."""

    default_status = 400


class Unauthenticated(UseCaseError):
    """No valid credentials (a wrong password, an expired token): 401."""

    default_status = 401


class Forbidden(UseCaseError):
    """The asker is known but may not do this: 403."""

    default_status = 403


class NotFound(UseCaseError):
    """No such thing, or not one the asker may see (the two are not told apart, so nothing leaks): 404."""

    default_status = 404


class Conflict(UseCaseError):
    """The request does not fit the current state (already decided, frozen, a stale version): 409."""

    default_status = 409


class Gone(UseCaseError):
    """It existed but is no longer available (an expired link): 410."""

    default_status = 410


class TooLarge(UseCaseError):
    """A file or a batch beyond its size limit: 413."""

    default_status = 413


class UnsupportedMedia(UseCaseError):
    """A file whose content is not an accepted type: 415."""

    default_status = 415


class RangeNotSatisfiable(UseCaseError):
    """A read beyond the end of a file: 416."""

    default_status = 416


class RuleViolation(UseCaseError):
    """Well-formed but against the register's rules (a date in the future, an unknown A2 type): 422."""

    default_status = 422


class TooManyRequests(UseCaseError):
    """A rate limit or throttle: 429, with ``retry_after`` in seconds."""

    default_status = 429


def invalid(code: str, problems: Iterable[tuple[str, str]]) -> RuleViolation:
    """422 with every broken rule as a problem (its code and English text), so a page shows them all at once and
    places each by its code; the message joins the texts for logs and plain clients."""
    listed = [Problem(problem_code, text) for problem_code, text in problems]
    return RuleViolation(code, "; ".join(problem.message for problem in listed), problems=listed)
