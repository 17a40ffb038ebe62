"""Delivering queued webhook messages: claim the due ones, post each (the adapter signs and sends), record the answer.

The process runs `deliver_due` every few tenths of a second (a PeriodicJob started by the composition root). Every
replica may run it: claims keep two senders off the same message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from accreditation.adapters.repositories import providers as provider_records
from accreditation.adapters.repositories import webhooks as repository
from accreditation.adapters.repositories.dialect import as_utc
from accreditation.domain import webhooks as rules
from accreditation.domain.webhooks import DueMessage
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.webhooks import wall_clock
from lklr_shared.contracts import accreditation as contracts

log = logging.getLogger(__name__)

# Posts one message and returns the endpoint's HTTP status, or None and why there was no answer.
Post = Callable[[DueMessage], Awaitable[tuple[int | None, str | None]]]


async def deliver_due(ctx: AccreditationContext, post: Post, *, limit: int, claim_for: timedelta) -> int:
    """Deliver what is due now, ``limit`` at most, concurrently; returns how many messages were attempted."""
    due = await claim_due(ctx, limit=limit, claim_for=claim_for)
    if due:
        await asyncio.gather(*(_deliver(ctx, post, message) for message in due))
    return len(due)


async def _deliver(ctx: AccreditationContext, post: Post, message: DueMessage) -> None:
    status, error = await post(message)
    outcome = await record_attempt(ctx, message, status=status, error=error)
    log.info("webhook %s to %s: %s (%s)", message.message_id, message.url, outcome, status or error)


async def claim_due(ctx: AccreditationContext, *, limit: int, claim_for: timedelta) -> list[DueMessage]:
    """Claim up to ``limit`` due messages of enabled endpoints: their next attempt moves ``claim_for`` ahead, so a
    sender that dies mid-send leaves them to be tried again then, and another sender skips them meanwhile."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        rows = await repository.claim_due(uow.session, now=now, limit=limit, claim_for=claim_for)
        if not rows:
            return []
        endpoints = await repository.endpoints_by_id(uow.session, {row.endpoint_id for row in rows})
        await uow.commit()
    claimed = []
    for row in rows:
        endpoint = endpoints[row.endpoint_id]
        previous_until = as_utc(endpoint.previous_secret_until) if endpoint.previous_secret_until else None
        signing = rules.signing_secrets(endpoint.secret, endpoint.previous_secret, previous_until, now=now)
        claimed.append(
            DueMessage(
                delivery_id=row.delivery_id,
                endpoint_id=row.endpoint_id,
                url=endpoint.url,
                message_id=row.message_id,
                payload=dict(row.payload),
                secrets=signing,
            )
        )
    return claimed


async def record_attempt(
    ctx: AccreditationContext,
    message: DueMessage,
    *,
    status: int | None,
    error: str | None,
) -> str:
    """Record one attempt's answer (an HTTP status, or an error without one); returns the delivery's new status.

    A failure schedules the next attempt by the retry policy (or gives the message up after its window) and counts
    against the endpoint; at the limit the endpoint is disabled and WebhookEndpointDisabled is published.
    """
    policy = ctx.webhook_policy
    now = wall_clock()
    ok = status is not None and rules.succeeded(status)
    async with ctx.unit_of_work() as uow:
        session = uow.session
        delivery = await repository.delivery(session, message.delivery_id, lock=True)
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_response_status": status,
            "last_error": None if ok else (error or f"HTTP {status}")[:2_000],
        }
        if ok:
            values |= {"status": "delivered", "next_attempt_at": None}
        else:
            retry_at = policy.next_attempt(attempts=attempts, created_at=as_utc(delivery.created_at), now=now)
            values |= (
                {"status": "pending", "next_attempt_at": retry_at}
                if retry_at
                else {"status": "failed", "next_attempt_at": None}
            )
        await repository.update_delivery(session, message.delivery_id, **values)
        endpoint = await repository.locked_endpoint(session, message.endpoint_id)
        if ok:
            await repository.update_endpoint(session, endpoint.endpoint_id, consecutive_failures=0)
        else:
            failures = endpoint.consecutive_failures + 1
            update: dict[str, Any] = {"consecutive_failures": failures}
            if endpoint.enabled and policy.disables(failures):
                update |= {
                    "enabled": False,
                    "disabled_at": now,
                    "disabled_reason": f"Disabled after {failures} failed attempts in a row.",
                }
                provider_name, contact_email = await provider_records.provider_contact(session, endpoint.provider_id)
                uow.emit(
                    contracts.WebhookEndpointDisabled(
                        endpoint_id=endpoint.endpoint_id,
                        provider_id=endpoint.provider_id,
                        provider_name=provider_name,
                        provider_contact_email=contact_email or None,
                        url=endpoint.url,
                        failed_attempts=failures,
                        disabled_at=now,
                    )
                )
            await repository.update_endpoint(session, endpoint.endpoint_id, **update)
        await uow.commit()
    return str(values["status"])
