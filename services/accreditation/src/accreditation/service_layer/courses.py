"""Courses: submission and revision by providers, editions, the committee's decisions, objections, withdrawal,
and the public catalogue."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    course_history,
    course_objections,
    courses,
    editions,
    provider_accounts,
    providers,
)
from accreditation.adapters.sql import as_utc, for_update
from accreditation.domain import courses as rules
from accreditation.domain.courses import CommitteeDecision, CourseStatus
from accreditation.domain.errors import Forbidden, InvalidRequest, NotFound
from accreditation.domain.text import account_of, actor, bounded_text, required_text
from accreditation.service_layer import objection_flow, webhooks
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.providers import require_provider
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event, record_security_refusal

MAX_EDITIONS_PER_SUBMISSION = 100
MAX_CATALOGUE_PAGE = 200


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


async def _editions_of(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[contracts.EditionDetails]]:
    found: dict[uuid.UUID, list[contracts.EditionDetails]] = defaultdict(list)
    if course_ids:
        rows = await session.execute(
            sa.select(editions)
            .where(editions.c.course_id.in_(course_ids))
            .order_by(editions.c.start_date, editions.c.end_date, editions.c.edition_id)
        )
        for row in rows:
            found[row.course_id].append(_edition(row))
    return found


async def load_courses(
    ctx: AccreditationContext, session: AsyncSession, where: sa.ColumnElement[bool], *order_by: Any
) -> list[contracts.CourseDetails]:
    """Courses matching ``where`` with their editions and history, three queries in all."""
    rows = (
        await session.execute(
            sa.select(courses, providers.c.name.label("provider_name"))
            .join(providers, providers.c.provider_id == courses.c.provider_id)
            .where(where)
            .order_by(*order_by, courses.c.course_id)
        )
    ).all()
    ids = [row.course_id for row in rows]
    course_editions = await _editions_of(session, ids)
    history: dict[uuid.UUID, list[contracts.CourseHistoryEntry]] = defaultdict(list)
    if ids:
        for entry in await session.execute(
            sa.select(course_history).where(course_history.c.course_id.in_(ids)).order_by(course_history.c.entry_id)
        ):
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
        found = await session.execute(
            objection_flow.select()
            .where(course_objections.c.course_id.in_(ids))
            .order_by(course_objections.c.filed_on, course_objections.c.updated_at)
        )
        for objection in found:
            latest[objection.course_id] = objection_flow.view(objection)  # the later filed one wins
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
    if (
        status in (CourseStatus.APPROVED, CourseStatus.CHANGES_REQUESTED, CourseStatus.REJECTED)
        and row.decided_on is not None
        and not row.latest_decision_objected
    ):
        weeks = ctx.rules_on(row.decided_on).accreditation.objection_weeks
        deadline = rules.objection_deadline(row.decided_on, weeks)
    return contracts.CourseDetails(
        course_id=row.course_id,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        title=row.title,
        description=row.description,
        category=row.category,
        study_load_hours=row.study_load_hours,
        trainers=list(row.trainers),
        target_group=row.target_group,
        programme=row.programme,
        allows_partial_attendance=row.allows_partial_attendance,
        status=status.value,
        points=row.points,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        withdrawn_on=row.withdrawn_on,
        submitted_at=as_utc(row.submitted_at),
        objection_open=row.objection_open,
        objection_deadline=deadline,
        editions=course_editions,
        history=history,
    )


async def course_details(
    ctx: AccreditationContext, session: AsyncSession, course_id: uuid.UUID
) -> contracts.CourseDetails:
    """One course (404 ``course_not_found``)."""
    found = await load_courses(ctx, session, courses.c.course_id == course_id)
    if not found:
        raise NotFound("course_not_found", f"There is no course {course_id}.")
    return found[0]


async def _course_row(session: AsyncSession, course_id: uuid.UUID, *, lock: bool = False) -> Any:
    query = sa.select(courses).where(courses.c.course_id == course_id)
    row = (await session.execute(for_update(query, session) if lock else query)).first()
    if row is None:
        raise NotFound("course_not_found", f"There is no course {course_id}.")
    return row


def _require_own(row: Any, provider_id: uuid.UUID) -> None:
    if row.provider_id != provider_id:
        raise Forbidden("not_your_course", "This course belongs to another provider.")


async def get_course(ctx: AccreditationContext, query: contracts.GetCourse) -> contracts.CourseDetails:
    async with ctx.unit_of_work() as uow:
        if query.provider_id is not None:
            _require_own(await _course_row(uow.session, query.course_id), query.provider_id)
        return await course_details(ctx, uow.session, query.course_id)


async def list_provider_courses(
    ctx: AccreditationContext, query: contracts.ListProviderCourses
) -> contracts.CourseList:
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, query.provider_id)
        found = await load_courses(
            ctx, uow.session, courses.c.provider_id == query.provider_id, courses.c.submitted_at.desc()
        )
    return contracts.CourseList(courses=found)


async def list_for_review(ctx: AccreditationContext, _query: contracts.ListCoursesForReview) -> contracts.CourseList:
    """The committee's queue: new and revised submissions, and courses with an open objection; oldest first."""
    async with ctx.unit_of_work() as uow:
        found = await load_courses(
            ctx,
            uow.session,
            sa.or_(courses.c.status == CourseStatus.SUBMITTED.value, courses.c.objection_open.is_(True)),
            courses.c.submitted_at,
        )
    return contracts.CourseList(courses=found)


