"""Objection (bezwaar) against the register's decisions about a person: filing, the office's steps, the decision.

The decisions a person can object to are read from where the registry keeps them: rejected applications,
re-registration applications refused or not granted, suspensions and strikings-off in the status history, and
refused requests to extend a cycle. A
person only ever sees and objects to their own (someone else's decision is "not found", like one that does not
exist). Deadlines are the domain's (``domain/objections.py``); the terms are stored with the objection when it is
filed, so a later change of configuration does not move a running objection's deadlines.

The office's steps are in ``objection_office.py``. While an objection against a refused re-registration is open, the expiry job leaves the registration in force
(``holds_registration``), and one the refusal lapsed at once (decided after the cycle end) is put back until the
objection is decided; not upheld, it lapses as it would have; upheld, re-registration is granted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lklr_shared import objections as awb
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, NotFound, RuleViolation, UseCaseError
from registry.adapters.repositories import applications as application_rows
from registry.adapters.repositories import extensions as extension_rows
from registry.adapters.repositories import objections as objection_rows
from registry.adapters.repositories import reregistrations as dossiers
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.repositories.security_log import record_action
from registry.adapters.unit_of_work import MailingUnitOfWork, RegistryUnitOfWork
from registry.domain.objections import (
    OBJECTABLE_REFUSALS,
    STATE_CONFLICTS,
    DecisionKind,
    is_overdue,
    lapsed_by_the_refusal,
    open_for_objection,
)
from registry.domain.reregistration import ApplicationState
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.actors import Actor, load_actor
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact, mail_office
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

# The status history's reason when an objection puts a lapsed registration back in force until it is decided.
KEPT_WHILE_OBJECTING = "objection against the refused re-registration: registered until it is decided"
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


def terms(ctx: RegistryContext, decided_on: date) -> awb.ObjectionTerms:
    """The objection terms for a decision of ``decided_on``: the filing window from the scheme in force then."""
    return awb.ObjectionTerms(
        filing_weeks=ctx.scheme_on(decided_on).reregistration.reconsideration_weeks,
        decision_weeks=ctx.policy.objection_decision_weeks,
        extension_weeks=ctx.policy.objection_extension_weeks,
    )


def decision_words(kind: DecisionKind, decided_on: date, lang: notifications.Language = "nl") -> str:
    """The decision as mails name it: what it was and its date."""
    day = notifications.date_text(decided_on, lang)
    return f"{_KIND_WORDS[lang][kind]} ({'besluit van' if lang == 'nl' else 'decision of'} {day})"


def refused(exc: awb.ObjectionRefused) -> UseCaseError:
    """A step the objection rules refuse: 409 when it is about the objection's state, 422 otherwise."""
    if exc.code in STATE_CONFLICTS:
        return Conflict(exc.code, str(exc))
    return RuleViolation(exc.code, str(exc))


async def decisions_of(session: Any, ctx: RegistryContext, person_id: uuid.UUID) -> list[Decision]:
    """Every decision about the person that can be objected to, newest first."""
    found: list[Decision] = []
    for row in await application_rows.rejected_of(session, person_id):
        found.append(
            Decision(DecisionKind.REGISTRATION_REFUSED, str(row.application_id), row.decided_on, row.reason or "")
        )
    refusals = [reason.value for reason in OBJECTABLE_REFUSALS]
    for dossier in await dossiers.objectable_of(session, person_id, refusals):
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
    for measure in await objection_rows.measures_of(session, person_id):
        found.append(
            Decision(
                DecisionKind(measure.to_status), str(measure.entry_id), ctx.today(measure.at), measure.reason or ""
            )
        )
    for refusal in await extension_rows.refusals_of(session, person_id):
        found.append(
            Decision(DecisionKind.EXTENSION_REFUSED, str(refusal.refusal_id), refusal.decided_on, refusal.reasons)
        )
    found.sort(key=lambda decision: (decision.decided_on, decision.reference), reverse=True)
    return found


