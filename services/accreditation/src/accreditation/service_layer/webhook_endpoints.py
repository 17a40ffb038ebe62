"""A provider's webhook endpoints (registering, secrets, switching on and off) and their delivery log, with
redelivery and test messages. A sandbox key sees and changes its sandbox endpoints only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from accreditation.adapters.repositories import webhooks as repository
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain import webhooks as rules
from accreditation.domain.text import actor, bounded_text
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.providers import asked_with_sandbox_key, require_provider
from accreditation.service_layer.webhooks import queue, sample_data, wall_clock
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import NotFound
from lklr_shared.kit.security_log import record_security_event

# After a rotation the old secret signs too for this long, so receivers can switch over without losing messages.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_LOG = 200


# --- Endpoints ---------------------------------------------------------------------------------------------------


def _endpoint(row: Any) -> contracts.WebhookEndpointDetails:
    return contracts.WebhookEndpointDetails(
        endpoint_id=row.endpoint_id,
        provider_id=row.provider_id,
        url=row.url,
        description=row.description,
        events=list(row.events),
        sandbox=row.sandbox,
        enabled=row.enabled,
        disabled_at=as_utc(row.disabled_at) if row.disabled_at is not None else None,
        disabled_reason=row.disabled_reason,
        consecutive_failures=row.consecutive_failures,
        created_at=as_utc(row.created_at),
        secret_rotated_at=as_utc(row.secret_rotated_at) if row.secret_rotated_at is not None else None,
    )


async def _own_endpoint(session: Session, provider_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The provider's endpoint row; another provider's is 404 (an id is nothing to confirm to strangers), and so is
    a production endpoint to a sandbox key (the sandbox never changes, nor fires at, production's endpoints)."""
    row = await repository.provider_endpoint(
        session, provider_id, endpoint_id, sandbox_only=await asked_with_sandbox_key(session), lock=lock
    )
    if row is None:
        raise NotFound("webhook_endpoint_not_found", f"This provider has no webhook endpoint {endpoint_id}.")
    return row


async def register_endpoint(
    ctx: AccreditationContext, command: contracts.RegisterWebhookEndpoint
) -> contracts.WebhookSecretIssued:
    """Register an endpoint with a new secret (shown once, in the reply)."""
    url = rules.check_endpoint_url(command.url, local=ctx.webhooks_local)
    events = rules.check_events(command.events)
    description = bounded_text(command.description, "description", max_length=200)
    secret = rules.generate_secret()
    endpoint_id = uuid.uuid4()
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, command.provider_id)
        sandbox = command.sandbox or await asked_with_sandbox_key(uow.session)
        await repository.insert_endpoint(
            uow.session,
            endpoint_id=endpoint_id,
            provider_id=command.provider_id,
            url=url,
            description=description,
            events=events,
            sandbox=sandbox,
            secret=secret,
            enabled=True,
            consecutive_failures=0,
            created_at=wall_clock(),
            created_by=actor(command.created_by),
        )
        await record_security_event(
            uow.session,
            actor=command.created_by,
            action="webhook.register",
            object=f"webhook_endpoint:{endpoint_id}",
            detail={"provider": str(command.provider_id), "url": url},
        )
        await uow.commit()
        row = await _own_endpoint(uow.session, command.provider_id, endpoint_id)
    return contracts.WebhookSecretIssued(endpoint=_endpoint(row), secret=secret)


async def list_endpoints(
    ctx: AccreditationContext, query: contracts.ListWebhookEndpoints
) -> contracts.WebhookEndpointList:
    """The provider's endpoints, newest first; a sandbox key sees its sandbox endpoints only."""
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, query.provider_id)
        rows = await repository.provider_endpoints(
            uow.session, query.provider_id, sandbox_only=await asked_with_sandbox_key(uow.session)
        )
    return contracts.WebhookEndpointList(endpoints=[_endpoint(row) for row in rows])


