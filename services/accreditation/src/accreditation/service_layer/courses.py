"""Courses: reading them, and the provider's side: submission, revision, editions and objections to a decision.
The committee's decisions are `course_decisions`; the public catalogue is `catalogue`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from accreditation.adapters.repositories import courses as repository
from accreditation.adapters.repositories import objections as objection_records
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain import courses as rules
from accreditation.domain.courses import CourseStatus
from accreditation.domain.text import actor, bounded_text, required_text
from accreditation.service_layer import objection_flow
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.providers import require_provider
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Forbidden, InvalidRequest, NotFound
from lklr_shared.kit.outbox import UnitOfWork

MAX_EDITIONS_PER_SUBMISSION = 100


# --- Reading ---------------------------------------------------------------------------------------------------


def _edition(row: Any) -> contracts.EditionDetails:
    return contracts.EditionDetails(
        edition_id=row.edition_id,
        course_id=row.course_id,
        start_date=row.start_date,
        end_date=row.end_date,
        location=row.location,
        created_at=as_utc(row.created_at),
    )


async def editions_of(
    session: Session, course_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[contracts.EditionDetails]]:
    """The editions of the courses, by course."""
    found: dict[uuid.UUID, list[contracts.EditionDetails]] = defaultdict(list)
    if course_ids:
        for row in await repository.editions_of(session, course_ids):
            found[row.course_id].append(_edition(row))
    return found


async def _details(ctx: AccreditationContext, session: Session, rows: Sequence[Any]) -> list[contracts.CourseDetails]:
    """The courses of ``rows`` with their editions, history and latest objection, three more queries in all."""
    ids = [row.course_id for row in rows]
    course_editions = await editions_of(session, ids)
    history: dict[uuid.UUID, list[contracts.CourseHistoryEntry]] = defaultdict(list)
    if ids:
        for entry in await repository.history_of(session, ids):
            history[entry.course_id].append(
                contracts.CourseHistoryEntry(
                    step=entry.step,
                    at=as_utc(entry.at),
                    by=entry.by,
                    reason=entry.reason,
                    points=entry.points,
                    valid_from=entry.valid_from,
                    valid_until=entry.valid_until,
                )
            )
    latest: dict[uuid.UUID, contracts.CourseObjectionView] = {}
    if ids:
        for course_id, objection in (await objection_records.latest_of_courses(session, ids)).items():
            latest[course_id] = objection_flow.view(objection)
    return [
        _course(ctx, row, course_editions[row.course_id], history[row.course_id]).model_copy(
            update={"objection": latest.get(row.course_id)}
        )
        for row in rows
    ]


def _course(
    ctx: AccreditationContext,
    row: Any,
    course_editions: list[contracts.EditionDetails],
    history: list[contracts.CourseHistoryEntry],
) -> contracts.CourseDetails:
    status = CourseStatus(row.status)
    deadline = None
    if rules.open_objection_window(status, row.decided_on, row.latest_decision_objected):
        weeks = ctx.rules_on(row.decided_on).accreditation.objection_weeks
        deadline = rules.objection_deadline(row.decided_on, weeks)
    return contracts.CourseDetails(
        **published_fields(row),
        allows_partial_attendance=row.allows_partial_attendance,
        status=status.value,
        withdrawn_on=row.withdrawn_on,
        submitted_at=as_utc(row.submitted_at),
        objection_open=row.objection_open,
        objection_deadline=deadline,
        editions=course_editions,
        history=history,
    )


def published_fields(row: Any) -> dict[str, Any]:
    """What a course row shows wherever the course is shown (its details, the catalogue): content, provider, points
    and validity."""
    return {
        "course_id": row.course_id,
        "provider_id": row.provider_id,
        "provider_name": row.provider_name,
        "title": row.title,
        "description": row.description,
        "category": row.category,
        "study_load_hours": row.study_load_hours,
        "trainers": list(row.trainers),
        "target_group": row.target_group,
        "programme": row.programme,
        "points": row.points,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
    }


async def course_details(ctx: AccreditationContext, session: Session, course_id: uuid.UUID) -> contracts.CourseDetails:
    """One course (404 ``course_not_found``)."""
    found = await _details(ctx, session, await repository.course_with_provider_name(session, course_id))
    if not found:
        raise NotFound("course_not_found", f"There is no course {course_id}.")
    return found[0]


async def course_row(session: Session, course_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The course's row, locked if asked (404 ``course_not_found``)."""
    row = await repository.course(session, course_id, lock=lock)
    if row is None:
        raise NotFound("course_not_found", f"There is no course {course_id}.")
    return row


