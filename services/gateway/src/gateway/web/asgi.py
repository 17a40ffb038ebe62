"""The frame of the gateway's pure ASGI middleware: HTTP requests are handled, anything else (lifespan, websocket)
passes through untouched."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send


class HttpMiddleware:
    """Pure ASGI middleware that acts on HTTP requests only: a subclass writes `handle` for those."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through `self.app`."""
        raise NotImplementedError