async def list_open_objections(
    ctx: AccreditationContext, _query: contracts.ListOpenCourseObjections
) -> contracts.CourseList:
    """Courses whose provider objected to the latest decision and the committee has not answered yet."""
    async with ctx.unit_of_work() as uow:
        found = await load_courses(ctx, uow.session, courses.c.objection_open.is_(True), courses.c.submitted_at)
    return contracts.CourseList(courses=found)


# --- Provider commands -----------------------------------------------------------------------------------------


def _content(
    *,
    title: str,
    description: str,
    category: str,
    study_load_hours: Decimal,
    trainers: list[str],
    target_group: str,
    programme: str,
    allows_partial_attendance: bool,
) -> dict[str, Any]:
    """A course's checked content, as column values."""
    return {
        "title": required_text(title, "title", max_length=rules.MAX_TITLE),
        "description": required_text(description, "description", max_length=rules.MAX_LONG_TEXT),
        "category": category,
        "study_load_hours": rules.check_study_load_hours(study_load_hours),
        "trainers": rules.check_trainers(trainers),
        "target_group": bounded_text(target_group, "target_group", max_length=rules.MAX_LONG_TEXT),
        "programme": bounded_text(programme, "programme", max_length=rules.MAX_LONG_TEXT),
        "allows_partial_attendance": allows_partial_attendance,
    }


