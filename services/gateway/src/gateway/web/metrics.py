"""The gateway's Prometheus metrics: HTTP requests by route template, and `/metrics` (outside the OpenAPI document
and the session middleware, like /readyz).

The figures themselves are defined in ``lklr_shared.kit.metrics``; the gateway's RPC calls are counted by the kit's
RpcClient, and its readiness checks (broker, each service) are set at every scrape.
"""

from __future__ import annotations

import time

from litestar import Response, get
from litestar.types import HTTPScope, Message, Receive, Send

from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import readiness
from gateway.web.asgi import HttpMiddleware
from lklr_shared.kit import metrics

# Requests no route matched never reach route middleware; they are not counted here (the access log has them).
UNMATCHED = "unmatched"


class HttpMetricsMiddleware(HttpMiddleware):
    """Counts and times each request under its route's path template (``/portfolio/activiteiten/{id:uuid}``), never
    the raw path, so the number of label values stays that of the routes."""

    async def handle(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # what the server answers when the handler raises before a response starts

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("path_template") or UNMATCHED
            metrics.http_request(scope.get("method", "GET"), route, status, started)


@get("/metrics", include_in_schema=False, summary="Prometheus metrics of the gateway")
async def metrics_endpoint(gateway: GatewayDep) -> Response[bytes]:
    """The gateway's metrics in Prometheus' text format, its readiness checks set just before."""
    process = metrics.process_metrics()
    checks = await readiness(gateway.caller, gateway.services, gateway.readiness_timeout)
    process.record_readiness("gateway", {name: check.ok for name, check in checks.items()})
    body, content_type = await process.exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