def _require_own(row: Any, provider_id: uuid.UUID) -> None:
    if row.provider_id != provider_id:
        raise Forbidden("not_your_course", "This course belongs to another provider.")


async def get_course(ctx: AccreditationContext, query: contracts.GetCourse) -> contracts.CourseDetails:
    async with ctx.unit_of_work() as uow:
        if query.provider_id is not None:
            _require_own(await course_row(uow.session, query.course_id), query.provider_id)
        return await course_details(ctx, uow.session, query.course_id)


async def list_provider_courses(
    ctx: AccreditationContext, query: contracts.ListProviderCourses
) -> contracts.CourseList:
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, query.provider_id)
        found = await _details(ctx, uow.session, await repository.courses_of_provider(uow.session, query.provider_id))
    return contracts.CourseList(courses=found)


async def list_for_review(ctx: AccreditationContext, _query: contracts.ListCoursesForReview) -> contracts.CourseList:
    """The committee's queue: new and revised submissions, and courses with an open objection; oldest first."""
    async with ctx.unit_of_work() as uow:
        found = await _details(ctx, uow.session, await repository.courses_for_review(uow.session))
    return contracts.CourseList(courses=found)


async def list_open_objections(
    ctx: AccreditationContext, _query: contracts.ListOpenCourseObjections
) -> contracts.CourseList:
    """Courses whose provider objected to the latest decision and the committee has not answered yet."""
    async with ctx.unit_of_work() as uow:
        found = await _details(ctx, uow.session, await repository.courses_with_open_objection(uow.session))
    return contracts.CourseList(courses=found)


# --- Provider commands -----------------------------------------------------------------------------------------


def _content(command: contracts.SubmitCourse | contracts.ReviseCourse) -> dict[str, Any]:
    """A submitted or revised course's checked content, as column values."""
    return {
        "title": required_text(command.title, "title", max_length=rules.MAX_TITLE),
        "description": required_text(command.description, "description", max_length=rules.MAX_LONG_TEXT),
        "category": command.category,
        "study_load_hours": rules.check_study_load_hours(command.study_load_hours),
        "trainers": rules.check_trainers(command.trainers),
        "target_group": bounded_text(command.target_group, "target_group", max_length=rules.MAX_LONG_TEXT),
        "programme": bounded_text(command.programme, "programme", max_length=rules.MAX_LONG_TEXT),
        "allows_partial_attendance": command.allows_partial_attendance,
    }


async def add_history(
    uow: UnitOfWork, course_id: uuid.UUID, step: str, by: str, reason: str, ctx: AccreditationContext, **extra: Any
) -> None:
    """Add a step to the course's history (no commit)."""
    await repository.insert_history(
        uow.session, course_id=course_id, step=step, at=ctx.now(), by=actor(by), reason=reason, **extra
    )


