"""Development webhook receiver (`/dev/webhooks`): where the demo provider's webhook endpoints point in a local run.

`POST /dev/webhooks` receives a delivery as any provider's endpoint would: it checks the Standard Webhooks
signature with the demo endpoints' published secret (`DEMO_WEBHOOK_SECRET`) and answers 204 (a bad signature:
400, so the delivery log shows what a strict receiver does). `GET /dev/webhooks` lists what arrived, newest first,
with the headers, whether the signature held, and the body. Kept in this process's memory (the newest
`KEEP` only), gone when the gateway stops: it is a demo of a receiver, not a store.

Mounted only with GATEWAY_DEV_PAGES=true, like /dev/mail; exempt from CSRF (the register's sender has no session).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gateway.web.rendering import page
from lklr_shared.contracts.accreditation import DEMO_WEBHOOK_SECRET

PATH: Final = "/dev/webhooks"
KEEP: Final = 100
MAX_BODY: Final = 1_000_000
_HEADERS: Final = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent")


@dataclass(frozen=True)
class ReceivedWebhook:
    """One delivery as the receiver saw it."""

    received_at: datetime
    headers: dict[str, str]
    body: str
    verified: bool
    problem: str
    event_type: str
    sandbox: bool
    test: bool


class DevWebhookInbox:
    """The newest deliveries, in memory."""

    def __init__(self, keep: int = KEEP) -> None:
        self._items: deque[ReceivedWebhook] = deque(maxlen=keep)

    def receive(self, headers: dict[str, str], body: bytes) -> ReceivedWebhook:
        """Check the signature (as a provider's receiver would) and keep the delivery."""
        problem = ""
        payload: Any = None
        try:
            payload = Webhook(DEMO_WEBHOOK_SECRET).verify(body, headers)
        except WebhookVerificationError as failure:
            problem = str(failure) or "signature not valid"
        if payload is None:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
        data = payload if isinstance(payload, dict) else {}
        item = ReceivedWebhook(
            received_at=datetime.now(UTC),
            headers={name: headers[name] for name in _HEADERS if name in headers},
            body=_pretty(body),
            verified=not problem,
            problem=problem,
            event_type=str(data.get("type", "")),
            sandbox=bool(data.get("sandbox")),
            test=bool(data.get("test")),
        )
        self._items.appendleft(item)
        return item

    def items(self) -> list[ReceivedWebhook]:
        return list(self._items)


def _pretty(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def dev_webhook_receiver(inbox: DevWebhookInbox) -> type[Controller]:
    """The /dev/webhooks controller bound to one inbox."""

    class DevWebhookReceiver(Controller):
        path = PATH
        include_in_schema = False

        @post("/", status_code=204)
        async def receive(self, request: Request[Any, Any, Any]) -> Response[None]:
            body = await request.body()
            if len(body) > MAX_BODY:
                return Response(None, status_code=413)
            headers = {key.lower(): value for key, value in request.headers.items()}
            item = inbox.receive(headers, body)
            return Response(None, status_code=204 if item.verified else 400)

        @get("/", name="dev_webhooks")
        async def listing(self, request: Request[Any, Any, Any]) -> Template:
            response = page(request, "dev_webhooks.html", deliveries=inbox.items(), secret=DEMO_WEBHOOK_SECRET)
            response.headers["Cache-Control"] = "no-store"
            return response

    return DevWebhookReceiver
