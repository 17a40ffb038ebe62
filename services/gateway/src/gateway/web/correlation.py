"""One correlation id per HTTP request, sent with every RPC it makes (and so in every event those cause).

A client may send its own id in `X-Correlation-ID` (a UUID; anything else is ignored); the response carries the id
either way, so a provider reporting a problem can quote it and an operator can follow it through every service.
"""

from __future__ import annotations

import uuid
from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.types import HTTPScope, Message, Receive, Scope, Send

from gateway.web.asgi import HttpMiddleware
from lklr_shared.kit.actor import begin_request_actor
from lklr_shared.kit.causation import correlation

HEADER: Final = "x-correlation-id"


def _given(scope: Scope) -> uuid.UUID | None:
    for name, value in scope.get("headers", ()):
        if name.decode("latin-1").lower() == HEADER:
            try:
                return uuid.UUID(value.decode("latin-1").strip())
            except ValueError:
                return None
    return None


class CorrelationMiddleware(HttpMiddleware):
    """Pure ASGI middleware: runs the request under its correlation id and answers with it."""

    async def handle(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        correlation_id = _given(scope) or uuid.uuid4()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = str(correlation_id)
            await send(message)

        client = scope.get("client")
        # The peer's address; behind a proxy, the trusted forwarded address is what pages record (web_session).
        origin = client[0] if client else None
        # Who this request acts for: anonymous until authentication records an account or an API key; every
        # request to the services carries it, signed (kit/actor.py).
        begin_request_actor()
        with correlation(correlation_id, origin):
            await self.app(scope, receive, send_with_id)
