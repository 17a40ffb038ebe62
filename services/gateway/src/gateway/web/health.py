"""Liveness, readiness and the AsyncAPI document."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import readiness


@get("/livez", tags=["health"], summary="Liveness: the process answers")
async def livez() -> dict[str, str]:
    return {"service": "gateway", "status": "alive"}


@get("/readyz", tags=["health"], summary="Readiness: broker connected and every service answers a ping")
async def readyz(gateway: GatewayDep) -> Response[dict[str, Any]]:
    """200 when the broker and every service are ok, else 503; the body names each check and whether it passes
    (why one fails goes to the log: broker errors and service messages are not for the public)."""
    checks = await readiness(gateway.caller, gateway.services, gateway.readiness_timeout)
    ready = all(check.ok for check in checks.values())
    body = {"service": "gateway", "ready": ready, "checks": {name: check.as_dict() for name, check in checks.items()}}
    return Response(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})


@get("/asyncapi.json", tags=["documentation"], summary="AsyncAPI 3.0 document of the event topology")
async def asyncapi_document(gateway: GatewayDep) -> dict[str, Any]:
    return gateway.asyncapi
