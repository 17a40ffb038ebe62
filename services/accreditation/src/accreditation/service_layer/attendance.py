"""Attendance posts (batched, idempotent); voiding and listing records are `attendance_records`.

A post runs as: check the request → reserve its Idempotency-Key (or replay) → in ONE transaction: load the
edition, refuse the whole post if the edition cannot take attendance, look the numbers up in the read model
(a few IN queries), judge every row (pure rules), find who is already recorded, insert the new rows in
multi-row INSERTs that skip (person, edition) clashes, emit one AttendanceRecorded per insert batch, store the
response with the key, commit. No per-row round trips; nothing is recorded unless the response is stored too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from accreditation.adapters.repositories import attendance as repository
from accreditation.adapters.repositories import idempotency as idempotency_records
from accreditation.adapters.repositories.dialect import Session
from accreditation.domain import attendance as rules
from accreditation.domain.attendance import Candidate, CourseTerms, Person, RawRow, Rejected, RowVerdict, batches
from accreditation.domain.courses import CourseStatus
from accreditation.domain.idempotency import check_fingerprint, check_idempotency_key, request_fingerprint
from accreditation.domain.text import actor
from accreditation.service_layer import idempotency_store, webhooks
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import Forbidden, InvalidRequest, NotFound

log = logging.getLogger(__name__)


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


async def edition_context(session: Session, edition_id: uuid.UUID, provider_id: uuid.UUID) -> Any:
    """The edition with its course and provider; 404 when unknown, 403 when another provider's."""
    row = await repository.edition_with_course(session, edition_id)
    if row is None:
        raise NotFound("edition_not_found", f"There is no course edition {edition_id}.")
    if row.provider_id != provider_id:
        raise Forbidden("not_your_course", "This edition belongs to another provider's course.")
    return row


def check_edition_takes_posts(ctx: AccreditationContext, edition: Any) -> None:
    """Refuse the whole post when the edition's course does not take attendance for it now (the sandbox applies
    the same check)."""
    rules.check_post_allowed(
        course_status=CourseStatus(edition.status),
        valid_from=edition.valid_from,
        valid_until=edition.valid_until,
        withdrawn_on=edition.withdrawn_on,
        completion_date=edition.end_date,
        today=ctx.today(),
        posting_window_months=ctx.rules_on(ctx.today()).accreditation.attendance_posting_window_months,
    )


def judge(edition: Any, raw_rows: list[RawRow], people: dict[str, Person]) -> list[RowVerdict]:
    """Every row's verdict by the pure rules, with the edition's course terms."""
    terms = CourseTerms(
        study_load_hours=edition.study_load_hours,
        points=edition.points,
        allows_partial_attendance=edition.allows_partial_attendance,
    )
    return rules.judge_rows(raw_rows, terms=terms, completion_date=edition.end_date, people=people)


def counts_of(rows: Sequence[contracts.AttendanceRowResult]) -> contracts.AttendanceCounts:
    """How many rows of a post were received, recorded, duplicates and rejected."""
    return contracts.AttendanceCounts(
        received=len(rows),
        recorded=sum(row.outcome == "recorded" for row in rows),
        duplicate=sum(row.outcome == "duplicate" for row in rows),
        rejected=sum(row.outcome == "rejected" for row in rows),
    )


async def record_post(
    ctx: AccreditationContext,
    session: Session,
    emit: Callable[[Message], Envelope],
    command: contracts.PostAttendance,
    key: str,
) -> contracts.AttendancePostResult:
    """Everything of a post inside its one transaction (the caller commits).

    A post the edition cannot take (unknown, another provider's, not accepting attendance) raises before it
    writes anything, so a caller may catch that refusal and carry on in the same transaction."""
    now = ctx.now()
    edition = await edition_context(session, command.edition_id, command.provider_id)
    completion_date = edition.end_date
    check_edition_takes_posts(ctx, edition)
    raw_rows = [RawRow(a.registration_number, a.hours) for a in command.attendees]
    people = await repository.people_by_number(session, rules.numbers_to_look_up(raw_rows))
    verdicts = judge(edition, raw_rows, people)
    candidates = [verdict for verdict in verdicts if isinstance(verdict, Candidate)]

    existing = await repository.already_recorded(session, command.edition_id, [c.person_id for c in candidates])
    post_id = uuid.uuid4()
    await repository.insert_post(
        session,
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
    new = [candidate for candidate in candidates if candidate.person_id not in existing]
    recorded: dict[int, uuid.UUID] = {}
    for batch in batches(new):
        inserted_now = await repository.insert_batch(
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
        existing.update(await repository.already_recorded(session, command.edition_id, lost_races))

    rows = [row_result(verdict, recorded, existing) for verdict in verdicts]
    counts = counts_of(rows)
    await repository.set_post_counts(
        session, post_id, recorded=counts.recorded, duplicate=counts.duplicate, rejected=counts.rejected
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


def row_result(
    verdict: RowVerdict, recorded: dict[int, uuid.UUID], existing: dict[uuid.UUID, uuid.UUID]
) -> contracts.AttendanceRowResult:
    """A row's outcome: rejected with its reason, recorded (the new id), or a duplicate of an active record."""
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


async def get_attendance_post(
    ctx: AccreditationContext, query: contracts.GetAttendancePost
) -> contracts.AttendancePostResult:
    """The first response of one of the provider's posts, as stored with its Idempotency-Key."""
    async with ctx.unit_of_work() as uow:
        stored = await idempotency_records.stored_response_of_post(uow.session, query.provider_id, query.post_id)
    if stored is None:
        raise NotFound("post_not_found", f"This provider has no attendance post {query.post_id}.")
    return contracts.AttendancePostResult.model_validate_json(stored).model_copy(update={"replayed": False})
