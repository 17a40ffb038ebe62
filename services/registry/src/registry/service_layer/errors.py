"""The business errors use cases raise: an RpcError with a stable code and the HTTP status the gateway uses.

The codes are listed in ``lklr_shared.contracts.registry``'s docstring; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable

from lklr_shared.kit.errors import Problem, RpcError


def bad_request(code: str, message: str) -> RpcError:
    return RpcError(code, message, 400)


def unauthenticated(code: str, message: str) -> RpcError:
    return RpcError(code, message, 401)


def forbidden(code: str, message: str) -> RpcError:
    return RpcError(code, message, 403)


def not_found(code: str, message: str) -> RpcError:
    return RpcError(code, message, 404)


def conflict(code: str, message: str) -> RpcError:
    return RpcError(code, message, 409)


def unprocessable(code: str, message: str) -> RpcError:
    return RpcError(code, message, 422)


def invalid(code: str, problems: Iterable[tuple[str, str]]) -> RpcError:
    """422 with every broken rule as a problem (its code and English text), so a page shows them all at once and
    places each by its code; the message joins the texts for logs and plain clients."""
    listed = [Problem(problem_code, text) for problem_code, text in problems]
    return RpcError(code, "; ".join(problem.message for problem in listed), 422, problems=listed)


def too_many(code: str, message: str, retry_after_seconds: int) -> RpcError:
    return RpcError(code, message, 429, retry_after=retry_after_seconds)