async def insert_edition(
    uow: UnitOfWork,
    ctx: AccreditationContext,
    course_id: uuid.UUID,
    edition: contracts.EditionInput,
    by: str,
    *,
    edition_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Insert a checked edition (no commit)."""
    rules.check_edition_dates(edition.start_date, edition.end_date)
    edition_id = edition_id or uuid.uuid4()
    await repository.insert_edition(
        uow.session,
        edition_id=edition_id,
        course_id=course_id,
        start_date=edition.start_date,
        end_date=edition.end_date,
        location=bounded_text(edition.location, "location", max_length=200),
        created_at=ctx.now(),
        created_by=actor(by),
    )
    return edition_id


async def insert_course(
    uow: UnitOfWork, ctx: AccreditationContext, command: contracts.SubmitCourse, *, course_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Insert a submitted course with its editions and first history step (no commit)."""
    if len(command.editions) > MAX_EDITIONS_PER_SUBMISSION:
        raise InvalidRequest("too_many_editions", f"At most {MAX_EDITIONS_PER_SUBMISSION} editions per submission.")
    content = _content(command)
    await require_provider(uow.session, command.provider_id)
    course_id = course_id or uuid.uuid4()
    await repository.insert_course(
        uow.session,
        course_id=course_id,
        provider_id=command.provider_id,
        status=CourseStatus.SUBMITTED.value,
        submitted_at=ctx.now(),
        submitted_on=ctx.today(),
        submitted_by=actor(command.submitted_by),
        latest_decision_objected=False,
        objection_open=False,
        **content,
    )
    for edition in command.editions:
        await insert_edition(uow, ctx, course_id, edition, command.submitted_by)
    await add_history(uow, course_id, "submitted", command.submitted_by, "", ctx)
    return course_id


async def submit_course(ctx: AccreditationContext, command: contracts.SubmitCourse) -> contracts.CourseDetails:
    async with ctx.unit_of_work() as uow:
        course_id = await insert_course(uow, ctx, command)
        await uow.commit()
        return await course_details(ctx, uow.session, course_id)


async def revise_course(ctx: AccreditationContext, command: contracts.ReviseCourse) -> contracts.CourseDetails:
    """The provider's answer to a request for changes: new content, back in the committee's queue."""
    content = _content(command)
    note = bounded_text(command.note, "note", max_length=rules.MAX_REASON)
    async with ctx.unit_of_work() as uow:
        row = await course_row(uow.session, command.course_id, lock=True)
        _require_own(row, command.provider_id)
        rules.check_revision_allowed(CourseStatus(row.status))
        await repository.update_course(
            uow.session, command.course_id, status=CourseStatus.SUBMITTED.value, objection_open=False, **content
        )
        await add_history(uow, command.course_id, "revised", command.revised_by, note, ctx)
        await uow.commit()
        return await course_details(ctx, uow.session, command.course_id)


async def add_edition(ctx: AccreditationContext, command: contracts.AddEdition) -> contracts.EditionDetails:
    async with ctx.unit_of_work() as uow:
        row = await course_row(uow.session, command.course_id)
        _require_own(row, command.provider_id)
        rules.check_edition_allowed(CourseStatus(row.status))
        edition_id = await insert_edition(
            uow,
            ctx,
            command.course_id,
            contracts.EditionInput(start_date=command.start_date, end_date=command.end_date, location=command.location),
            command.added_by,
        )
        await uow.commit()
        edition = await repository.edition(uow.session, edition_id)
    return _edition(edition)


# The history step of the decision an objection is against, by the course's status.
_DECISION_STEP = {
    CourseStatus.APPROVED: "approved",
    CourseStatus.CHANGES_REQUESTED: "changes_requested",
    CourseStatus.REJECTED: "rejected",
}


async def object_to_decision(
    ctx: AccreditationContext, command: contracts.ObjectToCourseDecision
) -> contracts.CourseDetails:
    """A provider's objection, within the scheme's window after the decision; puts the course in the queue."""
    reason = required_text(command.reason, "reason", max_length=rules.MAX_REASON)
    async with ctx.unit_of_work() as uow:
        row = await course_row(uow.session, command.course_id, lock=True)
        _require_own(row, command.provider_id)
        weeks = ctx.rules_on(row.decided_on or ctx.today()).accreditation.objection_weeks
        rules.check_objection_allowed(
            status=CourseStatus(row.status),
            objection_open=row.objection_open,
            latest_decision_objected=row.latest_decision_objected,
            decided_on=row.decided_on,
            today=ctx.today(),
            objection_weeks=weeks,
        )
        await repository.update_course(
            uow.session, command.course_id, objection_open=True, latest_decision_objected=True
        )
        await add_history(uow, command.course_id, "objected", command.objected_by, reason, ctx)
        await objection_flow.open_objection(
            uow,
            ctx,
            row,
            decision_step=_DECISION_STEP[CourseStatus(row.status)],
            filed_by=command.objected_by,
            reasons=reason,
        )
        await uow.commit()
        return await course_details(ctx, uow.session, command.course_id)
