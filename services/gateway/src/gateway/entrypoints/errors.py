"""Turning failures into responses: Problem Details JSON for machines, a friendly page for people."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from gateway.entrypoints.rendering import page
from lklr_shared.contracts.registry import retry_after_seconds
from lklr_shared.kit.rpc import RpcError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Paths whose clients are programs: they get RFC 9457 Problem Details instead of an HTML page.
_MACHINE_PREFIXES = ("/api/", "/schema", "/livez", "/readyz", "/asyncapi.json", "/static/")


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith(_MACHINE_PREFIXES) or path == "/api":
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, code: str, detail: str, instance: str, *, errors: Any = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:lklr:problem:{code}",
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    headers = {"Retry-After": "5"} if status in (503, 504) else None
    if status == 429:
        # The registry's rate limits say how long to wait in the message: `... (retry_after=N)`.
        headers = {"Retry-After": str(retry_after_seconds(detail) or 60)}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _error_page(request: Request[Any, Any, Any], status: int, detail: str | None) -> Response[Any]:
    key = f"error.{status}" if status in (403, 404, 429, 503, 504) else "error.generic"
    return page(request, "error.html", status_code=status, status=status, message_key=key, detail=detail)


def rpc_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A service failure keeps its status: 503 unreachable, 504 too slow, the service's own 4xx for rule breaks."""
    assert isinstance(exc, RpcError)
    status = exc.status if 400 <= exc.status <= 599 else 502
    if status >= 500:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.message, exc.code)
    if wants_json(request):
        return problem(status, exc.code, exc.message, request.url.path)
    # Infrastructure details stay out of the public page; a business error's message is meant for the user.
    return _error_page(request, status, exc.message if status < 500 else None)


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Litestar's own HTTP errors (404, 405, validation): Problem Details or a page."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if wants_json(request):
        code = _title(status).lower().replace(" ", "_")
        return problem(status, code, str(exc.detail), request.url.path, errors=exc.extra or None)
    return _error_page(request, status, None)


__all__ = ["PROBLEM_JSON", "http_error_handler", "problem", "rpc_error_handler", "wants_json"]
