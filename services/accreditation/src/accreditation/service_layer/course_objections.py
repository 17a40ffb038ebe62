"""The register office's steps on a provider's objection against a course decision, as for people's objections in
the registry: acknowledge receipt, invite to a hearing, extend the decision term once, decide with reasons. Every
step is checked by the shared rules, logged as a security event, and announced (the registry mails the provider).

Deciding "not upheld" dismisses the objection as the committee's dismissal does (the decision stands). "Upheld"
leaves the course in the committee's queue with its objection open: the committee, which judges courses, takes the
new decision.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from accreditation.adapters.repositories import courses as course_records
from accreditation.adapters.repositories import objections as repository
from accreditation.domain.courses import CommitteeDecision
from accreditation.service_layer import course_decisions, objection_flow
from accreditation.service_layer.context import REGISTER_TIME_ZONE, AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Conflict, NotFound, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event
from lklr_shared.objections import (
    ObjectionOutcome,
    ObjectionRefused,
    ObjectionState,
    check_acknowledge,
    check_decision,
    check_extension,
    check_hearing,
    check_reasons,
    decision_deadline,
)

# The shared rules' refusals by kind: a step the state no longer allows is a conflict; bad input is a rule refusal.
_CONFLICTS = frozenset({"already_acknowledged", "objection_decided", "already_extended"})


def _refused(exc: ObjectionRefused) -> Conflict | RuleViolation:
    return (Conflict if exc.code in _CONFLICTS else RuleViolation)(exc.code, str(exc))


async def list_course_objections(
    ctx: AccreditationContext, query: contracts.ListCourseObjections
) -> contracts.CourseObjections:
    """The office's queue of providers' objections: open ones by decision deadline, then decided ones."""
    async with ctx.unit_of_work() as uow:
        rows = await repository.queue(uow.session, include_decided=query.include_decided, limit=query.limit + 1)
    return contracts.CourseObjections(
        objections=[objection_flow.view(row) for row in rows[: query.limit]], truncated=len(rows) > query.limit
    )


async def _locked(uow: UnitOfWork, objection_id: uuid.UUID) -> Any:
    if not await repository.lock(uow.session, objection_id):
        raise NotFound("objection_not_found", "No such objection.")
    return await repository.objection(uow.session, objection_id)


async def _step(
    ctx: AccreditationContext,
    uow: UnitOfWork,
    row: Any,
    by: str,
    action: str,
    step: contracts.CourseObjectionStep,
    values: dict[str, Any],
) -> contracts.CourseObjectionUpdated:
    await repository.update(uow.session, row.objection_id, updated_at=ctx.now(), **values)
    updated = await repository.objection(uow.session, row.objection_id)
    await objection_flow.announce(uow, updated, step)
    await record_security_event(
        uow.session, actor=by, action=f"course_objection.{action}", object=f"course_objection:{row.objection_id}"
    )
    await uow.commit()
    return contracts.CourseObjectionUpdated(objection=objection_flow.view(updated))


async def acknowledge(
    ctx: AccreditationContext, command: contracts.AcknowledgeCourseObjection
) -> contracts.CourseObjectionUpdated:
    """The office acknowledges receipt; the provider is mailed with the decision deadline."""
    async with ctx.unit_of_work() as uow:
        row = await _locked(uow, command.objection_id)
        try:
            check_acknowledge(ObjectionState(row.state))
        except ObjectionRefused as exc:
            raise _refused(exc) from exc
        values = {"state": ObjectionState.ACKNOWLEDGED.value, "acknowledged_on": ctx.today()}
        return await _step(ctx, uow, row, command.decided_by, "acknowledge", "acknowledged", values)


async def invite_to_hearing(
    ctx: AccreditationContext, command: contracts.InviteToCourseObjectionHearing
) -> contracts.CourseObjectionUpdated:
    """The office invites the provider to a hearing (a new invitation replaces the previous one); mailed."""
    place = command.place.strip()
    hearing_at: datetime = command.hearing_at
    if hearing_at.tzinfo is None:
        # A time without a zone is the register's local time (what the office typed).
        hearing_at = hearing_at.replace(tzinfo=REGISTER_TIME_ZONE)
    async with ctx.unit_of_work() as uow:
        row = await _locked(uow, command.objection_id)
        try:
            check_hearing(
                ObjectionState(row.state),
                hearing_at.astimezone(REGISTER_TIME_ZONE).date(),
                ctx.today(),
                row.decision_due_on,
            )
            if not place:
                raise ObjectionRefused("place_required", "Say where the hearing is held (an address or a video link).")
        except ObjectionRefused as exc:
            raise _refused(exc) from exc
        values: dict[str, Any] = {
            "state": ObjectionState.HEARING_SCHEDULED.value,
            "hearing_at": hearing_at,
            "hearing_place": place,
        }
        if row.acknowledged_on is None:
            values["acknowledged_on"] = ctx.today()
        return await _step(ctx, uow, row, command.decided_by, "invite_to_hearing", "hearing", values)


async def extend_term(
    ctx: AccreditationContext, command: contracts.ExtendCourseObjectionTerm
) -> contracts.CourseObjectionUpdated:
    """The office extends the decision term once, with the reason; mailed."""
    async with ctx.unit_of_work() as uow:
        row = await _locked(uow, command.objection_id)
        try:
            check_extension(ObjectionState(row.state), extended=row.extended)
            reason = check_reasons(command.reason, minimum=3, maximum=2000)
        except ObjectionRefused as exc:
            raise _refused(exc) from exc
        # Counted from the original deadline with the weeks the objection was given, not today's configuration.
        given = objection_flow.terms(ctx, row.decided_on)
        decision_weeks = max((row.original_decision_due_on - row.filed_on).days // 7, 1)
        due = decision_deadline(
            row.filed_on,
            type(given)(
                filing_weeks=given.filing_weeks,
                decision_weeks=decision_weeks,
                extension_weeks=given.extension_weeks,
            ),
            extended=True,
        )
        values = {"extended": True, "extension_reason": reason, "decision_due_on": due}
        return await _step(ctx, uow, row, command.decided_by, "extend_term", "extended", values)


async def _still_open_for_the_committee(uow: UnitOfWork, course_id: uuid.UUID) -> bool:
    """Whether the course still waits for the committee's answer (a withdrawal since has closed it: nothing is left
    to dismiss, and the office's decision is recorded all the same)."""
    return await course_records.objection_open(uow.session, course_id)


