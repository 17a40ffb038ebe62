"""Objection (bezwaar) against the register's decisions about a person: filing, the office's steps, the decision.

The decisions a person can object to are read from where the registry keeps them: rejected applications,
re-registration applications refused or not granted, suspensions and strikings-off in the status history, and
refused requests to extend a cycle. A
person only ever sees and objects to their own (someone else's decision is "not found", like one that does not
exist). Deadlines are the domain's (``domain/objections.py``); the terms are stored with the objection when it is
filed, so a later change of configuration does not move a running objection's deadlines.

While an objection against a refused re-registration is open, the expiry job leaves the registration in force
(``holds_registration``), and one the refusal lapsed at once (decided after the cycle end) is put back until the
objection is decided; not upheld, it lapses as it would have; upheld, re-registration is granted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.errors import RpcError
from registry.adapters.orm import cycle_extension_refusals, objections, people, registration_applications, registrations
from registry.adapters.orm import reregistrations as dossiers
from registry.adapters.orm import status_history as history
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.repositories.security_log import record_action
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import AccountRole
from registry.domain.objections import (
    HOLDS_REGISTRATION,
    OPEN_STATES,
    DecisionKind,
    ObjectionOutcome,
    ObjectionRefused,
    ObjectionState,
    ObjectionTerms,
    check_acknowledge,
    check_decision,
    check_extension,
    check_hearing,
    check_reasons,
    check_timely,
    decision_deadline,
    filing_deadline,
)
from registry.domain.reregistration import ApplicationState, RefusalReason, lapse_date, lapses
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications, reregistrations
from registry.service_layer.actors import Actor, load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import conflict, not_found, unprocessable
from registry.service_layer.mailing import mail_contact, mail_office
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

_OPEN = [state.value for state in OPEN_STATES]
# The status history's reason when an objection puts a lapsed registration back in force until it is decided.
KEPT_WHILE_OBJECTING = "objection against the refused re-registration: registered until it is decided"
# Refusals of a re-registration application the person can act on (the others are data anomalies).
_OBJECTABLE_REFUSALS = (RefusalReason.LATE.value, RefusalReason.NORM_NOT_MET.value)
_KIND_WORDS: dict[str, dict[DecisionKind, str]] = {
    "nl": {
        DecisionKind.REGISTRATION_REFUSED: "de afwijzing van uw registratieaanvraag",
        DecisionKind.REREGISTRATION_REFUSED: "de weigering van uw herregistratieaanvraag",
        DecisionKind.AUDIT_NOT_MET: "het niet toekennen van uw herregistratie (steekproef: niet voldaan)",
        DecisionKind.SUSPENDED: "de schorsing van uw registratie",
        DecisionKind.STRUCK_OFF: "de doorhaling van uw registratie",
        DecisionKind.EXTENSION_REFUSED: "de afwijzing van uw verzoek om verlenging van de registratieperiode",
    },
    "en": {
        DecisionKind.REGISTRATION_REFUSED: "the rejection of your application for registration",
        DecisionKind.REREGISTRATION_REFUSED: "the refusal of your re-registration application",
        DecisionKind.AUDIT_NOT_MET: "re-registration not granted (audit: not met)",
        DecisionKind.SUSPENDED: "the suspension of your registration",
        DecisionKind.STRUCK_OFF: "the striking off of your registration",
        DecisionKind.EXTENSION_REFUSED: "the refusal of your request to extend your cycle",
    },
}


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision about a person that can be objected to."""

    kind: DecisionKind
    reference: str
    decided_on: date
    summary: str


def terms(ctx: RegistryContext, decided_on: date) -> ObjectionTerms:
    """The objection terms for a decision of ``decided_on``: the filing window from the scheme in force then."""
    return ObjectionTerms(
        filing_weeks=ctx.scheme_on(decided_on).reregistration.reconsideration_weeks,
        decision_weeks=ctx.policy.objection_decision_weeks,
        extension_weeks=ctx.policy.objection_extension_weeks,
    )


