"""Webhooks: a provider's endpoints, the messages queued for them, and what the sender records of each attempt.

Messages are queued in the transaction of the change they report (`enqueue`), one row per subscribed endpoint, so
a change and its webhook commit together (a transactional outbox of its own, with the provider's endpoints as
destinations). The sender (adapters/webhook_sender.py) claims due rows, posts them signed, and records the result
here: delivered, or tried again after a growing delay, or given up after three days; an endpoint that keeps
failing is disabled and the provider's contact is told by mail (WebhookEndpointDisabled, mailed by the registry).

Delivery times are real time, not the register's (demo) clock: a receiver checks `webhook-timestamp` against its
own clock, and backoff is about the receiver's outage, not about register dates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    api_keys,
    attendance,
    attendance_disputes,
    courses,
    providers,
    webhook_deliveries,
    webhook_endpoints,
    webhook_expiry_notices,
)
from accreditation.adapters.sql import as_utc, for_update, insert_ignoring_conflicts
from accreditation.domain import webhooks as rules
from accreditation.domain.errors import NotFound
from accreditation.domain.text import actor, bounded_text
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.providers import require_provider
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.actor import current_actor
from lklr_shared.kit.security_log import record_security_event

# After a rotation the old secret signs too for this long, so receivers can switch over without losing messages.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_LOG = 200


def wall_clock() -> datetime:
    """Real time (UTC): delivery times and signatures are about the receiver's clock, never the demo's."""
    return datetime.now(UTC)


# --- Who asks: sandbox keys --------------------------------------------------------------------------------------


async def asked_with_sandbox_key(session: AsyncSession) -> bool:
    """Whether the current request comes with a sandbox API key (from the gateway's signed actor assertion)."""
    claims = current_actor()
    if claims is None or claims.kind != "api_key" or claims.key_id is None:
        return False
    sandbox = (
        await session.execute(sa.select(api_keys.c.sandbox).where(api_keys.c.key_id == claims.key_id))
    ).scalar_one_or_none()
    return bool(sandbox)


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


async def _own_endpoint(
    session: AsyncSession, provider_id: uuid.UUID, endpoint_id: uuid.UUID, *, lock: bool = False
) -> Any:
    """The provider's endpoint row; another provider's is 404 (an id is nothing to confirm to strangers), and so is
    a production endpoint to a sandbox key (the sandbox never changes, nor fires at, production's endpoints)."""
    query = sa.select(webhook_endpoints).where(
        webhook_endpoints.c.endpoint_id == endpoint_id, webhook_endpoints.c.provider_id == provider_id
    )
    if await asked_with_sandbox_key(session):
        query = query.where(webhook_endpoints.c.sandbox.is_(True))
    row = (await session.execute(for_update(query, session) if lock else query)).first()
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
        await uow.session.execute(
            sa.insert(webhook_endpoints).values(
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
        select = sa.select(webhook_endpoints).where(webhook_endpoints.c.provider_id == query.provider_id)
        if await asked_with_sandbox_key(uow.session):
            select = select.where(webhook_endpoints.c.sandbox.is_(True))
        rows = (
            await uow.session.execute(
                select.order_by(webhook_endpoints.c.created_at.desc(), webhook_endpoints.c.endpoint_id)
            )
        ).all()
    return contracts.WebhookEndpointList(endpoints=[_endpoint(row) for row in rows])


async def rotate_secret(
    ctx: AccreditationContext, command: contracts.RotateWebhookSecret
) -> contracts.WebhookSecretIssued:
    """A new secret; the old one keeps signing alongside it for ROTATION_OVERLAP."""
    secret = rules.generate_secret()
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        row = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id, lock=True)
        await uow.session.execute(
            sa.update(webhook_endpoints)
            .where(webhook_endpoints.c.endpoint_id == row.endpoint_id)
            .values(
                secret=secret,
                previous_secret=row.secret,
                previous_secret_until=now + ROTATION_OVERLAP,
                secret_rotated_at=now,
            )
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
            await uow.session.execute(
                sa.update(webhook_endpoints)
                .where(webhook_endpoints.c.endpoint_id == row.endpoint_id)
                .values(enabled=True, disabled_at=None, disabled_reason=None, consecutive_failures=0)
            )
            await uow.session.execute(
                sa.update(webhook_deliveries)
                .where(webhook_deliveries.c.endpoint_id == row.endpoint_id, webhook_deliveries.c.status == "pending")
                .values(next_attempt_at=now)
            )
        elif not command.enabled and row.enabled:
            await uow.session.execute(
                sa.update(webhook_endpoints)
                .where(webhook_endpoints.c.endpoint_id == row.endpoint_id)
                .values(enabled=False, disabled_at=now, disabled_reason="Disabled by the provider.")
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
        endpoint = await _own_endpoint(uow.session, query.provider_id, query.endpoint_id)
        rows = (
            await uow.session.execute(
                sa.select(webhook_deliveries)
                .where(webhook_deliveries.c.endpoint_id == query.endpoint_id)
                .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.delivery_id)
                .limit(limit)
            )
        ).all()
    return contracts.WebhookDeliveryList(endpoint=_endpoint(endpoint), deliveries=[_delivery(row) for row in rows])


async def redeliver(ctx: AccreditationContext, command: contracts.RedeliverWebhook) -> contracts.WebhookDeliveryDetails:
    """Send a message again now, whatever its status (same message id); the retry window starts over."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        found = await uow.session.execute(
            sa.update(webhook_deliveries)
            .where(
                webhook_deliveries.c.delivery_id == command.delivery_id,
                webhook_deliveries.c.endpoint_id == command.endpoint_id,
            )
            .values(status="pending", next_attempt_at=now, created_at=now)
        )
        if int(getattr(found, "rowcount", 0) or 0) != 1:
            raise NotFound("webhook_delivery_not_found", f"This endpoint has no delivery {command.delivery_id}.")
        await record_security_event(
            uow.session,
            actor=command.requested_by,
            action="webhook.redeliver",
            object=f"webhook_delivery:{command.delivery_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
        row = (
            await uow.session.execute(
                sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id == command.delivery_id)
            )
        ).one()
    return _delivery(row)


async def send_test(ctx: AccreditationContext, command: contracts.SendTestWebhook) -> contracts.WebhookDeliveryDetails:
    """Queue a test message of one event type (sample data, marked test) to one endpoint, subscribed or not."""
    async with ctx.unit_of_work() as uow:
        # The endpoint first: another provider learns nothing from the answer, whatever the body.
        endpoint = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        event_type = rules.check_event_type(command.event_type)
        delivery_id = await _queue(
            uow.session, endpoint, event_type, sample_data(event_type, ctx.today()), test=True, now=wall_clock()
        )
        await uow.commit()
        row = (
            await uow.session.execute(
                sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id == delivery_id)
            )
        ).one()
    return _delivery(row)


async def send_tests(ctx: AccreditationContext, command: contracts.SendTestWebhooks) -> contracts.WebhookDeliveryList:
    """Queue a test message of every event type to one endpoint (the "send test events" button)."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        endpoint = await _own_endpoint(uow.session, command.provider_id, command.endpoint_id)
        delivery_ids = [
            await _queue(uow.session, endpoint, event_type, sample_data(event_type, ctx.today()), test=True, now=now)
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
        rows = {
            row.delivery_id: row
            for row in (
                await uow.session.execute(
                    sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id.in_(delivery_ids))
                )
            ).all()
        }
    return contracts.WebhookDeliveryList(
        endpoint=_endpoint(endpoint), deliveries=[_delivery(rows[delivery_id]) for delivery_id in delivery_ids]
    )


# --- Queueing messages (inside the transaction of the change) ---------------------------------------------------


def payload_of(event_type: str, data: dict[str, Any], *, sandbox: bool, test: bool, now: datetime) -> dict[str, Any]:
    """The JSON body of a webhook: Standard Webhooks' `type`/`timestamp`/`data`, and whether it is a sandbox's or a
    test's message."""
    return {
        "type": event_type,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "sandbox": sandbox,
        "test": test,
        "data": data,
    }


async def _queue(
    session: AsyncSession, endpoint: Any, event_type: str, data: dict[str, Any], *, test: bool, now: datetime
) -> uuid.UUID:
    delivery_id = uuid.uuid4()
    await session.execute(
        sa.insert(webhook_deliveries).values(
            delivery_id=delivery_id,
            endpoint_id=endpoint.endpoint_id,
            provider_id=endpoint.provider_id,
            message_id=rules.message_id(),
            event_type=event_type,
            test=test,
            payload=payload_of(event_type, data, sandbox=endpoint.sandbox, test=test, now=now),
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return delivery_id


async def enqueue(
    session: AsyncSession, provider_id: uuid.UUID, event_type: str, data: dict[str, Any], *, sandbox: bool = False
) -> int:
    """Queue one message for each of the provider's endpoints subscribed to ``event_type`` (sandbox endpoints for
    sandbox events, production endpoints for real ones), in the caller's transaction; returns how many."""
    endpoints = (
        await session.execute(
            sa.select(webhook_endpoints).where(
                webhook_endpoints.c.provider_id == provider_id, webhook_endpoints.c.sandbox.is_(sandbox)
            )
        )
    ).all()
    now = wall_clock()
    queued = 0
    for endpoint in endpoints:
        if event_type in endpoint.events:
            await _queue(session, endpoint, event_type, data, test=False, now=now)
            queued += 1
    return queued


def _text(value: Any) -> Any:
    """JSON-friendly values: decimals as strings (exact), dates and ids as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (uuid.UUID, date)):
        return str(value)
    return value


def attendance_recorded_data(result: contracts.AttendancePostResult) -> dict[str, Any]:
    """The `attendance.recorded` data of a post: its counts and the rows it recorded."""
    return {
        "post_id": str(result.post_id),
        "course_id": str(result.course_id),
        "edition_id": str(result.edition_id),
        "completion_date": str(result.completion_date),
        "channel": result.channel,
        "counts": result.counts.model_dump(),
        "recorded": [
            {
                "attendance_id": str(row.attendance_id),
                "registration_number": row.registration_number,
                "hours": _text(row.hours),
                "points": _text(row.points),
            }
            for row in result.rows
            if row.outcome == "recorded"
        ],
    }


async def attendance_recorded(
    session: AsyncSession, result: contracts.AttendancePostResult, *, sandbox: bool = False
) -> None:
    """Queue `attendance.recorded` for a post that recorded at least one row (not for a replay)."""
    if result.counts.recorded and not result.replayed:
        await enqueue(
            session, result.provider_id, "attendance.recorded", attendance_recorded_data(result), sandbox=sandbox
        )


async def attendance_disputed(
    session: AsyncSession, *, provider_id: uuid.UUID, attendance_id: uuid.UUID, reason: str, disputed_at: datetime
) -> None:
    """Queue `attendance.disputed` for a professional's dispute of one of the provider's records."""
    data = await _attendance_data(session, attendance_id)
    await enqueue(
        session,
        provider_id,
        "attendance.disputed",
        data | {"reason": reason, "disputed_at": disputed_at.isoformat()},
    )


async def dispute_resolved(session: AsyncSession, row: Any, *, reason: str, resolved_at: datetime) -> None:
    """Queue `attendance.dispute_resolved` when the provider voids a disputed record (its correction)."""
    disputed = (
        await session.execute(
            sa.select(attendance_disputes.c.attendance_id).where(
                attendance_disputes.c.attendance_id == row.attendance_id
            )
        )
    ).first()
    if disputed is None:
        return
    data = await _attendance_data(session, row.attendance_id)
    await enqueue(
        session,
        row.provider_id,
        "attendance.dispute_resolved",
        data | {"resolution": "voided", "reason": reason, "resolved_at": resolved_at.isoformat()},
    )


async def _attendance_data(session: AsyncSession, attendance_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await session.execute(
            sa.select(
                attendance.c.attendance_id,
                attendance.c.course_id,
                attendance.c.edition_id,
                attendance.c.registration_number,
            ).where(attendance.c.attendance_id == attendance_id)
        )
    ).first()
    if row is None:
        return {"attendance_id": str(attendance_id)}
    return {
        "attendance_id": str(row.attendance_id),
        "course_id": str(row.course_id),
        "edition_id": str(row.edition_id),
        "registration_number": row.registration_number,
    }


async def course_decided(
    session: AsyncSession, course_id: uuid.UUID, decision: str, reason: str, *, decided_on: date
) -> None:
    """Queue `course.decided` for a committee decision (approved, changes_requested, rejected,
    objection_dismissed, withdrawn)."""
    row = (
        await session.execute(
            sa.select(
                courses.c.course_id,
                courses.c.provider_id,
                courses.c.title,
                courses.c.status,
                courses.c.points,
                courses.c.valid_from,
                courses.c.valid_until,
            ).where(courses.c.course_id == course_id)
        )
    ).one()
    await enqueue(
        session,
        row.provider_id,
        "course.decided",
        {
            "course_id": str(row.course_id),
            "title": row.title,
            "decision": decision,
            "status": row.status,
            "reason": reason,
            "decided_on": str(decided_on),
            "points": _text(row.points),
            "valid_from": _text(row.valid_from),
            "valid_until": _text(row.valid_until),
        },
    )


def sample_data(event_type: str, today: date) -> dict[str, Any]:
    """Example data of each event type, for test messages (ids of nothing, the first test registration number)."""
    sample_id = "00000000-0000-4000-8000-000000000001"
    test_number = next(iter(contracts.SANDBOX_REGISTRATION_NUMBERS))
    attendance_part = {
        "attendance_id": sample_id,
        "course_id": sample_id,
        "edition_id": sample_id,
        "registration_number": test_number,
    }
    samples: dict[str, dict[str, Any]] = {
        "attendance.recorded": {
            "post_id": sample_id,
            "course_id": sample_id,
            "edition_id": sample_id,
            "completion_date": str(today),
            "channel": "api",
            "counts": {"received": 1, "recorded": 1, "duplicate": 0, "rejected": 0},
            "recorded": [
                {"attendance_id": sample_id, "registration_number": test_number, "hours": "8.00", "points": "8.00"}
            ],
        },
        "attendance.disputed": attendance_part
        | {"reason": "Ik heb deze cursus niet gevolgd.", "disputed_at": wall_clock().isoformat()},
        "attendance.dispute_resolved": attendance_part
        | {"resolution": "voided", "reason": "Ten onrechte gemeld.", "resolved_at": wall_clock().isoformat()},
        "course.decided": {
            "course_id": sample_id,
            "title": "Voorbeeldopleiding",
            "decision": "approved",
            "status": "approved",
            "reason": "Voldoet aan de criteria.",
            "decided_on": str(today),
            "points": "8.00",
            "valid_from": str(today),
            "valid_until": str(today.replace(year=today.year + 3)),
        },
        "accreditation.expiring": {
            "course_id": sample_id,
            "title": "Voorbeeldopleiding",
            "valid_until": str(today + timedelta(days=30)),
            "days_left": 30,
        },
    }
    return samples[event_type]


async def announce_expiring(ctx: AccreditationContext) -> int:
    """Queue `accreditation.expiring` once for each approved course whose validity ends within the warning period
    (by the register's day); returns how many courses were announced."""
    today = ctx.today()
    horizon = today + ctx.webhook_expiry_warning
    announced = 0
    async with ctx.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(courses.c.course_id, courses.c.provider_id, courses.c.title, courses.c.valid_until).where(
                    courses.c.status == "approved",
                    courses.c.valid_until.is_not(None),
                    courses.c.valid_until >= today,
                    courses.c.valid_until <= horizon,
                )
            )
        ).all()
        for row in rows:
            inserted = await uow.session.execute(
                insert_ignoring_conflicts(
                    uow.session, webhook_expiry_notices, index_elements=["course_id", "valid_until"]
                )
                .values(course_id=row.course_id, valid_until=row.valid_until, noticed_at=wall_clock())
                .returning(webhook_expiry_notices.c.course_id)
            )
            if inserted.first() is None:
                continue
            await enqueue(
                uow.session,
                row.provider_id,
                "accreditation.expiring",
                {
                    "course_id": str(row.course_id),
                    "title": row.title,
                    "valid_until": str(row.valid_until),
                    "days_left": (row.valid_until - today).days,
                },
            )
            announced += 1
        await uow.commit()
    return announced


# --- What the sender needs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueMessage:
    """A claimed message with what signing and sending it needs."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    message_id: str
    payload: dict[str, Any]
    secrets: tuple[str, ...]


async def claim_due(ctx: AccreditationContext, *, limit: int, claim_for: timedelta) -> list[DueMessage]:
    """Claim up to ``limit`` due messages of enabled endpoints: their next attempt moves ``claim_for`` ahead, so a
    sender that dies mid-send leaves them to be tried again then, and another sender skips them meanwhile."""
    now = wall_clock()
    async with ctx.unit_of_work() as uow:
        session = uow.session
        query = (
            sa.select(
                webhook_deliveries.c.delivery_id,
                webhook_deliveries.c.endpoint_id,
                webhook_deliveries.c.message_id,
                webhook_deliveries.c.payload,
            )
            .join(webhook_endpoints, webhook_endpoints.c.endpoint_id == webhook_deliveries.c.endpoint_id)
            .where(
                webhook_deliveries.c.status == "pending",
                webhook_deliveries.c.next_attempt_at <= now,
                webhook_endpoints.c.enabled.is_(True),
            )
            .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.delivery_id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
        rows = (await session.execute(query)).all()
        if not rows:
            return []
        await session.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.delivery_id.in_([row.delivery_id for row in rows]))
            .values(next_attempt_at=now + claim_for)
        )
        endpoint_rows = (
            await session.execute(
                sa.select(webhook_endpoints).where(
                    webhook_endpoints.c.endpoint_id.in_({row.endpoint_id for row in rows})
                )
            )
        ).all()
        await uow.commit()
    endpoints = {row.endpoint_id: row for row in endpoint_rows}
    claimed = []
    for row in rows:
        endpoint = endpoints[row.endpoint_id]
        signing = [endpoint.secret]
        if endpoint.previous_secret and endpoint.previous_secret_until and as_utc(endpoint.previous_secret_until) > now:
            signing.append(endpoint.previous_secret)
        claimed.append(
            DueMessage(
                delivery_id=row.delivery_id,
                endpoint_id=row.endpoint_id,
                url=endpoint.url,
                message_id=row.message_id,
                payload=dict(row.payload),
                secrets=tuple(signing),
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
        delivery = (
            await session.execute(
                for_update(
                    sa.select(webhook_deliveries).where(webhook_deliveries.c.delivery_id == message.delivery_id),
                    session,
                )
            )
        ).one()
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
        await session.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.delivery_id == message.delivery_id)
            .values(**values)
        )
        endpoint = (
            await session.execute(
                for_update(
                    sa.select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == message.endpoint_id), session
                )
            )
        ).one()
        if ok:
            await session.execute(
                sa.update(webhook_endpoints)
                .where(webhook_endpoints.c.endpoint_id == endpoint.endpoint_id)
                .values(consecutive_failures=0)
            )
        else:
            failures = endpoint.consecutive_failures + 1
            update: dict[str, Any] = {"consecutive_failures": failures}
            if endpoint.enabled and policy.disables(failures):
                update |= {
                    "enabled": False,
                    "disabled_at": now,
                    "disabled_reason": f"Disabled after {failures} failed attempts in a row.",
                }
                provider = (
                    await session.execute(
                        sa.select(providers.c.name, providers.c.contact_email).where(
                            providers.c.provider_id == endpoint.provider_id
                        )
                    )
                ).one()
                uow.emit(
                    contracts.WebhookEndpointDisabled(
                        endpoint_id=endpoint.endpoint_id,
                        provider_id=endpoint.provider_id,
                        provider_name=provider.name,
                        provider_contact_email=provider.contact_email or None,
                        url=endpoint.url,
                        failed_attempts=failures,
                        disabled_at=now,
                    )
                )
            await session.execute(
                sa.update(webhook_endpoints)
                .where(webhook_endpoints.c.endpoint_id == endpoint.endpoint_id)
                .values(**update)
            )
        await uow.commit()
    return str(values["status"])
