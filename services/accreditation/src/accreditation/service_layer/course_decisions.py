"""The committee's decisions on courses: approval with points and validity, a request for changes, rejection,
dismissal of an objection, and withdrawal of an accreditation. Each is logged, announced to the provider's
webhooks, and (approval and withdrawal) published for the register."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from accreditation.adapters.repositories import courses as course_records
from accreditation.adapters.repositories import providers as provider_records
from accreditation.domain import courses as rules
from accreditation.domain.courses import CommitteeDecision, CourseStatus
from accreditation.domain.text import account_of, required_text
from accreditation.service_layer import courses, objection_flow, webhooks
from accreditation.service_layer.context import AccreditationContext
from lklr_shared import errors as refusals
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import InvalidRequest
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event, record_security_refusal


async def decide(uow: UnitOfWork, course_id: uuid.UUID, decision: CommitteeDecision, *, by: str) -> Any:
    """Lock the course, check the decision is allowed now and that ``by`` does not act for its provider, and
    return the locked row."""
    row = await courses.course_row(uow.session, course_id, lock=True)
    rules.check_decision_allowed(CourseStatus(row.status), row.objection_open, decision)
    account_id = account_of(by)
    decider_provider = (
        None if account_id is None else await provider_records.provider_of_account(uow.session, account_id)
    )
    try:
        rules.check_decider_independent(decider_provider, row.provider_id)
    except refusals.Forbidden as refusal:
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
    await course_records.update_course(
        uow.session,
        row.course_id,
        status=CourseStatus.APPROVED.value,
        points=points,
        valid_from=validity.valid_from,
        valid_until=validity.valid_until,
        decided_on=ctx.today(),
        latest_decision_objected=False,
        objection_open=False,
    )
    await courses.add_history(
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
    provider_name, contact_email = await provider_records.provider_contact(uow.session, row.provider_id)
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
        return await courses.course_details(ctx, uow.session, command.course_id)


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
    await course_records.update_course(uow.session, row.course_id, **values)
    await courses.add_history(uow, row.course_id, _STEP_OF[decision], by, reason, ctx)
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
        return await courses.course_details(ctx, uow.session, course_id)


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
        await course_records.update_course(
            uow.session,
            command.course_id,
            status=CourseStatus.WITHDRAWN.value,
            withdrawn_on=withdrawn_on,
            decided_on=ctx.today(),
            latest_decision_objected=False,
            objection_open=False,
        )
        await courses.add_history(uow, command.course_id, "withdrawn", command.decided_by, reason, ctx)
        provider_name, contact_email = await provider_records.provider_contact(uow.session, row.provider_id)
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
        return await courses.course_details(ctx, uow.session, command.course_id)
