"""Turning failures into responses: Problem Details JSON for machines, a friendly page for people."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from gateway.web.rendering import page
from gateway.web.web_session import LoginRequired, login_redirect_target
from lklr_shared.errors import RpcError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Paths whose clients are programs: they get RFC 9457 Problem Details instead of an HTML page.
_MACHINE_PREFIXES = ("/api/", "/schema", "/livez", "/readyz", "/metrics", "/asyncapi.json", "/static/")


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


def problem(
    status: int,
    code: str,
    detail: str,
    instance: str,
    *,
    errors: Any = None,
    problems: list[dict[str, Any]] | None = None,
    retry_after: int | None = None,
) -> Response[dict[str, Any]]:
    """An RFC 9457 Problem Details response; `problems` lists every broken rule (code, field, message)."""
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
    if problems:
        body["problems"] = problems
    headers = None
    if retry_after is not None or status in (429, 503, 504):
        default = 60 if status == 429 else 5
        seconds = max(1, retry_after or default)
        body["retry_after"] = seconds
        headers = {"Retry-After": str(seconds)}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _error_page(request: Request[Any, Any, Any], status: int, detail: str | None) -> Response[Any]:
    key = f"error.{status}" if status in (403, 404, 429, 503, 504) else "error.generic"
    return page(request, "error.html", status_code=status, status=status, message_key=key, detail=detail)


# What a 5xx answer says in public. The real cause (a broker error, a service's exception text, a queue name) helps
# an attacker map the system and says nothing a client can act on; it goes to the log with the request path.
_PUBLIC_SERVER_DETAIL = {
    503: "A service is not available at the moment; try again shortly.",
    504: "A service did not answer in time; try again shortly.",
}
_GENERIC_SERVER_DETAIL = "The request could not be completed because of an error on our side."


def public_server_detail(status: int) -> str:
    """The only detail a 5xx response shows (the caller logs the internal one)."""
    return _PUBLIC_SERVER_DETAIL.get(status, _GENERIC_SERVER_DETAIL)


def rpc_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A service failure keeps its status: 503 unreachable, 504 too slow, the service's own 4xx for rule breaks."""
    assert isinstance(exc, RpcError)
    status = exc.status if 400 <= exc.status <= 599 else 502
    if status >= 500:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.message, exc.code)
        if wants_json(request):
            return problem(
                status, exc.code, public_server_detail(status), request.url.path, retry_after=exc.retry_after
            )
        return _error_page(request, status, None)
    if wants_json(request):
        return rpc_problem(request, exc, status)
    # A business error's message is meant for the user.
    return _error_page(request, status, exc.message)


def rpc_problem(request: Request[Any, Any, Any], exc: RpcError, status: int | None = None) -> Response[Any]:
    """A service's refusal as RFC 9457 JSON: its code, message, problems and retry-after, mapped in one place."""
    return problem(
        status or exc.status,
        exc.code,
        exc.message,
        request.url.path,
        problems=[problem.as_dict() for problem in exc.problems] or None,
        retry_after=exc.retry_after,
    )


def _validation_problems(extra: Any) -> list[dict[str, Any]] | None:
    """Litestar's validation details (``[{"key", "message", "source"}]``) as the same problems list services give."""
    if not isinstance(extra, list):
        return None
    problems = [
        {"code": "invalid", "field": item.get("key"), "message": str(item.get("message", ""))}
        for item in extra
        if isinstance(item, dict)
    ]
    return problems or None


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Litestar's own HTTP errors (404, 405, validation): Problem Details or a page."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = str(exc.detail)
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, detail)
        detail = public_server_detail(status)
    if wants_json(request):
        code = _title(status).lower().replace(" ", "_")
        extra = _validation_problems(exc.extra) if status < 500 else None
        response = problem(status, code, detail, request.url.path, problems=extra)
    else:
        response = _error_page(request, status, None)
    # The exception's own headers belong to the answer: a 405 must say which methods the resource has (`Allow`,
    # RFC 9110 section 15.5.6).
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    return response


__all__ = ["PROBLEM_JSON", "http_error_handler", "problem", "public_server_detail", "rpc_error_handler", "wants_json"]


def login_required_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """To the login page, and back here after it (303, so a POST becomes a GET)."""
    assert isinstance(exc, LoginRequired)
    if wants_json(request):
        return problem(401, "login_required", "Sign in first.", request.url.path)
    return Redirect(login_redirect_target(exc.next_path), status_code=303)


def csrf_rejected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A form without the right CSRF token: 403, as Problem Details or the error page."""
    if wants_json(request):
        return problem(403, "csrf_failed", str(exc), request.url.path)
    return page(request, "error.html", status_code=403, status=403, message_key="error.csrf", detail=None)


def role_required_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Signed in without the role a page needs: 403, as Problem Details or the error page."""
    if wants_json(request):
        return problem(403, "forbidden", str(exc), request.url.path)
    return page(request, "error.html", status_code=403, status=403, message_key="error.403", detail=None)
