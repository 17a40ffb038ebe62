"""The business errors use cases raise: an RpcError with a stable code and the HTTP status the gateway uses.

The codes are listed in ``lklr_shared.contracts.registry``'s docstring; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable

from lklr_shared.contracts.registry import with_retry_after
from lklr_shared.kit.rpc import RpcError


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


def too_many(code: str, message: str, retry_after_seconds: int) -> RpcError:
    return RpcError(code, with_retry_after(message, retry_after_seconds), 429)


def problem_list(problems: Iterable[tuple[str, str]]) -> str:
    """``code: text; code: text`` so a page can show every problem and still branch on the codes."""
    return "; ".join(f"{code}: {text}" for code, text in problems)
