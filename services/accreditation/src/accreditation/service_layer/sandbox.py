"""Sandbox keys: an attendance post judged exactly as production judges it, against the test people only.

The post takes the same path up to the rows' verdicts (the request checks, the Idempotency-Key, the edition's
checks, the pure row rules), then records into `sandbox_attendance` instead of `attendance` and emits no event:
nothing reaches a portfolio. A repeated number is "already recorded" as in production; the answer has the same
shape and codes, and a sandbox webhook endpoint receives `attendance.recorded`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from accreditation.adapters.repositories import sandbox as repository
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain.attendance import Candidate, RawRow
from accreditation.domain.sandbox import TEST_PERSON_NAME, sandbox_people
from accreditation.service_layer import attendance, attendance_records, idempotency_store, providers, webhooks
from accreditation.service_layer.attendance import (
    check_edition_takes_posts,
    check_post_request,
    counts_of,
    edition_context,
    judge,
    row_result,
)
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.actor import current_actor
from lklr_shared.kit.outbox import UnitOfWork

# Sandbox keys live in the provider's key space with a prefix of their own, so a sandbox post never replays (or
# clashes with) a production post's Idempotency-Key.
_KEY_PREFIX = "sandbox:"


async def is_sandbox_request(ctx: AccreditationContext) -> bool:
    """Whether the current request comes with a sandbox API key (from the gateway's signed actor assertion)."""
    claims = current_actor()
    if claims is None or claims.kind != "api_key":
        return False  # web posts and committee calls: no database look-up
    async with ctx.unit_of_work() as uow:
        return await providers.asked_with_sandbox_key(uow.session)


def sandbox_key(key: str) -> str:
    """The stored Idempotency-Key of a sandbox post (a digest when the prefixed key would be too long)."""
    prefixed = _KEY_PREFIX + key
    return prefixed if len(prefixed) <= 255 else _KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()


async def post_attendance(
    ctx: AccreditationContext, command: contracts.PostAttendance
) -> contracts.AttendancePostResult:
    """An attendance post: a sandbox key's into the sandbox, any other into the register."""
    if not await is_sandbox_request(ctx):
        return await attendance.post_attendance(ctx, command)
    key, fingerprint = check_post_request(command)
    reserved = await idempotency_store.reserve(ctx, command.provider_id, sandbox_key(key), fingerprint)
    if isinstance(reserved, contracts.AttendancePostResult):
        return reserved
    try:
        async with ctx.unit_of_work() as uow:
            result = await record(ctx, uow.session, command, key)
            await webhooks.attendance_recorded(uow.session, result, sandbox=True)
            await idempotency_store.complete(uow.session, reserved, result, now=ctx.now())
            await uow.commit()
    except BaseException:
        await idempotency_store.release(ctx, reserved)
        raise
    return result


async def record(
    ctx: AccreditationContext, session: Session, command: contracts.PostAttendance, key: str
) -> contracts.AttendancePostResult:
    """A sandbox post inside the caller's transaction (the caller commits). As production's `record_post`, a post
    the edition cannot take raises before anything is written, so the caller may carry on after that refusal."""
    now = ctx.now()
    post_id = uuid.uuid4()
    edition = await edition_context(session, command.edition_id, command.provider_id)
    check_edition_takes_posts(ctx, edition)
    raw_rows = [RawRow(a.registration_number, a.hours) for a in command.attendees]
    verdicts = judge(edition, raw_rows, sandbox_people())
    candidates = [verdict for verdict in verdicts if isinstance(verdict, Candidate)]
    existing = await repository.already_recorded(session, command.edition_id, candidates)
    recorded: dict[int, uuid.UUID] = {}
    for candidate in candidates:
        if candidate.person_id in existing:
            continue
        attendance_id = uuid.uuid4()
        if await repository.insert_record(
            session,
            attendance_id=attendance_id,
            post_id=post_id,
            channel=command.channel,
            provider_id=command.provider_id,
            edition_id=command.edition_id,
            registration_number=candidate.registration_number,
            hours=candidate.hours,
            points=candidate.points,
            recorded_at=now,
        ):
            recorded[candidate.index] = attendance_id
    lost = [c for c in candidates if c.person_id not in existing and c.index not in recorded]
    if lost:
        existing.update(await repository.already_recorded(session, command.edition_id, lost))
    rows = [row_result(verdict, recorded, existing) for verdict in verdicts]
    return contracts.AttendancePostResult(
        post_id=post_id,
        provider_id=command.provider_id,
        course_id=edition.course_id,
        edition_id=command.edition_id,
        completion_date=edition.end_date,
        channel=command.channel,
        idempotency_key=key,
        received_at=now,
        counts=counts_of(rows),
        rows=rows,
    )


async def void_record(session: Session, attendance_id: uuid.UUID, *, reason: str, now: datetime) -> bool:
    """Void a sandbox record (no event: nothing outside the sandbox knew of it); False when it was voided already."""
    return await repository.void(session, attendance_id, reason=reason, now=now)


async def void_attendance(
    ctx: AccreditationContext, command: contracts.VoidAttendance
) -> contracts.AttendanceVoidReceipt:
    """Void a record: a sandbox key's in the sandbox (its own records only, answered as production answers), any
    other key's in the register."""
    if not await is_sandbox_request(ctx):
        return await attendance_records.void_attendance(ctx, command)

    async def void(uow: UnitOfWork, row: Any, reason: str, now: datetime) -> bool:
        return await void_record(uow.session, row.attendance_id, reason=reason, now=now)

    return await attendance_records.void_own_record(ctx, command, repository.record, void)


async def list_attendance(ctx: AccreditationContext, query: contracts.ListAttendance) -> contracts.AttendanceList:
    """An edition's attendance: a sandbox key's list is the sandbox's records (as production lists real ones, voided
    ones included), any other key's the register's."""
    if not await is_sandbox_request(ctx):
        return await attendance_records.list_attendance(ctx, query)
    async with ctx.unit_of_work() as uow:
        edition = await edition_context(uow.session, query.edition_id, query.provider_id)
        rows = await repository.records_of_edition(uow.session, query.edition_id)
    return contracts.AttendanceList(
        course_id=edition.course_id,
        course_title=edition.title,
        edition_id=edition.edition_id,
        completion_date=edition.end_date,
        entries=[
            contracts.AttendanceEntry(
                attendance_id=row.attendance_id,
                post_id=row.post_id or row.attendance_id,
                registration_number=row.registration_number,
                person_name=TEST_PERSON_NAME,
                hours=row.hours,
                points=row.points,
                completion_date=edition.end_date,
                channel=row.channel or "api",
                recorded_at=as_utc(row.recorded_at),
                voided_at=as_utc(row.voided_at) if row.voided_at is not None else None,
                void_reason=row.void_reason,
            )
            for row in rows
        ],
    )
