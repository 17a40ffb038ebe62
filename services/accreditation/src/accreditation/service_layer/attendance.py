"""Attendance: posting (batched, idempotent), voiding, and listing an edition's attendance.

A post runs as: check the request → reserve its Idempotency-Key (or replay) → in ONE transaction: load the
edition, refuse the whole post if the edition cannot take attendance, look the numbers up in the read model
(a few IN queries), judge every row (pure rules), find who is already recorded, insert the new rows in
multi-row INSERTs that skip (person, edition) clashes, emit one AttendanceRecorded per insert batch, store the
response with the key, commit. No per-row round trips; nothing is recorded unless the response is stored too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    attendance,
    attendance_disputes,
    attendance_posts,
    courses,
    editions,
    idempotency_keys,
    providers,
    registered_people,
    registration_history,
)
from accreditation.adapters.sql import as_utc, insert_ignoring_conflicts
from accreditation.domain import attendance as rules
from accreditation.domain.attendance import Candidate, CourseTerms, Person, RawRow, Rejected, RowVerdict, batches
from accreditation.domain.courses import CourseStatus
from accreditation.domain.errors import Forbidden, InvalidRequest, NotFound
from accreditation.domain.idempotency import check_fingerprint, check_idempotency_key, request_fingerprint
from accreditation.domain.registrations import StatusEntry
from accreditation.domain.text import actor, required_text
from accreditation.service_layer import idempotency_store, webhooks
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope

log = logging.getLogger(__name__)

MAX_VOID_REASON = 4_000


# --- Posting ---------------------------------------------------------------------------------------------------


async def post_attendance(
    ctx: AccreditationContext, command: contracts.PostAttendance
) -> contracts.AttendancePostResult:
    """Record a provider's attendance post; see the module docstring and PostAttendance for the semantics."""
    key, fingerprint = check_post_request(command)
    reserved = await idempotency_store.reserve(ctx, command.provider_id, key, fingerprint)
    if isinstance(reserved, contracts.AttendancePostResult):
        return reserved
    try:
        async with ctx.unit_of_work() as uow:
            result = await record_post(ctx, uow.session, uow.emit, command, key)
            await webhooks.attendance_recorded(uow.session, result)
            await idempotency_store.complete(uow.session, reserved, result, now=ctx.now())
            await uow.commit()
    except BaseException:
        # Refused (4xx) or failed: nothing was recorded (the transaction rolled back), so free the key for a
        # retry now rather than after the lease. The original exception is re-raised either way.
        try:
            await idempotency_store.release(ctx, reserved)
        except Exception:
            log.exception(
                "could not release idempotency key of provider %s; it frees itself when the lease ends",
                command.provider_id,
            )
        raise
    return result


def check_post_request(command: contracts.PostAttendance) -> tuple[str, str]:
    """The post's Idempotency-Key and request fingerprint, after the checks of the request as a whole (no rows,
    too many rows, a malformed key or fingerprint: 400)."""
    key = check_idempotency_key(command.idempotency_key)
    if not command.attendees:
        raise InvalidRequest("no_rows", "An attendance post needs at least one row.")
    if len(command.attendees) > contracts.MAX_ATTENDEES_PER_POST:
        raise InvalidRequest(
            "too_many_rows",
            f"An attendance post carries at most {contracts.MAX_ATTENDEES_PER_POST} rows; "
            f"this one has {len(command.attendees)}. Split it into several posts.",
        )
    fingerprint = (
        check_fingerprint(command.request_fingerprint)
        if command.request_fingerprint is not None
        else request_fingerprint(command.edition_id, [(a.registration_number, a.hours) for a in command.attendees])
    )
    return key, fingerprint


async def _edition_context(session: AsyncSession, edition_id: uuid.UUID, provider_id: uuid.UUID) -> Any:
    """The edition with its course and provider; 404 when unknown, 403 when another provider's."""
    row = (
        await session.execute(
            sa.select(
                editions.c.edition_id,
                editions.c.end_date,
                courses.c.course_id,
                courses.c.provider_id,
                courses.c.title,
                courses.c.category,
                courses.c.status,
                courses.c.study_load_hours,
                courses.c.points,
                courses.c.allows_partial_attendance,
                courses.c.valid_from,
                courses.c.valid_until,
                courses.c.withdrawn_on,
                providers.c.name.label("provider_name"),
            )
            .join(courses, courses.c.course_id == editions.c.course_id)
            .join(providers, providers.c.provider_id == courses.c.provider_id)
            .where(editions.c.edition_id == edition_id)
        )
    ).first()
    if row is None:
        raise NotFound("edition_not_found", f"There is no course edition {edition_id}.")
    if row.provider_id != provider_id:
        raise Forbidden("not_your_course", "This edition belongs to another provider's course.")
    return row