async def _history(
    uow: UnitOfWork, course_id: uuid.UUID, step: str, by: str, reason: str, ctx: AccreditationContext, **extra: Any
) -> None:
    await uow.session.execute(
        sa.insert(course_history).values(
            course_id=course_id, step=step, at=ctx.now(), by=actor(by), reason=reason, **extra
        )
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
    await uow.session.execute(
        sa.insert(editions).values(
            edition_id=edition_id,
            course_id=course_id,
            start_date=edition.start_date,
            end_date=edition.end_date,
            location=bounded_text(edition.location, "location", max_length=200),
            created_at=ctx.now(),
            created_by=actor(by),
        )
    )
    return edition_id


async def insert_course(
    uow: UnitOfWork, ctx: AccreditationContext, command: contracts.SubmitCourse, *, course_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Insert a submitted course with its editions and first history step (no commit)."""
    if len(command.editions) > MAX_EDITIONS_PER_SUBMISSION:
        raise InvalidRequest("too_many_editions", f"At most {MAX_EDITIONS_PER_SUBMISSION} editions per submission.")
    content = _content(
        title=command.title,
        description=command.description,
        category=command.category,
        study_load_hours=command.study_load_hours,
        trainers=command.trainers,
        target_group=command.target_group,
        programme=command.programme,
        allows_partial_attendance=command.allows_partial_attendance,
    )
    await require_provider(uow.session, command.provider_id)
    course_id = course_id or uuid.uuid4()
    await uow.session.execute(
        sa.insert(courses).values(
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
    )
    for edition in command.editions:
        await insert_edition(uow, ctx, course_id, edition, command.submitted_by)
    await _history(uow, course_id, "submitted", command.submitted_by, "", ctx)
    return course_id


async def submit_course(ctx: AccreditationContext, command: contracts.SubmitCourse) -> contracts.CourseDetails:
    async with ctx.unit_of_work() as uow:
        course_id = await insert_course(uow, ctx, command)
        await uow.commit()
        return await course_details(ctx, uow.session, course_id)


async def revise_course(ctx: AccreditationContext, command: contracts.ReviseCourse) -> contracts.CourseDetails:
    """The provider's answer to a request for changes: new content, back in the committee's queue."""
    content = _content(
        title=command.title,
        description=command.description,
        category=command.category,
        study_load_hours=command.study_load_hours,
        trainers=command.trainers,
        target_group=command.target_group,
        programme=command.programme,
        allows_partial_attendance=command.allows_partial_attendance,
    )
    note = bounded_text(command.note, "note", max_length=rules.MAX_REASON)
    async with ctx.unit_of_work() as uow:
        row = await _course_row(uow.session, command.course_id, lock=True)
        _require_own(row, command.provider_id)
        rules.check_revision_allowed(CourseStatus(row.status))
        await uow.session.execute(
            sa.update(courses)
            .where(courses.c.course_id == command.course_id)
            .values(status=CourseStatus.SUBMITTED.value, objection_open=False, **content)
        )
        await _history(uow, command.course_id, "revised", command.revised_by, note, ctx)
        await uow.commit()
        return await course_details(ctx, uow.session, command.course_id)


async def add_edition(ctx: AccreditationContext, command: contracts.AddEdition) -> contracts.EditionDetails:
    async with ctx.unit_of_work() as uow:
        row = await _course_row(uow.session, command.course_id)
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
        edition = (await uow.session.execute(sa.select(editions).where(editions.c.edition_id == edition_id))).one()
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
        row = await _course_row(uow.session, command.course_id, lock=True)
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
        await uow.session.execute(
            sa.update(courses)
            .where(courses.c.course_id == command.course_id)
            .values(objection_open=True, latest_decision_objected=True)
        )
        await _history(uow, command.course_id, "objected", command.objected_by, reason, ctx)
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


# --- Committee decisions ---------------------------------------------------------------------------------------


async def decide(uow: UnitOfWork, course_id: uuid.UUID, decision: CommitteeDecision, *, by: str) -> Any:
    """Lock the course, check the decision is allowed now and that ``by`` does not act for its provider, and
    return the locked row."""
    row = await _course_row(uow.session, course_id, lock=True)
    rules.check_decision_allowed(CourseStatus(row.status), row.objection_open, decision)
    account_id = account_of(by)
    decider_provider = (
        None
        if account_id is None
        else (
            await uow.session.execute(
                sa.select(provider_accounts.c.provider_id).where(provider_accounts.c.account_id == account_id)
            )
        ).scalar_one_or_none()
    )
    try:
        rules.check_decider_independent(decider_provider, row.provider_id)
    except Forbidden as refusal:
        await record_security_refusal(
            uow.session_factory,
            actor=by,
            action=f"course.{decision.value}",
            object=f"course:{course_id}",
            detail={"reason": refusal.code},
        )
        raise
    return row


async def _log_decision(uow: UnitOfWork, decision: CommitteeDecision, course_id: uuid.UUID, by: str) -> None:
    await record_security_event(uow.session, actor=by, action=f"course.{decision.value}", object=f"course:{course_id}")


async def apply_approval(
    uow: UnitOfWork,
    ctx: AccreditationContext,
    row: Any,
    *,
    points: Decimal,
    validity: rules.Validity,
    by: str,
    reason: str,
) -> None:
    """Write an approval of the (locked) course ``row`` and emit CourseAccredited; the caller commits."""
    await uow.session.execute(
        sa.update(courses)
        .where(courses.c.course_id == row.course_id)
        .values(
            status=CourseStatus.APPROVED.value,
            points=points,
            valid_from=validity.valid_from,
            valid_until=validity.valid_until,
            decided_on=ctx.today(),
            latest_decision_objected=False,
            objection_open=False,
        )
    )
    await _history(
        uow,
        row.course_id,
        "approved",
        by,
        reason,
        ctx,
        points=points,
        valid_from=validity.valid_from,
        valid_until=validity.valid_until,
    )
    if row.objection_open:
        # A new decision on an objection upholds it.
        await objection_flow.decide_by_committee(uow, ctx, row.course_id, upheld=True, reasons=reason, by=by)
    provider_name, contact_email = await _provider_contact(uow.session, row.provider_id)
    uow.emit(
        contracts.CourseAccredited(
            course_id=row.course_id,
            provider_id=row.provider_id,
            title=row.title,
            category=row.category,
            study_load_hours=row.study_load_hours,
            points=points,
            valid_from=validity.valid_from,
            valid_until=validity.valid_until,
            provider_name=provider_name,
            provider_contact_email=contact_email,
            reason=reason,
        )
    )
    await webhooks.course_decided(uow.session, row.course_id, "approved", reason, decided_on=ctx.today())


async def _provider_contact(session: AsyncSession, provider_id: uuid.UUID) -> tuple[str, str | None]:
    """The provider's name and contact address, carried on decision events so the registry can mail them."""
    row = (
        await session.execute(
            sa.select(providers.c.name, providers.c.contact_email).where(providers.c.provider_id == provider_id)
        )
    ).first()
    return (row.name, row.contact_email) if row is not None else ("", None)


async def approve_course(ctx: AccreditationContext, command: contracts.ApproveCourse) -> contracts.CourseDetails:
    """Approve with points and a validity period; publishes CourseAccredited (also on a re-approval)."""
    reason = required_text(command.reason, "reason", max_length=rules.MAX_REASON)
    points = rules.check_points(command.points)
    async with ctx.unit_of_work() as uow:
        row = await decide(uow, command.course_id, CommitteeDecision.APPROVE, by=command.decided_by)
        scheme = ctx.rules_on(ctx.today())
        suggested = scheme.category(row.category).points_for_study_load(row.study_load_hours)
        deviation = rules.check_points_deviation(points, suggested, command.points_deviation_reason)
        if deviation is not None:
            # The history keeps one reason per step: the deviation is part of why these points were given.
            reason = f"{reason}\n{deviation}"
        validity = rules.decide_validity(
            submitted_on=row.submitted_on,
            validity_years=ctx.rules_on(ctx.today()).accreditation.validity_years,
            valid_from=command.valid_from,
            valid_until=command.valid_until,
        )
        await apply_approval(uow, ctx, row, points=points, validity=validity, by=command.decided_by, reason=reason)
        await _log_decision(uow, CommitteeDecision.APPROVE, command.course_id, command.decided_by)
        await uow.commit()
        return await course_details(ctx, uow.session, command.course_id)


_STEP_OF = {
    CommitteeDecision.REQUEST_CHANGES: "changes_requested",
    CommitteeDecision.REJECT: "rejected",
    CommitteeDecision.DISMISS_OBJECTION: "objection_dismissed",
}


async def apply_simple_decision(
    uow: UnitOfWork, ctx: AccreditationContext, row: Any, decision: CommitteeDecision, *, by: str, reason: str
) -> None:
    """Write a request for changes, a rejection or a dismissal for the (locked) course ``row``; no commit."""
    values: dict[str, Any] = {"objection_open": False}
    if decision is not CommitteeDecision.DISMISS_OBJECTION:
        # A new decision: the provider may object to it in turn. A dismissal keeps the old decision (and its
        # deadline, already used by the objection just dismissed).
        values |= {
            "status": rules.status_after(CourseStatus(row.status), decision).value,
            "decided_on": ctx.today(),
            "latest_decision_objected": False,
        }
    await uow.session.execute(sa.update(courses).where(courses.c.course_id == row.course_id).values(**values))
    await _history(uow, row.course_id, _STEP_OF[decision], by, reason, ctx)
    if row.objection_open:
        # The committee's answer to an objection: a new decision upholds it, a dismissal does not.
        upheld = decision is not CommitteeDecision.DISMISS_OBJECTION
        await objection_flow.decide_by_committee(uow, ctx, row.course_id, upheld=upheld, reasons=reason, by=by)
    await webhooks.course_decided(uow.session, row.course_id, _STEP_OF[decision], reason, decided_on=ctx.today())


async def _simple_decision(
    ctx: AccreditationContext, course_id: uuid.UUID, decision: CommitteeDecision, by: str, reason_text: str
) -> contracts.CourseDetails:
    reason = required_text(reason_text, "reason", max_length=rules.MAX_REASON)
    async with ctx.unit_of_work() as uow:
        row = await decide(uow, course_id, decision, by=by)
        await apply_simple_decision(uow, ctx, row, decision, by=by, reason=reason)
        await _log_decision(uow, decision, course_id, by)
        await uow.commit()
        return await course_details(ctx, uow.session, course_id)


async def request_changes(
    ctx: AccreditationContext, command: contracts.RequestCourseChanges
) -> contracts.CourseDetails:
    return await _simple_decision(
        ctx, command.course_id, CommitteeDecision.REQUEST_CHANGES, command.decided_by, command.reason
    )


async def reject_course(ctx: AccreditationContext, command: contracts.RejectCourse) -> contracts.CourseDetails:
    return await _simple_decision(ctx, command.course_id, CommitteeDecision.REJECT, command.decided_by, command.reason)


async def dismiss_objection(
    ctx: AccreditationContext, command: contracts.DismissCourseObjection
) -> contracts.CourseDetails:
    return await _simple_decision(
        ctx, command.course_id, CommitteeDecision.DISMISS_OBJECTION, command.decided_by, command.reason
    )


async def withdraw_accreditation(
    ctx: AccreditationContext, command: contracts.WithdrawAccreditation
) -> contracts.CourseDetails:
    """End an accreditation from a day on; publishes AccreditationWithdrawn. Recorded attendance is untouched."""
    reason = required_text(command.reason, "reason", max_length=rules.MAX_REASON)
    withdrawn_on = command.withdrawn_on or ctx.today()
    async with ctx.unit_of_work() as uow:
        row = await decide(uow, command.course_id, CommitteeDecision.WITHDRAW, by=command.decided_by)
        if row.valid_from is not None and withdrawn_on < row.valid_from:
            raise InvalidRequest(
                "invalid_withdrawal_date", "An accreditation cannot be withdrawn from before the day it became valid."
            )
        await uow.session.execute(
            sa.update(courses)
            .where(courses.c.course_id == command.course_id)
            .values(
                status=CourseStatus.WITHDRAWN.value,
                withdrawn_on=withdrawn_on,
                decided_on=ctx.today(),
                latest_decision_objected=False,
                objection_open=False,
            )
        )
        await _history(uow, command.course_id, "withdrawn", command.decided_by, reason, ctx)
        provider_name, contact_email = await _provider_contact(uow.session, row.provider_id)
        uow.emit(
            contracts.AccreditationWithdrawn(
                course_id=command.course_id,
                withdrawn_on=withdrawn_on,
                reason=reason,
                provider_id=row.provider_id,
                title=row.title,
                provider_name=provider_name,
                provider_contact_email=contact_email,
            )
        )
        await webhooks.course_decided(uow.session, command.course_id, "withdrawn", reason, decided_on=ctx.today())
        await _log_decision(uow, CommitteeDecision.WITHDRAW, command.course_id, command.decided_by)
        await uow.commit()
        return await course_details(ctx, uow.session, command.course_id)


# --- The public catalogue --------------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    # The search text is data, not a pattern: escape LIKE's wildcards.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_catalogue(ctx: AccreditationContext, query: contracts.SearchCatalogue) -> contracts.Catalogue:
    """Approved courses valid today (the same rule as ``domain.courses.is_in_catalogue``, as SQL)."""
    if not 1 <= query.limit <= MAX_CATALOGUE_PAGE or query.offset < 0:
        raise InvalidRequest("invalid_paging", f"limit must be 1-{MAX_CATALOGUE_PAGE} and offset at least 0.")
    q = bounded_text(query.q, "q", max_length=200)
    today = ctx.today()
    conditions: list[sa.ColumnElement[bool]] = [
        courses.c.status == CourseStatus.APPROVED.value,
        courses.c.valid_from <= today,
        courses.c.valid_until >= today,
        sa.or_(courses.c.withdrawn_on.is_(None), courses.c.withdrawn_on > today),
    ]
    if query.category is not None:
        conditions.append(courses.c.category == query.category)
    if q:
        pattern = _like_pattern(q)
        conditions.append(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (courses.c.title, courses.c.description, courses.c.target_group, providers.c.name)
                )
            )
        )
    base = sa.select(courses, providers.c.name.label("provider_name")).join(
        providers, providers.c.provider_id == courses.c.provider_id
    )
    async with ctx.unit_of_work() as uow:
        total = (
            await uow.session.execute(sa.select(sa.func.count()).select_from(base.where(*conditions).subquery()))
        ).scalar_one()
        rows = (
            await uow.session.execute(
                base.where(*conditions)
                .order_by(sa.func.lower(courses.c.title), courses.c.course_id)
                .limit(query.limit)
                .offset(query.offset)
            )
        ).all()
        course_editions = await _editions_of(uow.session, [row.course_id for row in rows])
    return contracts.Catalogue(
        total=int(total),
        courses=[
            contracts.CatalogueEntry(
                course_id=row.course_id,
                provider_id=row.provider_id,
                provider_name=row.provider_name,
                title=row.title,
                description=row.description,
                category=row.category,
                study_load_hours=row.study_load_hours,
                points=row.points,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                target_group=row.target_group,
                trainers=list(row.trainers),
                programme=row.programme,
                editions=course_editions[row.course_id],
            )
            for row in rows
        ],
    )
