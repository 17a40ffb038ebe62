"""The gateway's HTTP server span: the root of the trace every RPC and event of a request joins.

Route middleware, so it runs after routing: the span is named by the route template (`POST /api/v1/provider/
attendance`, `GET /mijn/aanvraag`), never by a path with ids or a query string with tokens in it. Requests that
match no route (404) have no span. A `traceparent` the request brings (from a proxy that started the trace) is
continued.
"""

from __future__ import annotations

from litestar.types import HTTPScope, Message, Receive, Send

from gateway.web.asgi import HttpMiddleware
from lklr_shared.kit import tracing


class TracingMiddleware(HttpMiddleware):
    """Pure ASGI middleware: runs the request inside its HTTP server span and records the response status."""

    async def handle(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        status: int | None = None

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        route = scope.get("path_template") or scope["path"]
        with tracing.http_server_span("gateway", scope["method"], route, headers) as span:
            await self.app(scope, receive, send_and_note_status)
            tracing.set_http_status(span, status)