async def decide(
    ctx: AccreditationContext, command: contracts.DecideCourseObjection
) -> contracts.CourseObjectionUpdated:
    """The office decides with reasons; mailed. Not upheld dismisses the objection (the course decision stands);
    upheld leaves it open for the committee's new decision."""
    outcome = ObjectionOutcome(command.outcome)
    async with ctx.unit_of_work() as uow:
        row = await _locked(uow, command.objection_id)
        try:
            check_decision(ObjectionState(row.state))
            reasons = check_reasons(command.reasons)
        except ObjectionRefused as exc:
            raise _refused(exc) from exc
        values = {
            "state": ObjectionState.DECIDED.value,
            "outcome": outcome.value,
            "decision_reasons": reasons,
            "objection_decided_on": ctx.today(),
            "decided_by": command.decided_by,
        }
        if outcome is ObjectionOutcome.NOT_UPHELD:
            # Decided first, so the dismissal below finds no open objection left to decide for the committee.
            await repository.update(uow.session, row.objection_id, updated_at=ctx.now(), **values)
            if await _still_open_for_the_committee(uow, row.course_id):
                course = await course_decisions.decide(
                    uow, row.course_id, CommitteeDecision.DISMISS_OBJECTION, by=command.decided_by
                )
                await course_decisions.apply_simple_decision(
                    uow, ctx, course, CommitteeDecision.DISMISS_OBJECTION, by=command.decided_by, reason=reasons
                )
        return await _step(ctx, uow, row, command.decided_by, "decide", "decided", values)


async def statistics(
    ctx: AccreditationContext, _query: contracts.GetCourseObjectionStatistics
) -> contracts.CourseObjectionStatistics:
    """Providers' objections per year of filing and their outcomes: counts only."""
    async with ctx.unit_of_work() as uow:
        rows = await repository.statistics(uow.session)
    return contracts.CourseObjectionStatistics(
        years=[
            contracts.CourseObjectionYear(
                year=int(row.year), filed=row.filed, upheld=row.upheld, not_upheld=row.not_upheld, open=row.open
            )
            for row in rows
        ]
    )