async def _people(session: AsyncSession, numbers: Iterable[str]) -> dict[str, Person]:
    """The read model's people for these numbers, with their status history (2 queries per 1,000 numbers)."""
    found: dict[str, tuple[uuid.UUID, list[StatusEntry]]] = {}
    for number_chunk in batches(sorted(numbers)):
        rows = await session.execute(
            sa.select(registered_people.c.registration_number, registered_people.c.person_id).where(
                registered_people.c.registration_number.in_(number_chunk)
            )
        )
        for number, person_id in rows:
            found[number] = (person_id, [])
    by_person = {person_id: entries for person_id, entries in found.values()}
    for person_chunk in batches(list(by_person)):
        history = await session.execute(
            sa.select(
                registration_history.c.person_id,
                registration_history.c.effective_on,
                registration_history.c.status,
                registration_history.c.occurred_at,
            ).where(registration_history.c.person_id.in_(person_chunk))
        )
        for person_id, effective_on, status, occurred_at in history:
            by_person[person_id].append(StatusEntry(effective_on, status, as_utc(occurred_at)))
    return {
        number: Person(person_id=person_id, registration_number=number, history=tuple(entries))
        for number, (person_id, entries) in found.items()
    }


async def _already_recorded(
    session: AsyncSession, edition_id: uuid.UUID, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Active attendance ids on this edition, by person."""
    recorded: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in batches(person_ids):
        rows = await session.execute(
            sa.select(attendance.c.person_id, attendance.c.attendance_id).where(
                attendance.c.edition_id == edition_id,
                attendance.c.person_id.in_(chunk),
                attendance.c.voided_at.is_(None),
            )
        )
        recorded.update({person_id: attendance_id for person_id, attendance_id in rows})
    return recorded


async def record_post(
    ctx: AccreditationContext,
    session: AsyncSession,
    emit: Callable[[Message], Envelope],
    command: contracts.PostAttendance,
    key: str,
) -> contracts.AttendancePostResult:
    """Everything of a post inside its one transaction (the caller commits).

    A post the edition cannot take (unknown, another provider's, not accepting attendance) raises before it
    writes anything, so a caller may catch that refusal and carry on in the same transaction."""
    now = ctx.now()
    edition = await _edition_context(session, command.edition_id, command.provider_id)
    completion_date = edition.end_date
    rules.check_post_allowed(
        course_status=CourseStatus(edition.status),
        valid_from=edition.valid_from,
        valid_until=edition.valid_until,
        withdrawn_on=edition.withdrawn_on,
        completion_date=completion_date,
        today=ctx.today(),
        posting_window_months=ctx.rules_on(ctx.today()).accreditation.attendance_posting_window_months,
    )
    raw_rows = [RawRow(a.registration_number, a.hours) for a in command.attendees]
    people = await _people(session, rules.numbers_to_look_up(raw_rows))
    terms = CourseTerms(
        study_load_hours=edition.study_load_hours,
        points=edition.points,
        allows_partial_attendance=edition.allows_partial_attendance,
    )
    verdicts = rules.judge_rows(raw_rows, terms=terms, completion_date=completion_date, people=people)
    candidates = [verdict for verdict in verdicts if isinstance(verdict, Candidate)]

    existing = await _already_recorded(session, command.edition_id, [c.person_id for c in candidates])
    post_id = uuid.uuid4()
    await session.execute(
        sa.insert(attendance_posts).values(
            post_id=post_id,
            provider_id=command.provider_id,
            edition_id=command.edition_id,
            idempotency_key=key,
            channel=command.channel,
            posted_by=actor(command.posted_by),
            received_at=now,
            received=len(verdicts),
            recorded=0,
            duplicate=0,
            rejected=0,
        )
    )
    new = [candidate for candidate in candidates if candidate.person_id not in existing]
    recorded: dict[int, uuid.UUID] = {}
    for batch in batches(new):
        inserted_now = await _insert_batch(
            session, batch, edition=edition, post_id=post_id, channel=command.channel, now=now
        )
        recorded.update(inserted_now)
        recorded_rows = [c for c in batch if c.index in inserted_now]
        if recorded_rows:
            emit(
                contracts.AttendanceRecorded(
                    batch_id=uuid.uuid4(),
                    post_id=post_id,
                    provider_id=command.provider_id,
                    provider_name=edition.provider_name,
                    course_id=edition.course_id,
                    course_title=edition.title,
                    edition_id=command.edition_id,
                    category=edition.category,
                    completion_date=completion_date,
                    rows=[
                        contracts.AttendanceRow(
                            attendance_id=inserted_now[c.index],
                            registration_number=c.registration_number,
                            person_id=c.person_id,
                            hours=c.hours,
                            points=c.points,
                        )
                        for c in recorded_rows
                    ],
                )
            )
    lost_races = [c.person_id for c in new if c.index not in recorded]
    if lost_races:
        # Another post for the same people committed between our look-up and our insert: the unique index
        # skipped our rows, and they are duplicates of what that post recorded.
        existing.update(await _already_recorded(session, command.edition_id, lost_races))

    rows = [_row_result(verdict, recorded, existing) for verdict in verdicts]
    counts = contracts.AttendanceCounts(
        received=len(rows),
        recorded=sum(row.outcome == "recorded" for row in rows),
        duplicate=sum(row.outcome == "duplicate" for row in rows),
        rejected=sum(row.outcome == "rejected" for row in rows),
    )
    await session.execute(
        sa.update(attendance_posts)
        .where(attendance_posts.c.post_id == post_id)
        .values(recorded=counts.recorded, duplicate=counts.duplicate, rejected=counts.rejected)
    )
    return contracts.AttendancePostResult(
        post_id=post_id,
        provider_id=command.provider_id,
        course_id=edition.course_id,
        edition_id=command.edition_id,
        completion_date=completion_date,
        channel=command.channel,
        idempotency_key=key,
        received_at=now,
        counts=counts,
        rows=rows,
    )


async def _insert_batch(
    session: AsyncSession, batch: Sequence[Candidate], *, edition: Any, post_id: uuid.UUID, channel: str, now: datetime
) -> dict[int, uuid.UUID]:
    """One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING; returns the new attendance id per row index.

    Rows clashing with an active record of the same person on the edition are skipped by the unique index, not
    by us: that is what keeps concurrent posts from recording a person twice.
    """
    planned = {candidate.index: uuid.uuid4() for candidate in batch}
    values = [
        {
            "attendance_id": planned[c.index],
            "post_id": post_id,
            "provider_id": edition.provider_id,
            "course_id": edition.course_id,
            "edition_id": edition.edition_id,
            "person_id": c.person_id,
            "registration_number": c.registration_number,
            "hours": c.hours,
            "points": c.points,
            "completion_date": edition.end_date,
            "channel": channel,
            "recorded_at": now,
        }
        for c in batch
    ]
    statement = insert_ignoring_conflicts(
        session,
        attendance,
        index_elements=["person_id", "edition_id"],
        index_where=attendance.c.voided_at.is_(None),
    ).returning(attendance.c.attendance_id)
    # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" sends the batch as one multi-row INSERT (up to
    # 1,000 rows a page, our batch size) from a statement compiled once and cached. Building the same INSERT with
    # .values(list) would compile 15,000 bind parameters anew for every batch, which costs more than the database.
    inserted = set((await session.execute(statement, values)).scalars())
    return {index: attendance_id for index, attendance_id in planned.items() if attendance_id in inserted}


def _row_result(
    verdict: RowVerdict, recorded: dict[int, uuid.UUID], existing: dict[uuid.UUID, uuid.UUID]
) -> contracts.AttendanceRowResult:
    if isinstance(verdict, Rejected):
        return contracts.AttendanceRowResult(
            index=verdict.index,
            registration_number=verdict.registration_number,
            outcome="rejected",
            reason_code=verdict.reason.value,
            message=verdict.message,
        )
    if verdict.index in recorded:
        return contracts.AttendanceRowResult(
            index=verdict.index,
            registration_number=verdict.registration_number,
            outcome="recorded",
            attendance_id=recorded[verdict.index],
            hours=verdict.hours,
            points=verdict.points,
        )
    return contracts.AttendanceRowResult(
        index=verdict.index,
        registration_number=verdict.registration_number,
        outcome="duplicate",
        attendance_id=existing[verdict.person_id],
        message=f"{verdict.registration_number} was already recorded on this edition.",
    )


# --- Voiding and listing ---------------------------------------------------------------------------------------


async def void_attendance(
    ctx: AccreditationContext, command: contracts.VoidAttendance
) -> contracts.AttendanceVoidReceipt:
    """Void one of the provider's own records (idempotent); publishes AttendanceVoided the first time."""
    reason = required_text(command.reason, "reason", max_length=MAX_VOID_REASON)
    async with ctx.unit_of_work() as uow:
        session = uow.session
        row = (
            await session.execute(sa.select(attendance).where(attendance.c.attendance_id == command.attendance_id))
        ).first()
        if row is None:
            raise NotFound("attendance_not_found", f"There is no attendance record {command.attendance_id}.")
        if row.provider_id != command.provider_id:
            raise Forbidden("not_your_attendance", "This attendance record belongs to another provider.")
        if row.voided_at is None:
            voided_at = ctx.now()
            if await void_row(session, uow.emit, row, reason=reason, voided_by=command.voided_by, now=voided_at):
                await uow.commit()
                return contracts.AttendanceVoidReceipt(
                    attendance_id=row.attendance_id, voided_at=voided_at, reason=reason, newly_voided=True
                )
            # A concurrent void won: report its outcome below.
            row = (
                await session.execute(sa.select(attendance).where(attendance.c.attendance_id == command.attendance_id))
            ).one()
    return contracts.AttendanceVoidReceipt(
        attendance_id=row.attendance_id,
        voided_at=as_utc(row.voided_at),
        reason=row.void_reason or "",
        newly_voided=False,
    )


async def void_row(
    session: AsyncSession, emit: Callable[[Message], Envelope], row: Any, *, reason: str, voided_by: str, now: datetime
) -> bool:
    """Void an attendance row (as selected from `attendance`) inside the caller's transaction and emit
    AttendanceVoided; False when it was voided already (by a concurrent void, say): then nothing is emitted."""
    updated = await session.execute(
        sa.update(attendance)
        .where(attendance.c.attendance_id == row.attendance_id, attendance.c.voided_at.is_(None))
        .values(voided_at=now, void_reason=reason, voided_by=actor(voided_by))
    )
    if int(getattr(updated, "rowcount", 0) or 0) != 1:
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


async def get_attendance_post(
    ctx: AccreditationContext, query: contracts.GetAttendancePost
) -> contracts.AttendancePostResult:
    """The first response of one of the provider's posts, as stored with its Idempotency-Key."""
    async with ctx.unit_of_work() as uow:
        stored = (
            await uow.session.execute(
                sa.select(idempotency_keys.c.response).where(
                    idempotency_keys.c.provider_id == query.provider_id,
                    idempotency_keys.c.post_id == query.post_id,
                    idempotency_keys.c.response.is_not(None),
                )
            )
        ).scalar_one_or_none()
    if stored is None:
        raise NotFound("post_not_found", f"This provider has no attendance post {query.post_id}.")
    return contracts.AttendancePostResult.model_validate_json(stored).model_copy(update={"replayed": False})


async def list_attendance(ctx: AccreditationContext, query: contracts.ListAttendance) -> contracts.AttendanceList:
    async with ctx.unit_of_work() as uow:
        edition = await _edition_context(uow.session, query.edition_id, query.provider_id)
        rows = (
            await uow.session.execute(
                sa.select(
                    attendance,
                    registered_people.c.initials,
                    registered_people.c.surname,
                    attendance_disputes.c.disputed_at,
                    attendance_disputes.c.reason.label("dispute_reason"),
                )
                .outerjoin(registered_people, registered_people.c.person_id == attendance.c.person_id)
                .outerjoin(attendance_disputes, attendance_disputes.c.attendance_id == attendance.c.attendance_id)
                .where(attendance.c.edition_id == query.edition_id)
                .order_by(attendance.c.registration_number, attendance.c.recorded_at, attendance.c.attendance_id)
            )
        ).all()
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
        rows = (
            await uow.session.execute(
                sa.select(
                    attendance,
                    registered_people.c.initials,
                    registered_people.c.surname,
                    attendance_disputes.c.disputed_at,
                    attendance_disputes.c.reason.label("dispute_reason"),
                    courses.c.title.label("course_title"),
                )
                .join(attendance_disputes, attendance_disputes.c.attendance_id == attendance.c.attendance_id)
                .join(courses, courses.c.course_id == attendance.c.course_id)
                .outerjoin(registered_people, registered_people.c.person_id == attendance.c.person_id)
                .where(attendance.c.provider_id == query.provider_id)
                .order_by(attendance_disputes.c.disputed_at.desc(), attendance.c.attendance_id)
            )
        ).all()
    return contracts.DisputedAttendanceList(
        disputes=[
            contracts.DisputedAttendance(
                course_id=row.course_id, course_title=row.course_title, edition_id=row.edition_id, entry=_entry(row)
            )
            for row in rows
        ]
    )


# The sandbox (service_layer/sandbox.py) judges its posts by the same edition checks and row results.
edition_context = _edition_context
row_result = _row_result
