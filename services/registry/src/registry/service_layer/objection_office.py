"""The office's side of an objection: its queue, acknowledging, the hearing, the one extension of the term, the
decision and what it does to the registration; and the public counts per year."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from lklr_shared import objections as awb
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import NotFound
from registry.adapters.repositories import objections as objection_rows
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.repositories.security_log import record_action
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.objections import HOLDS_REGISTRATION, DecisionKind, stored_terms
from registry.domain.reregistration import lapse_date, lapses
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.actors import Actor
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.objections import decision_words, objection_view, refused, terms
from registry.service_layer.office import office_member
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status
from registry.service_layer.reregistration_decisions import grant_after_objection


async def list_objections(ctx: RegistryContext, query: contracts.ListObjections) -> contracts.Objections:
    """The office's queue: open objections by decision deadline (soonest first), then decided ones, newest first."""
    async with ctx.unit_of_work() as uow:
        _actor, now = await office_member(
            uow, ctx, query.actor_account_id, action="list_objections", subject="objections"
        )
        rows = await objection_rows.queue(uow.session, include_decided=query.include_decided, limit=query.limit + 1)
    today = ctx.today(now)
    return contracts.Objections(
        objections=[objection_view(row, today) for row in rows[: query.limit]], truncated=len(rows) > query.limit
    )


async def _office_step(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    actor_account_id: uuid.UUID,
    objection_id: uuid.UUID,
    action: str,
    client_ip: str,
) -> tuple[Actor, Any, datetime]:
    actor, now = await office_member(
        uow, ctx, actor_account_id, action=action, subject=f"objection:{objection_id}", client_ip=client_ip
    )
    row = await objection_rows.load(uow.session, objection_id, for_update=True)
    if row is None:
        raise NotFound("objection_not_found", "No such objection.")
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
    await objection_rows.update(session, row.objection_id, updated_at=now, **values)
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
    updated = await objection_rows.load(session, row.objection_id)
    return contracts.ObjectionUpdated(objection=objection_view(updated, ctx.today(now)))


def _stored_terms(ctx: RegistryContext, row: Any) -> awb.ObjectionTerms:
    """The terms the objection was given: its decision weeks as stored, the extension from configuration."""
    return stored_terms(
        filed_on=row.filed_on,
        original_decision_due_on=row.original_decision_due_on,
        filing_weeks=terms(ctx, row.decided_on).filing_weeks,
        extension_weeks=ctx.policy.objection_extension_weeks,
    )


async def acknowledge_objection(
    ctx: RegistryContext, command: contracts.AcknowledgeObjection
) -> contracts.ObjectionUpdated:
    """The office acknowledges receipt; the objector is mailed with the decision deadline."""
    async with ctx.unit_of_work() as uow:
        actor, row, now = await _office_step(
            uow, ctx, command.actor_account_id, command.objection_id, "acknowledge_objection", command.client_ip
        )
        try:
            awb.check_acknowledge(awb.ObjectionState(row.state))
        except awb.ObjectionRefused as exc:
            raise refused(exc) from exc
        name = f"{row.initials} {row.surname}"

        def mail(lang: notifications.Language) -> notifications.Mail:
            words = decision_words(DecisionKind(row.decision_kind), row.decided_on, lang)
            return notifications.objection_acknowledged(name, words, row.decision_due_on, lang)

        values = {"state": awb.ObjectionState.ACKNOWLEDGED.value, "acknowledged_on": ctx.today(now)}
        return await _finish_step(uow, ctx, actor, row, now, "acknowledge_objection", command.client_ip, values, mail)


async def invite_to_hearing(
    ctx: RegistryContext, command: contracts.InviteToObjectionHearing
) -> contracts.ObjectionUpdated:
    """The office invites the objector to a hearing (a new invitation replaces the previous one); mailed."""
    async with ctx.unit_of_work() as uow:
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
            awb.check_hearing(awb.ObjectionState(row.state), local.date(), ctx.today(now), row.decision_due_on)
            if not place:
                raise awb.ObjectionRefused(
                    "place_required", "Say where the hearing is held (an address or a video link)."
                )
        except awb.ObjectionRefused as exc:
            raise refused(exc) from exc

        def mail(lang: notifications.Language) -> notifications.Mail:
            day = notifications.date_text(local.date(), lang)
            when = f"{day} om {local:%H:%M} uur" if lang == "nl" else f"{day} at {local:%H:%M}"
            return notifications.objection_hearing(f"{row.initials} {row.surname}", when, place, lang)

        values = {"state": awb.ObjectionState.HEARING_SCHEDULED.value, "hearing_at": hearing_at, "hearing_place": place}
        if row.acknowledged_on is None:
            values["acknowledged_on"] = ctx.today(now)
        return await _finish_step(uow, ctx, actor, row, now, "invite_to_hearing", command.client_ip, values, mail)