def decision_words(kind: DecisionKind, decided_on: date, lang: notifications.Language = "nl") -> str:
    """The decision as mails name it: what it was and its date."""
    day = notifications.date_text(decided_on, lang)
    return f"{_KIND_WORDS[lang][kind]} ({'besluit van' if lang == 'nl' else 'decision of'} {day})"


def holds_registration(person_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the person has an open objection against a refused re-registration (their registration stays)."""
    return sa.exists().where(
        objections.c.person_id == person_id,
        objections.c.state.in_(_OPEN),
        objections.c.decision_kind.in_([kind.value for kind in HOLDS_REGISTRATION]),
    )


async def is_held(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """Whether an open objection keeps the person's registration in force now."""
    return bool((await session.execute(sa.select(holds_registration(person_id)))).scalar())


async def decisions_of(session: AsyncSession, ctx: RegistryContext, person_id: uuid.UUID) -> list[Decision]:
    """Every decision about the person that can be objected to, newest first."""
    found: list[Decision] = []
    rejected = await session.execute(
        sa.select(
            registration_applications.c.application_id,
            registration_applications.c.decided_on,
            registration_applications.c.reason,
        ).where(
            registration_applications.c.person_id == person_id,
            registration_applications.c.status == "rejected",
            registration_applications.c.decided_on.is_not(None),
        )
    )
    for row in rejected:
        found.append(
            Decision(DecisionKind.REGISTRATION_REFUSED, str(row.application_id), row.decided_on, row.reason or "")
        )
    rereg = await session.execute(
        sa.select(
            dossiers.c.dossier_id,
            dossiers.c.state,
            dossiers.c.refusal_reason,
            dossiers.c.applied_on,
            dossiers.c.received_at,
            dossiers.c.decided_on,
            dossiers.c.decision_reason,
        ).where(
            dossiers.c.person_id == person_id,
            sa.or_(
                dossiers.c.state == ApplicationState.NOT_GRANTED.value,
                sa.and_(
                    dossiers.c.state == ApplicationState.REFUSED.value,
                    dossiers.c.refusal_reason.in_(_OBJECTABLE_REFUSALS),
                ),
            ),
        )
    )
    for dossier in rereg:
        if dossier.state == ApplicationState.NOT_GRANTED.value and dossier.decided_on is not None:
            found.append(
                Decision(
                    DecisionKind.AUDIT_NOT_MET,
                    str(dossier.dossier_id),
                    dossier.decided_on,
                    dossier.decision_reason or "",
                )
            )
        elif dossier.state == ApplicationState.REFUSED.value:
            day = ctx.today(dossier.received_at)
            found.append(
                Decision(
                    DecisionKind.REREGISTRATION_REFUSED, str(dossier.dossier_id), day, dossier.refusal_reason or ""
                )
            )
    measures = await session.execute(
        sa.select(history.c.entry_id, history.c.to_status, history.c.at, history.c.reason).where(
            history.c.person_id == person_id,
            history.c.to_status.in_([RegistrationStatus.SUSPENDED.value, RegistrationStatus.STRUCK_OFF.value]),
        )
    )
    for measure in measures:
        found.append(
            Decision(
                DecisionKind(measure.to_status), str(measure.entry_id), ctx.today(measure.at), measure.reason or ""
            )
        )
    refused_extensions = await session.execute(
        sa.select(
            cycle_extension_refusals.c.refusal_id,
            cycle_extension_refusals.c.decided_on,
            cycle_extension_refusals.c.reasons,
        ).where(cycle_extension_refusals.c.person_id == person_id)
    )
    for refusal in refused_extensions:
        found.append(
            Decision(DecisionKind.EXTENSION_REFUSED, str(refusal.refusal_id), refusal.decided_on, refusal.reasons)
        )
    found.sort(key=lambda decision: (decision.decided_on, decision.reference), reverse=True)
    return found


# --- views ---------------------------------------------------------------------------------------------------------


def _select() -> sa.Select[Any]:
    return (
        sa.select(objections, people.c.initials, people.c.surname, registrations.c.registration_number)
        .join(people, people.c.person_id == objections.c.person_id)
        .outerjoin(registrations, registrations.c.person_id == objections.c.person_id)
    )


def _view(row: Any, today: date) -> contracts.ObjectionView:
    is_open = row.state in _OPEN
    return contracts.ObjectionView(
        objection_id=row.objection_id,
        person_id=row.person_id,
        registration_number=row.registration_number,
        initials=row.initials,
        surname=row.surname,
        decision_kind=row.decision_kind,
        decision_reference=row.decision_reference,
        decision_summary=row.decision_summary,
        decided_on=row.decided_on,
        filed_on=row.filed_on,
        filing_deadline=row.filing_deadline,
        reasons=row.reasons,
        attachments=[contracts.ObjectionAttachment(**item) for item in row.attachments],
        state=row.state,
        acknowledged_on=row.acknowledged_on,
        hearing_at=row.hearing_at,
        hearing_place=row.hearing_place,
        original_decision_due_on=row.original_decision_due_on,
        decision_due_on=row.decision_due_on,
        extended=row.extended,
        extension_reason=row.extension_reason,
        outcome=row.outcome,
        decision_reasons=row.decision_reasons,
        objection_decided_on=row.objection_decided_on,
        overdue=is_open and today > row.decision_due_on,
    )


async def _load(session: AsyncSession, objection_id: uuid.UUID, *, for_update: bool = False) -> Any:
    statement = _select().where(objections.c.objection_id == objection_id)
    if for_update:
        statement = statement.with_for_update(of=objections)
    return (await session.execute(statement)).first()


def _refused(exc: ObjectionRefused) -> RpcError:
    if exc.code in {"already_acknowledged", "already_extended", "objection_decided"}:
        return conflict(exc.code, str(exc))
    return unprocessable(exc.code, str(exc))


# --- the objector ------------------------------------------------------------------------------------------------


async def get_my_objections(
    uow: RegistryUnitOfWork, ctx: RegistryContext, query: contracts.GetMyObjections
) -> contracts.MyObjections:
    """The actor's decisions open to objection (with each filing deadline) and their objections."""
    actor = await load_actor(uow, query.actor_account_id)
    session = uow.session
    today = ctx.today()
    rows = (
        await session.execute(
            _select().where(objections.c.person_id == actor.account_id).order_by(objections.c.received_at.desc())
        )
    ).all()
    filed = {(row.decision_kind, row.decision_reference): row.objection_id for row in rows}
    decisions = []
    for decision in await decisions_of(session, ctx, actor.account_id):
        deadline = filing_deadline(decision.decided_on, terms(ctx, decision.decided_on))
        objection_id = filed.get((decision.kind.value, decision.reference))
        decisions.append(
            contracts.ObjectableDecision(
                decision_kind=decision.kind.value,
                reference=decision.reference,
                decided_on=decision.decided_on,
                summary=decision.summary,
                filing_deadline=deadline,
                open_for_objection=objection_id is None and today <= deadline,
                objection_id=objection_id,
            )
        )
    return contracts.MyObjections(
        filing_weeks=ctx.scheme_on(today).reregistration.reconsideration_weeks,
        decisions=decisions,
        objections=[_view(row, today) for row in rows],
    )


async def file_objection(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.FileObjection
) -> contracts.ObjectionFiled:
    """File an objection against one of the actor's own decisions, within the filing window, with reasons."""
    actor = await load_actor(uow, command.actor_account_id)
    session = uow.session
    now = ctx.now()
    today = ctx.today(now)
    subject = f"objection:{command.decision_kind}:{command.decision_reference}"
    kind = DecisionKind(command.decision_kind)
    # Serialises with the registry's re-registration handlers and expiry job, which lock this row first.
    await load_registration(session, actor.account_id, for_update=True)
    decision = next(
        (
            found
            for found in await decisions_of(session, ctx, actor.account_id)
            if found.kind is kind and found.reference == command.decision_reference.strip()
        ),
        None,
    )
    if decision is None:
        await _refusal(uow, actor, now, subject, command.client_ip, "decision_not_found")
        raise not_found("decision_not_found", "No such decision about you.")
    decision_terms = terms(ctx, decision.decided_on)
    try:
        check_timely(decision.decided_on, today, decision_terms)
        reasons = check_reasons(command.reasons)
    except ObjectionRefused as exc:
        await _refusal(uow, actor, now, subject, command.client_ip, exc.code)
        raise unprocessable(exc.code, str(exc)) from exc
    existing = await session.execute(
        sa.select(objections.c.objection_id).where(
            objections.c.decision_kind == kind.value, objections.c.decision_reference == decision.reference
        )
    )
    if existing.first() is not None:
        raise conflict("objection_exists", "This decision has been objected to already.")
    due = decision_deadline(today, decision_terms, extended=False)
    objection_id = uuid.uuid4()
    await session.execute(
        sa.insert(objections).values(
            objection_id=objection_id,
            person_id=actor.account_id,
            decision_kind=kind.value,
            decision_reference=decision.reference,
            decision_summary=decision.summary,
            decided_on=decision.decided_on,
            filed_on=today,
            filing_deadline=filing_deadline(decision.decided_on, decision_terms),
            received_at=now,
            reasons=reasons,
            attachments=[
                {"evidence_id": str(item.evidence_id), "filename": item.filename} for item in command.attachments
            ],
            state=ObjectionState.RECEIVED.value,
            original_decision_due_on=due,
            decision_due_on=due,
            extended=False,
            updated_at=now,
        )
    )
    if command.attachments:
        # The office reads the files from the portfolio, which checks this grant itself on every read.
        uow.emit(
            contracts.ObjectionEvidenceShared(
                objection_id=objection_id,
                person_id=actor.account_id,
                evidence_ids=list(dict.fromkeys(item.evidence_id for item in command.attachments)),
            )
        )
    await _keep_registered_while_objecting(uow, ctx, actor.account_id, kind, now=now)
    contact = await contact_of(session, actor.account_id)
    assert contact is not None  # the actor is a person with an account
    await mail_contact(
        uow,
        contact,
        notifications.objection_received(
            contact.name, decision_words(kind, decision.decided_on, command.lang), today, due, command.lang
        ),
    )
    await mail_office(
        uow,
        lambda lang: notifications.objection_to_office(
            contact.name, decision_words(kind, decision.decided_on, lang), due, lang
        ),
    )
    await record_action(
        uow,
        at=now,
        action="file_objection",
        subject=subject,
        client_ip=command.client_ip,
        actor_account_id=actor.account_id,
        person_id=actor.account_id,
        detail={"objection_id": str(objection_id), "decision_due_on": due.isoformat()},
    )
    await uow.commit()
    row = await _load(session, objection_id)
    return contracts.ObjectionFiled(objection=_view(row, today))


async def _keep_registered_while_objecting(
    uow: RegistryUnitOfWork, ctx: RegistryContext, person_id: uuid.UUID, kind: DecisionKind, *, now: datetime
) -> None:
    """A not-met audit decided after the cycle end lapsed the registration at once. The objection against it keeps
    the person registered while it runs, as a timely application did until the decision: the registration goes
    back to registered (the expiry job then holds it; not upheld, it lapses again as of the same day)."""
    if kind is not DecisionKind.AUDIT_NOT_MET:
        return
    registration = await load_registration(uow.session, person_id, for_update=True)
    if registration is None or registration.status is not RegistrationStatus.EXPIRED or not registration.history:
        return
    last = registration.history[-1]
    if last.to_status is not RegistrationStatus.EXPIRED or last.reason != reregistrations.NOT_GRANTED_REASON:
        return  # lapsed for another reason since (or never by this refusal): nothing to keep
    await change_status(
        uow,
        ctx,
        person_id,
        RegistrationStatus.REGISTERED,
        by=SYSTEM_ACTOR,
        reason=KEPT_WHILE_OBJECTING,
        now=now,
        manual=False,
        notify=False,
    )


async def _refusal(
    uow: RegistryUnitOfWork, actor: Actor, now: datetime, subject: str, client_ip: str, code: str
) -> None:
    """A refused filing is logged too (who tried what, and why it was refused); it commits on its own."""
    await record_action(
        uow,
        at=now,
        action="file_objection",
        subject=subject,
        client_ip=client_ip,
        actor_account_id=actor.account_id,
        person_id=actor.account_id,
        result="refused",
        detail={"reason": code},
    )
    await uow.commit()


# --- the office --------------------------------------------------------------------------------------------------


async def list_objections(
    uow: RegistryUnitOfWork, ctx: RegistryContext, query: contracts.ListObjections
) -> contracts.Objections:
    """The office's queue: open objections by decision deadline (soonest first), then decided ones, newest first."""
    actor = await load_actor(uow, query.actor_account_id)
    now = ctx.now()
    await require_role(uow, actor, AccountRole.OFFICE, at=now, action="list_objections", subject="objections")
    is_open = objections.c.state.in_(_OPEN)
    statement = _select()
    if not query.include_decided:
        statement = statement.where(is_open)
    statement = statement.order_by(
        sa.case((is_open, 0), else_=1), objections.c.decision_due_on, objections.c.received_at.desc()
    ).limit(query.limit + 1)
    rows = (await uow.session.execute(statement)).all()
    today = ctx.today(now)
    return contracts.Objections(
        objections=[_view(row, today) for row in rows[: query.limit]], truncated=len(rows) > query.limit
    )


async def _office_step(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    actor_account_id: uuid.UUID,
    objection_id: uuid.UUID,
    action: str,
    client_ip: str,
) -> tuple[Actor, Any, datetime]:
    actor = await load_actor(uow, actor_account_id)
    now = ctx.now()
    subject = f"objection:{objection_id}"
    await require_role(uow, actor, AccountRole.OFFICE, at=now, action=action, subject=subject, client_ip=client_ip)
    row = await _load(uow.session, objection_id, for_update=True)
    if row is None:
        raise not_found("objection_not_found", "No such objection.")
    return actor, row, now


async def _finish_step(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    actor: Actor,
    row: Any,
    now: datetime,
    action: str,
    client_ip: str,
    values: dict[str, Any],
    compose: Callable[[notifications.Language], notifications.Mail] | None,
) -> contracts.ObjectionUpdated:
    """Store the step's values, mail the objector in their own language (``compose`` writes the mail in a
    language) and log the action."""
    session = uow.session
    await session.execute(
        sa.update(objections).where(objections.c.objection_id == row.objection_id).values(updated_at=now, **values)
    )
    contact = await contact_of(session, row.person_id)
    if compose is not None and contact is not None:
        await mail_contact(uow, contact, compose(contact.language))
    await record_action(
        uow,
        at=now,
        action=action,
        subject=f"objection:{row.objection_id}",
        client_ip=client_ip,
        actor_account_id=actor.account_id,
        person_id=row.person_id,
        detail={key: str(value) for key, value in values.items() if key != "decision_reasons"},
    )
    await uow.commit()
    return contracts.ObjectionUpdated(objection=_view(await _load(session, row.objection_id), ctx.today(now)))


async def acknowledge_objection(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.AcknowledgeObjection
) -> contracts.ObjectionUpdated:
    """The office acknowledges receipt; the objector is mailed with the decision deadline."""
    actor, row, now = await _office_step(
        uow, ctx, command.actor_account_id, command.objection_id, "acknowledge_objection", command.client_ip
    )
    try:
        check_acknowledge(ObjectionState(row.state))
    except ObjectionRefused as exc:
        raise _refused(exc) from exc
    name = f"{row.initials} {row.surname}"

    def mail(lang: notifications.Language) -> notifications.Mail:
        words = decision_words(DecisionKind(row.decision_kind), row.decided_on, lang)
        return notifications.objection_acknowledged(name, words, row.decision_due_on, lang)

    values = {"state": ObjectionState.ACKNOWLEDGED.value, "acknowledged_on": ctx.today(now)}
    return await _finish_step(uow, ctx, actor, row, now, "acknowledge_objection", command.client_ip, values, mail)


async def invite_to_hearing(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.InviteToObjectionHearing
) -> contracts.ObjectionUpdated:
    """The office invites the objector to a hearing (a new invitation replaces the previous one); mailed."""
    actor, row, now = await _office_step(
        uow, ctx, command.actor_account_id, command.objection_id, "invite_to_hearing", command.client_ip
    )
    place = command.place.strip()
    hearing_at = command.hearing_at
    if hearing_at.tzinfo is None:
        # A time without a zone is the register's local time (what the office typed).
        hearing_at = hearing_at.replace(tzinfo=ctx.policy.timezone)
    local = hearing_at.astimezone(ctx.policy.timezone)
    try:
        check_hearing(ObjectionState(row.state), local.date(), ctx.today(now), row.decision_due_on)
        if not place:
            raise ObjectionRefused("place_required", "Say where the hearing is held (an address or a video link).")
    except ObjectionRefused as exc:
        raise _refused(exc) from exc

    def mail(lang: notifications.Language) -> notifications.Mail:
        day = notifications.date_text(local.date(), lang)
        when = f"{day} om {local:%H:%M} uur" if lang == "nl" else f"{day} at {local:%H:%M}"
        return notifications.objection_hearing(f"{row.initials} {row.surname}", when, place, lang)

    values = {"state": ObjectionState.HEARING_SCHEDULED.value, "hearing_at": hearing_at, "hearing_place": place}
    if row.acknowledged_on is None:
        values["acknowledged_on"] = ctx.today(now)
    return await _finish_step(uow, ctx, actor, row, now, "invite_to_hearing", command.client_ip, values, mail)


async def extend_objection_term(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.ExtendObjectionTerm
) -> contracts.ObjectionUpdated:
    """The office extends the decision term once, with the reason; mailed."""
    actor, row, now = await _office_step(
        uow, ctx, command.actor_account_id, command.objection_id, "extend_objection_term", command.client_ip
    )
    try:
        check_extension(ObjectionState(row.state), extended=row.extended)
        reason = check_reasons(command.reason, minimum=3, maximum=2000)
    except ObjectionRefused as exc:
        raise _refused(exc) from exc
    # The extension counts from the original deadline: the stored terms, not today's configuration.
    due = decision_deadline(row.filed_on, _stored_terms(ctx, row), extended=True)

    def mail(lang: notifications.Language) -> notifications.Mail:
        return notifications.objection_term_extended(f"{row.initials} {row.surname}", due, reason, lang)

    values = {"extended": True, "extension_reason": reason, "decision_due_on": due}
    return await _finish_step(uow, ctx, actor, row, now, "extend_objection_term", command.client_ip, values, mail)


def _stored_terms(ctx: RegistryContext, row: Any) -> ObjectionTerms:
    """The terms the objection was given: its decision weeks as stored, the extension from configuration."""
    decision_weeks = (row.original_decision_due_on - row.filed_on).days // 7
    return ObjectionTerms(
        filing_weeks=terms(ctx, row.decided_on).filing_weeks,
        decision_weeks=max(decision_weeks, 1),
        extension_weeks=ctx.policy.objection_extension_weeks,
    )


async def decide_objection(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.DecideObjection
) -> contracts.ObjectionUpdated:
    """The office decides, with reasons; the consequence for the registration follows in the same transaction."""
    actor, row, now = await _office_step(
        uow, ctx, command.actor_account_id, command.objection_id, "decide_objection", command.client_ip
    )
    try:
        check_decision(ObjectionState(row.state))
        reasons = check_reasons(command.reasons)
    except ObjectionRefused as exc:
        raise _refused(exc) from exc
    outcome = ObjectionOutcome(command.outcome)
    kind = DecisionKind(row.decision_kind)
    today = ctx.today(now)
    values: dict[str, Any] = {
        "state": ObjectionState.DECIDED.value,
        "outcome": outcome.value,
        "decision_reasons": reasons,
        "objection_decided_on": today,
        "decided_by": f"office:{actor.account_id}",
    }
    # Decided first, so the hold ends before the registration's consequence is worked out.
    await uow.session.execute(
        sa.update(objections).where(objections.c.objection_id == row.objection_id).values(updated_at=now, **values)
    )
    consequence, cycle_end = await _apply_outcome(uow, ctx, row, kind, outcome, now=now)

    def mail(lang: notifications.Language) -> notifications.Mail:
        return notifications.objection_decided(
            f"{row.initials} {row.surname}",
            decision_words(kind, row.decided_on, lang),
            outcome is ObjectionOutcome.UPHELD,
            reasons,
            consequence,
            lang,
            cycle_end,
        )

    return await _finish_step(uow, ctx, actor, row, now, "decide_objection", command.client_ip, values, mail)


async def _apply_outcome(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    row: Any,
    kind: DecisionKind,
    outcome: ObjectionOutcome,
    *,
    now: datetime,
) -> tuple[str, date | None]:
    """What the decision on the objection does to the registration; returns the mail's consequence (a key of
    ``notifications.OBJECTION_CONSEQUENCES``) and the cycle end it names, if any."""
    session = uow.session
    today = ctx.today(now)
    registration = await load_registration(session, row.person_id, for_update=True)
    if kind not in HOLDS_REGISTRATION or registration is None:
        return ("new_decision" if outcome is ObjectionOutcome.UPHELD else "stands"), None
    if outcome is ObjectionOutcome.NOT_UPHELD:
        if lapses(registration.status, registration.cycle, today) and not await is_held(session, row.person_id):
            await change_status(
                uow,
                ctx,
                row.person_id,
                RegistrationStatus.EXPIRED,
                by=SYSTEM_ACTOR,
                reason="re-registration not granted; objection not upheld",
                now=now,
                manual=False,
                effective_on=lapse_date(registration.cycle),
                notify=False,
            )
            return "lapsed", None
        return "lapses_at_cycle_end", registration.cycle.end
    # Upheld: the refused re-registration is granted after all, as the audit's "met" would have.
    if registration.status is not RegistrationStatus.REGISTERED:
        return "new_decision", None
    await reregistrations.grant_after_objection(uow, ctx, uuid.UUID(row.decision_reference), now=now)
    return "granted", None


# --- public statistics -------------------------------------------------------------------------------------------


async def get_objection_statistics(
    uow: RegistryUnitOfWork, ctx: RegistryContext, query: contracts.GetObjectionStatistics
) -> contracts.ObjectionStatistics:
    """Objections per year of filing and their outcomes: counts only, nothing about anyone."""
    year = sa.extract("year", objections.c.filed_on)
    rows = (
        await uow.session.execute(
            sa.select(
                year.label("year"),
                sa.func.count().label("filed"),
                sa.func.count().filter(objections.c.outcome == ObjectionOutcome.UPHELD.value).label("upheld"),
                sa.func.count().filter(objections.c.outcome == ObjectionOutcome.NOT_UPHELD.value).label("not_upheld"),
                sa.func.count().filter(objections.c.state.in_(_OPEN)).label("open"),
            )
            .group_by(year)
            .order_by(year)
        )
    ).all()
    return contracts.ObjectionStatistics(
        years=[
            contracts.ObjectionYear(
                year=int(row.year), filed=row.filed, upheld=row.upheld, not_upheld=row.not_upheld, open=row.open
            )
            for row in rows
        ]
    )
