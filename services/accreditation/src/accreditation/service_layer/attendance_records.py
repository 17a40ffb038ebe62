"""Attendance records: a provider voids one of its records, and lists an edition's records or its disputed ones."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from accreditation.adapters.repositories import attendance as repository
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain.text import actor, required_text
from accreditation.service_layer import webhooks
from accreditation.service_layer.attendance import edition_context
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import Forbidden, NotFound
from lklr_shared.kit.outbox import UnitOfWork

MAX_VOID_REASON = 4_000


# Loads a record by id (None when there is none).
LoadRecord = Callable[[Session, uuid.UUID], Awaitable[Any]]
# Voids a loaded record in the unit of work with a reason at a time; False when it was voided already.
VoidRecord = Callable[[UnitOfWork, Any, str, datetime], Awaitable[bool]]


async def void_own_record(
    ctx: AccreditationContext, command: contracts.VoidAttendance, load: LoadRecord, void: VoidRecord
) -> contracts.AttendanceVoidReceipt:
    """Void one of the provider's own records, once: a repeat (or a concurrent void that won) is answered with the
    first void's outcome. The register's records and the sandbox's are voided alike, each by its own ``void``."""
    reason = required_text(command.reason, "reason", max_length=MAX_VOID_REASON)
    async with ctx.unit_of_work() as uow:
        row = await load(uow.session, command.attendance_id)
        if row is None:
            raise NotFound("attendance_not_found", f"There is no attendance record {command.attendance_id}.")
        if row.provider_id != command.provider_id:
            raise Forbidden("not_your_attendance", "This attendance record belongs to another provider.")
        if row.voided_at is None:
            voided_at = ctx.now()
            if await void(uow, row, reason, voided_at):
                await uow.commit()
                return contracts.AttendanceVoidReceipt(
                    attendance_id=row.attendance_id, voided_at=voided_at, reason=reason, newly_voided=True
                )
            # A concurrent void won: report its outcome below.
            row = await load(uow.session, command.attendance_id)
    return contracts.AttendanceVoidReceipt(
        attendance_id=row.attendance_id,
        voided_at=as_utc(row.voided_at),
        reason=row.void_reason or "",
        newly_voided=False,
    )


async def void_attendance(
    ctx: AccreditationContext, command: contracts.VoidAttendance
) -> contracts.AttendanceVoidReceipt:
    """Void one of the provider's own records (idempotent); publishes AttendanceVoided the first time."""

    async def void(uow: UnitOfWork, row: Any, reason: str, now: datetime) -> bool:
        return await void_row(uow.session, uow.emit, row, reason=reason, voided_by=command.voided_by, now=now)

    return await void_own_record(ctx, command, repository.record, void)


async def void_row(
    session: Session, emit: Callable[[Message], Envelope], row: Any, *, reason: str, voided_by: str, now: datetime
) -> bool:
    """Void an attendance row (as selected from `attendance`) inside the caller's transaction and emit
    AttendanceVoided; False when it was voided already (by a concurrent void, say): then nothing is emitted."""
    if not await repository.void(session, row.attendance_id, now=now, reason=reason, voided_by=actor(voided_by)):
        return False
    emit(
        contracts.AttendanceVoided(
            attendance_id=row.attendance_id,
            provider_id=row.provider_id,
            person_id=row.person_id,
            reason=reason,
            voided_at=now,
            edition_id=row.edition_id,
            course_id=row.course_id,
        )
    )
    await webhooks.dispute_resolved(session, row, reason=reason, resolved_at=now)
    return True


async def list_attendance(ctx: AccreditationContext, query: contracts.ListAttendance) -> contracts.AttendanceList:
    async with ctx.unit_of_work() as uow:
        edition = await edition_context(uow.session, query.edition_id, query.provider_id)
        rows = await repository.entries_of_edition(uow.session, query.edition_id)
    return contracts.AttendanceList(
        course_id=edition.course_id,
        course_title=edition.title,
        edition_id=edition.edition_id,
        completion_date=edition.end_date,
        entries=[_entry(row) for row in rows],
    )


def _entry(row: Any) -> contracts.AttendanceEntry:
    """An attendance row (with the person's name and any dispute joined in) as its provider sees it."""
    return contracts.AttendanceEntry(
        attendance_id=row.attendance_id,
        post_id=row.post_id,
        registration_number=row.registration_number,
        person_name=f"{row.initials} {row.surname}" if row.surname is not None else "",
        hours=row.hours,
        points=row.points,
        completion_date=row.completion_date,
        channel=row.channel,
        recorded_at=as_utc(row.recorded_at),
        voided_at=as_utc(row.voided_at) if row.voided_at is not None else None,
        void_reason=row.void_reason,
        disputed_at=as_utc(row.disputed_at) if row.disputed_at is not None else None,
        dispute_reason=row.dispute_reason,
    )


async def list_disputed_attendance(
    ctx: AccreditationContext, query: contracts.ListDisputedAttendance
) -> contracts.DisputedAttendanceList:
    """Every record of the provider a professional disputed, newest dispute first (one query)."""
    async with ctx.unit_of_work() as uow:
        rows = await repository.disputed_of_provider(uow.session, query.provider_id)
    return contracts.DisputedAttendanceList(
        disputes=[
            contracts.DisputedAttendance(
                course_id=row.course_id, course_title=row.course_title, edition_id=row.edition_id, entry=_entry(row)
            )
            for row in rows
        ]
    )