async def extend_objection_term(
    ctx: RegistryContext, command: contracts.ExtendObjectionTerm
) -> contracts.ObjectionUpdated:
    """The office extends the decision term once, with the reason; mailed."""
    async with ctx.unit_of_work() as uow:
        actor, row, now = await _office_step(
            uow, ctx, command.actor_account_id, command.objection_id, "extend_objection_term", command.client_ip
        )
        try:
            awb.check_extension(awb.ObjectionState(row.state), extended=row.extended)
            reason = awb.check_reasons(command.reason, minimum=3, maximum=2000)
        except awb.ObjectionRefused as exc:
            raise refused(exc) from exc
        # The extension counts from the original deadline: the stored terms, not today's configuration.
        due = awb.decision_deadline(row.filed_on, _stored_terms(ctx, row), extended=True)

        def mail(lang: notifications.Language) -> notifications.Mail:
            return notifications.objection_term_extended(f"{row.initials} {row.surname}", due, reason, lang)

        values = {"extended": True, "extension_reason": reason, "decision_due_on": due}
        return await _finish_step(uow, ctx, actor, row, now, "extend_objection_term", command.client_ip, values, mail)


async def decide_objection(ctx: RegistryContext, command: contracts.DecideObjection) -> contracts.ObjectionUpdated:
    """The office decides, with reasons; the consequence for the registration follows in the same transaction."""
    async with ctx.unit_of_work() as uow:
        actor, row, now = await _office_step(
            uow, ctx, command.actor_account_id, command.objection_id, "decide_objection", command.client_ip
        )
        try:
            awb.check_decision(awb.ObjectionState(row.state))
            reasons = awb.check_reasons(command.reasons)
        except awb.ObjectionRefused as exc:
            raise refused(exc) from exc
        outcome = awb.ObjectionOutcome(command.outcome)
        kind = DecisionKind(row.decision_kind)
        today = ctx.today(now)
        values: dict[str, Any] = {
            "state": awb.ObjectionState.DECIDED.value,
            "outcome": outcome.value,
            "decision_reasons": reasons,
            "objection_decided_on": today,
            "decided_by": f"office:{actor.account_id}",
        }
        # Decided first, so the hold ends before the registration's consequence is worked out.
        await objection_rows.update(uow.session, row.objection_id, updated_at=now, **values)
        consequence, cycle_end = await _apply_outcome(uow, ctx, row, kind, outcome, now=now)

        def mail(lang: notifications.Language) -> notifications.Mail:
            return notifications.objection_decided(
                f"{row.initials} {row.surname}",
                decision_words(kind, row.decided_on, lang),
                outcome is awb.ObjectionOutcome.UPHELD,
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
    outcome: awb.ObjectionOutcome,
    *,
    now: datetime,
) -> tuple[str, date | None]:
    """What the decision on the objection does to the registration; returns the mail's consequence (a key of
    ``notifications.OBJECTION_CONSEQUENCES``) and the cycle end it names, if any."""
    session = uow.session
    today = ctx.today(now)
    registration = await load_registration(session, row.person_id, for_update=True)
    if kind not in HOLDS_REGISTRATION or registration is None:
        return ("new_decision" if outcome is awb.ObjectionOutcome.UPHELD else "stands"), None
    if outcome is awb.ObjectionOutcome.NOT_UPHELD:
        if lapses(registration.status, registration.cycle, today) and not await objection_rows.is_held(
            session, row.person_id
        ):
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
    await grant_after_objection(uow, ctx, uuid.UUID(row.decision_reference), now=now)
    return "granted", None


async def get_objection_statistics(
    ctx: RegistryContext, _query: contracts.GetObjectionStatistics
) -> contracts.ObjectionStatistics:
    """Objections per year of filing and their outcomes: counts only, nothing about anyone."""
    async with ctx.unit_of_work() as uow:
        rows = await objection_rows.counts_per_year(uow.session)
    return contracts.ObjectionStatistics(
        years=[
            contracts.ObjectionYear(
                year=int(row.year), filed=row.filed, upheld=row.upheld, not_upheld=row.not_upheld, open=row.open
            )
            for row in rows
        ]
    )
