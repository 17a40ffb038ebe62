"""Posts one webhook message: signed per Standard Webhooks, sent with httpx, its answer returned.

The service layer (service_layer.webhook_delivery) claims the due messages, hands each to `WebhookSender.post`
and records the answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from accreditation.domain.webhooks import DueMessage, is_forbidden_address

USER_AGENT = "LKLR-Webhooks/1"


def signed_headers(message: DueMessage, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: id, timestamp, and a `v1,` signature per active secret."""
    signatures = " ".join(Webhook(secret).sign(message.message_id, now, body) for secret in message.secrets)
    return {
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def _resolves_to_forbidden(url: str) -> str | None:
    """Why the URL's host may not be called (it resolves to a private or loopback address), or None."""
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as error:
        return f"host {host} does not resolve: {error}"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if is_forbidden_address(address):
            return f"host {host} resolves to a private or loopback address ({address}); not called"
    return None


class WebhookSender:
    """Posts messages to their endpoints over one HTTP client; see the module docstring."""

    def __init__(self, *, timeout_seconds: float = 10.0, local: bool = False) -> None:
        self._timeout = timeout_seconds
        self._local = local
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # No redirects: a 3xx is the endpoint's answer (a failure), not a reason to call another address.
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False)
        return self._client

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, message: DueMessage) -> tuple[int | None, str | None]:
        """Send one message; the endpoint's HTTP status, or None and why it could not be called or did not answer."""
        if not self._local:
            refusal = await _resolves_to_forbidden(message.url)
            if refusal is not None:
                return None, refusal
        body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = signed_headers(message, body, datetime.now(UTC))
        try:
            response = await self._http().post(message.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:500] or type(error).__name__
        return response.status_code, None
