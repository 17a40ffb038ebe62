"""Webhooks: the messages queued for a provider's endpoints, in the transaction of the change they report.

Messages are queued in the transaction of the change they report (`enqueue`), one row per subscribed endpoint, so
a change and its webhook commit together (a transactional outbox of its own, with the provider's endpoints as
destinations). The sender (`webhook_delivery`) claims due rows, posts them signed, and records the result: delivered,
or tried again after a growing delay, or given up after three days; an endpoint that keeps failing is disabled and
the provider's contact is told by mail (WebhookEndpointDisabled, mailed by the registry). The provider's endpoints
and their delivery log are `webhook_endpoints`.

Delivery times are real time, not the register's (demo) clock: a receiver checks `webhook-timestamp` against its
own clock, and backoff is about the receiver's outage, not about register dates.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from accreditation.adapters.repositories import attendance as attendance_records
from accreditation.adapters.repositories import courses as course_records
from accreditation.adapters.repositories import webhooks as repository
from accreditation.adapters.repositories.dialect import Session
from accreditation.domain import webhooks as rules
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts


def wall_clock() -> datetime:
    """Real time (UTC): delivery times and signatures are about the receiver's clock, never the demo's."""
    return datetime.now(UTC)


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


async def queue(
    session: Session, endpoint: Any, event_type: str, data: dict[str, Any], *, test: bool, now: datetime
) -> uuid.UUID:
    """Queue one message to one endpoint, due now; returns its delivery id."""
    delivery_id = uuid.uuid4()
    await repository.insert_delivery(
        session,
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
    return delivery_id


async def enqueue(
    session: Session, provider_id: uuid.UUID, event_type: str, data: dict[str, Any], *, sandbox: bool = False
) -> int:
    """Queue one message for each of the provider's endpoints subscribed to ``event_type`` (sandbox endpoints for
    sandbox events, production endpoints for real ones), in the caller's transaction; returns how many."""
    endpoints = await repository.endpoints_for_events(session, provider_id, sandbox=sandbox)
    now = wall_clock()
    queued = 0
    for endpoint in endpoints:
        if event_type in endpoint.events:
            await queue(session, endpoint, event_type, data, test=False, now=now)
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
    session: Session, result: contracts.AttendancePostResult, *, sandbox: bool = False
) -> None:
    """Queue `attendance.recorded` for a post that recorded at least one row (not for a replay)."""
    if result.counts.recorded and not result.replayed:
        await enqueue(
            session, result.provider_id, "attendance.recorded", attendance_recorded_data(result), sandbox=sandbox
        )


async def attendance_disputed(
    session: Session, *, provider_id: uuid.UUID, attendance_id: uuid.UUID, reason: str, disputed_at: datetime
) -> None:
    """Queue `attendance.disputed` for a professional's dispute of one of the provider's records."""
    data = await _attendance_data(session, attendance_id)
    await enqueue(
        session,
        provider_id,
        "attendance.disputed",
        data | {"reason": reason, "disputed_at": disputed_at.isoformat()},
    )


async def dispute_resolved(session: Session, row: Any, *, reason: str, resolved_at: datetime) -> None:
    """Queue `attendance.dispute_resolved` when the provider voids a disputed record (its correction)."""
    if not await attendance_records.is_disputed(session, row.attendance_id):
        return
    data = await _attendance_data(session, row.attendance_id)
    await enqueue(
        session,
        row.provider_id,
        "attendance.dispute_resolved",
        data | {"resolution": "voided", "reason": reason, "resolved_at": resolved_at.isoformat()},
    )


async def _attendance_data(session: Session, attendance_id: uuid.UUID) -> dict[str, Any]:
    row = await attendance_records.attendance_reference(session, attendance_id)
    if row is None:
        return {"attendance_id": str(attendance_id)}
    return {
        "attendance_id": str(row.attendance_id),
        "course_id": str(row.course_id),
        "edition_id": str(row.edition_id),
        "registration_number": row.registration_number,
    }


async def course_decided(
    session: Session, course_id: uuid.UUID, decision: str, reason: str, *, decided_on: date
) -> None:
    """Queue `course.decided` for a committee decision (approved, changes_requested, rejected,
    objection_dismissed, withdrawn)."""
    row = await course_records.decision_summary(session, course_id)
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
        rows = await course_records.approved_ending_between(uow.session, today, horizon)
        for row in rows:
            if not await repository.note_expiry(uow.session, row.course_id, row.valid_until, wall_clock()):
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