def objection_view(row: Any, today: date) -> contracts.ObjectionView:
    """An objection row (with the objector's name and number) as the contract shows it."""
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
        **awb.step_fields(row),
        overdue=is_overdue(row.state, row.decision_due_on, today),
    )


async def get_my_objections(ctx: RegistryContext, query: contracts.GetMyObjections) -> contracts.MyObjections:
    """The actor's decisions open to objection (with each filing deadline) and their objections."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        session = uow.session
        today = ctx.today()
        rows = await objection_rows.of_person(session, actor.account_id)
        filed = {(row.decision_kind, row.decision_reference): row.objection_id for row in rows}
        decisions = []
        for decision in await decisions_of(session, ctx, actor.account_id):
            deadline = awb.filing_deadline(decision.decided_on, terms(ctx, decision.decided_on))
            objection_id = filed.get((decision.kind.value, decision.reference))
            decisions.append(
                contracts.ObjectableDecision(
                    decision_kind=decision.kind.value,
                    reference=decision.reference,
                    decided_on=decision.decided_on,
                    summary=decision.summary,
                    filing_deadline=deadline,
                    open_for_objection=open_for_objection(deadline, today, objected=objection_id is not None),
                    objection_id=objection_id,
                )
            )
        return contracts.MyObjections(
            filing_weeks=ctx.scheme_on(today).reregistration.reconsideration_weeks,
            decisions=decisions,
            objections=[objection_view(row, today) for row in rows],
        )


async def file_objection(ctx: RegistryContext, command: contracts.FileObjection) -> contracts.ObjectionFiled:
    """File an objection against one of the actor's own decisions, within the filing window, with reasons."""
    async with ctx.unit_of_work() as uow:
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
            raise NotFound("decision_not_found", "No such decision about you.")
        decision_terms = terms(ctx, decision.decided_on)
        try:
            awb.check_timely(decision.decided_on, today, decision_terms)
            reasons = awb.check_reasons(command.reasons)
        except awb.ObjectionRefused as exc:
            await _refusal(uow, actor, now, subject, command.client_ip, exc.code)
            raise RuleViolation(exc.code, str(exc)) from exc
        if await objection_rows.exists_against(session, kind.value, decision.reference):
            raise Conflict("objection_exists", "This decision has been objected to already.")
        due = awb.decision_deadline(today, decision_terms, extended=False)
        objection_id = uuid.uuid4()
        await objection_rows.insert(
            session,
            objection_id,
            person_id=actor.account_id,
            decision_kind=kind.value,
            decision_reference=decision.reference,
            decision_summary=decision.summary,
            decided_on=decision.decided_on,
            filed_on=today,
            filing_deadline=awb.filing_deadline(decision.decided_on, decision_terms),
            received_at=now,
            reasons=reasons,
            attachments=[
                {"evidence_id": str(item.evidence_id), "filename": item.filename} for item in command.attachments
            ],
            state=awb.ObjectionState.RECEIVED.value,
            original_decision_due_on=due,
            decision_due_on=due,
            extended=False,
            updated_at=now,
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
        row = await objection_rows.load(session, objection_id)
        return contracts.ObjectionFiled(objection=objection_view(row, today))


async def _keep_registered_while_objecting(
    uow: MailingUnitOfWork, ctx: RegistryContext, person_id: uuid.UUID, kind: DecisionKind, *, now: datetime
) -> None:
    """A not-met audit decided after the cycle end lapsed the registration at once. The objection against it keeps
    the person registered while it runs, as a timely application did until the decision: the registration goes
    back to registered (the expiry job then holds it; not upheld, it lapses again as of the same day)."""
    if kind is not DecisionKind.AUDIT_NOT_MET:
        return
    registration = await load_registration(uow.session, person_id, for_update=True)
    if not lapsed_by_the_refusal(registration, kind):
        return
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
