"""A provider's objection against a course decision in the register's one objection flow: the row that carries its
clock (received, acknowledged, hearing, one extension, decided) and the event that has the registry mail the
provider at every step.

Accreditation owns course decisions, so it owns the objections against them too; the deadlines and the checks of
each step are the shared rules (``lklr_shared.objections``), the same the registry applies to people's objections.
``courses.objection_open`` stays what puts the course in the committee's queue: the committee still answers an
objection with a new decision or a dismissal, and that answer decides the flow's objection when the office has not
decided it first.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from accreditation.adapters.repositories import objections as repository
from accreditation.adapters.repositories.dialect import as_utc
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.objections import (
    ObjectionOutcome,
    ObjectionState,
    ObjectionTerms,
    decision_deadline,
    filing_deadline,
    step_fields,
)


def terms(ctx: AccreditationContext, decided_on: date) -> ObjectionTerms:
    """The terms for an objection against a course decision of ``decided_on``: the scheme's filing window for
    course decisions, the decision weeks and the one extension from configuration."""
    return ObjectionTerms(
        filing_weeks=ctx.rules_on(decided_on).accreditation.objection_weeks,
        decision_weeks=ctx.objection_decision_weeks,
        extension_weeks=ctx.objection_extension_weeks,
    )


async def open_objection(
    uow: UnitOfWork, ctx: AccreditationContext, course: Any, *, decision_step: str, filed_by: str, reasons: str
) -> None:
    """Start the flow for an objection the rules allowed against the (locked) course's latest decision; the
    provider is told of receipt with the decision deadline. The caller commits."""
    today = ctx.today()
    objection_terms = terms(ctx, course.decided_on)
    due = decision_deadline(today, objection_terms, extended=False)
    objection_id = uuid.uuid4()
    await repository.insert(
        uow.session,
        objection_id=objection_id,
        course_id=course.course_id,
        provider_id=course.provider_id,
        decision_step=decision_step,
        decided_on=course.decided_on,
        filed_on=today,
        filing_deadline=filing_deadline(course.decided_on, objection_terms),
        filed_by=filed_by,
        reasons=reasons,
        state=ObjectionState.RECEIVED.value,
        original_decision_due_on=due,
        decision_due_on=due,
        extended=False,
        updated_at=ctx.now(),
    )
    await announce(uow, await repository.objection(uow.session, objection_id), "received")


async def decide_by_committee(
    uow: UnitOfWork, ctx: AccreditationContext, course_id: uuid.UUID, *, upheld: bool, reasons: str, by: str
) -> None:
    """The committee answered an open objection (a new decision upholds it, a dismissal does not): the flow's
    objection is decided with the committee's reasons, unless the office decided it already. No commit."""
    objection_id = await repository.open_objection_of_course(uow.session, course_id)
    if objection_id is None:
        return
    outcome = ObjectionOutcome.UPHELD if upheld else ObjectionOutcome.NOT_UPHELD
    await repository.update(
        uow.session,
        objection_id,
        state=ObjectionState.DECIDED.value,
        outcome=outcome.value,
        decision_reasons=reasons,
        objection_decided_on=ctx.today(),
        decided_by=by,
        updated_at=ctx.now(),
    )
    await announce(uow, await repository.objection(uow.session, objection_id), "decided")


def view(row: Any) -> contracts.CourseObjectionView:
    """The objection as the office's queue shows it."""
    return contracts.CourseObjectionView(
        objection_id=row.objection_id,
        course_id=row.course_id,
        course_title=row.course_title,
        provider_id=row.provider_id,
        provider_name=row.provider_name,
        decision_step=row.decision_step,
        decided_on=row.decided_on,
        filed_on=row.filed_on,
        filing_deadline=row.filing_deadline,
        reasons=row.reasons,
        state=row.state,
        acknowledged_on=row.acknowledged_on,
        hearing_at=as_utc(row.hearing_at) if row.hearing_at is not None else None,
        hearing_place=row.hearing_place,
        **step_fields(row),
    )


async def announce(uow: UnitOfWork, row: Any, step: contracts.CourseObjectionStep) -> None:
    """Publish the step (in the transaction of the change): the registry mails the provider."""
    uow.emit(
        contracts.CourseObjectionStepped(
            objection_id=row.objection_id,
            course_id=row.course_id,
            provider_id=row.provider_id,
            title=row.course_title,
            provider_name=row.provider_name,
            provider_contact_email=row.provider_contact_email,
            step=step,
            decided_on=row.decided_on,
            decision_due_on=row.decision_due_on,
            hearing_at=as_utc(row.hearing_at) if row.hearing_at is not None else None,
            hearing_place=row.hearing_place,
            reasons=row.decision_reasons if step == "decided" else row.extension_reason if step == "extended" else None,
            outcome=row.outcome,
        )
    )