async def rotate_secret(
    ctx: AccreditationContext, command: contracts.RotateWebhookSecret
) -> contracts.WebhookSecretIssued:
    """A new secret; the old one keeps signing alongside it for ROTATION_OVERLAP."""
    secret = rules.generate_secret()
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        row = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id, lock=True)
        await repository.update_endpoint(
            uow.session,
            row.endpoint_id,
            secret=secret,
            previous_secret=row.secret,
            previous_secret_until=now + ROTATION_OVERLAP,
            secret_rotated_at=now,
        )
        await record_security_event(
            uow.session,
            actor=command.rotated_by,
            action="webhook.rotate_secret",
            object=f"webhook_endpoint:{row.endpoint_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
        row = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
    return contracts.WebhookSecretIssued(endpoint=_endpoint(row), secret=secret)


async def set_enabled(
    ctx: AccreditationContext, command: contracts.SetWebhookEndpointEnabled
) -> contracts.WebhookEndpointDetails:
    """Enable (the failure count starts over, pending messages go out at once) or disable an endpoint."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        row = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id, lock=True)
        if command.enabled and not row.enabled:
            await repository.update_endpoint(
                uow.session,
                row.endpoint_id,
                enabled=True,
                disabled_at=None,
                disabled_reason=None,
                consecutive_failures=0,
            )
            await repository.release_pending(uow.session, row.endpoint_id, now)
        elif not command.enabled and row.enabled:
            await repository.update_endpoint(
                uow.session,
                row.endpoint_id,
                enabled=False,
                disabled_at=now,
                disabled_reason="Disabled by the provider.",
            )
        await record_security_event(
            uow.session,
            actor=command.changed_by,
            action="webhook.enable" if command.enabled else "webhook.disable",
            object=f"webhook_endpoint:{row.endpoint_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
        row = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
    return _endpoint(row)


# --- The delivery log ------------------------------------------------------------------------------------------


def _delivery(row: Any) -> contracts.WebhookDeliveryDetails:
    return contracts.WebhookDeliveryDetails(
        delivery_id=row.delivery_id,
        endpoint_id=row.endpoint_id,
        message_id=row.message_id,
        event_type=row.event_type,
        test=row.test,
        status=row.status,
        attempts=row.attempts,
        created_at=as_utc(row.created_at),
        last_attempt_at=as_utc(row.last_attempt_at) if row.last_attempt_at is not None else None,
        next_attempt_at=as_utc(row.next_attempt_at)
        if row.next_attempt_at is not None and row.status == "pending"
        else None,
        last_response_status=row.last_response_status,
        last_error=row.last_error,
        payload=dict(row.payload),
    )


async def list_deliveries(
    ctx: AccreditationContext, query: contracts.ListWebhookDeliveries
) -> contracts.WebhookDeliveryList:
    limit = max(1, min(query.limit, MAX_LOG))
    async with ctx.unit_of_work() as uow:
        # The messages before the endpoint: each statement sees what was committed when it ran, and a delivery and
        # its endpoint's failure count change in one transaction, so a message shown delivered comes with the
        # endpoint as that delivery left it (read the other way round, the count could predate it).
        rows = await repository.latest_deliveries(uow.session, query.endpoint_id, limit)
        endpoint = await _own_endpoint(uow.session, query.provider_id, query.endpoint_id)
    return contracts.WebhookDeliveryList(endpoint=_endpoint(endpoint), deliveries=[_delivery(row) for row in rows])


async def redeliver(ctx: AccreditationContext, command: contracts.RedeliverWebhook) -> contracts.WebhookDeliveryDetails:
    """Send a message again now, whatever its status (same message id); the retry window starts over."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        if not await repository.restart_delivery(uow.session, command.delivery_id, command.endpoint_id, now):
            raise NotFound("webhook_delivery_not_found", f"This endpoint has no delivery {command.delivery_id}.")
        await record_security_event(
            uow.session,
            actor=command.requested_by,
            action="webhook.redeliver",
            object=f"webhook_delivery:{command.delivery_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
        row = await repository.delivery(uow.session, command.delivery_id)
    return _delivery(row)


async def send_test(ctx: AccreditationContext, command: contracts.SendTestWebhook) -> contracts.WebhookDeliveryDetails:
    """Queue a test message of one event type (sample data, marked test) to one endpoint, subscribed or not."""
    async with ctx.unit_of_work() as uow:
        # The endpoint first: another provider learns nothing from the answer, whatever the body.
        endpoint = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        event_type = rules.check_event_type(command.event_type)
        delivery_id = await queue(
            uow.session, endpoint, event_type, sample_data(event_type, ctx.today()), test=True, now=wall_clock()
        )
        await uow.commit()
        row = await repository.delivery(uow.session, delivery_id)
    return _delivery(row)


async def send_tests(ctx: AccreditationContext, command: contracts.SendTestWebhooks) -> contracts.WebhookDeliveryList:
    """Queue a test message of every event type to one endpoint (the "send test events" button)."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        endpoint = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        delivery_ids = [
            await queue(uow.session, endpoint, event_type, sample_data(event_type, ctx.today()), test=True, now=now)
            for event_type in contracts.WEBHOOK_EVENT_TYPES
        ]
        await record_security_event(
            uow.session,
            actor=command.requested_by,
            action="webhook.test_events",
            object=f"webhook_endpoint:{endpoint.endpoint_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
        rows = await repository.deliveries_by_id(uow.session, delivery_ids)
    return contracts.WebhookDeliveryList(
        endpoint=_endpoint(endpoint), deliveries=[_delivery(rows[delivery_id]) for delivery_id in delivery_ids]
    )
