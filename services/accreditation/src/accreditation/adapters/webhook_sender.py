"""Sends the queued webhook messages: signed per Standard Webhooks, posted with httpx, results recorded.

One run claims the due messages (service_layer.webhooks.claim_due), posts them concurrently and records each
answer; the process runs it every few tenths of a second (a PeriodicJob started by the composition root). Every
replica may run it: claims keep two senders off the same message.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from accreditation.domain.webhooks import is_forbidden_address
from accreditation.service_layer import webhooks
from accreditation.service_layer.context import AccreditationContext

log = logging.getLogger(__name__)

USER_AGENT = "LKLR-Webhooks/1"


def signed_headers(message: webhooks.DueMessage, body: bytes, now: datetime) -> dict[str, str]:
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
    """Claims due messages and delivers them; see the module docstring."""

    def __init__(
        self,
        ctx: AccreditationContext,
        *,
        batch_size: int = 50,
        timeout_seconds: float = 10.0,
        claim_for: timedelta = timedelta(minutes=2),
        local: bool = False,
    ) -> None:
        self._ctx = ctx
        self._batch_size = batch_size
        self._timeout = timeout_seconds
        self._claim_for = claim_for
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

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were attempted."""
        due = await webhooks.claim_due(self._ctx, limit=self._batch_size, claim_for=self._claim_for)
        if due:
            await asyncio.gather(*(self._deliver(message) for message in due))
        return len(due)

    async def _deliver(self, message: webhooks.DueMessage) -> None:
        status, error = await self._post(message)
        outcome = await webhooks.record_attempt(self._ctx, message, status=status, error=error)
        log.info("webhook %s to %s: %s (%s)", message.message_id, message.url, outcome, status or error)

    async def _post(self, message: webhooks.DueMessage) -> tuple[int | None, str | None]:
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
