"""Re-registration in the registry: taking frozen dossiers as applications, following their audit, deciding.

The flow is choreographed over events; the registry never calls the portfolio or the audit:

- ``portfolio.DossierFrozen`` (the professional applied): a timely application with the norm met moves the
  registration to reregistration_pending (it stays in the register, valid until the cycle end, until the
  decision), publishes ReregistrationRequested and RegistrationStatusChanged and mails "application received".
  A dossier the registry cannot take (too late, norm not met, not the current cycle, registration not active,
  cycle decided already) is kept as a refused application with its reason and logged; nothing else changes.
- ``audit.DossierSampled``, ``audit.ActivityJudged`` (more information needed): recorded and mailed.
- ``audit.AuditConcluded``: met → granted (next cycle from the day after the old end); not met → not granted
  (the registration lapses the day after the cycle end, at once if that day has come); returned for correction →
  mailed with the deadline, the application stays pending.

The decisions are in ``reregistration_decisions.py``, the office's overview in
``reregistration_overview.py``. Every handler runs in the consumer's transaction (inbox row, state, events and mail commit together) and locks
the person's registration row first: the consumer applies messages concurrently, and an audit event about a
dossier may be applied before the dossier itself (an outcome that arrives first is kept and applied when the
dossier arrives).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from registry.adapters.repositories import reregistrations as dossiers
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import current_cycle
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.reregistration import (
    ApplicationState,
    AuditOutcome,
    AuditState,
    RefusalReason,
    advance_audit_state,
    days_after,
    refusal_for,
    weeks_after,
)
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.registrations import change_status
from registry.service_layer.reregistration_decisions import (
    UnknownRegistration,
    cycle_by_id,
    decide_pending,
    lock_registration,
    scheme_of,
)

log = logging.getLogger(__name__)

# Refusals the professional can act on are mailed; the others are data anomalies for the office's overview.
_MAILED_REFUSALS = frozenset({RefusalReason.LATE, RefusalReason.NORM_NOT_MET})
# A cycle with one of these applications has its re-registration decided (or being decided) already.
_DECIDED = (ApplicationState.GRANTED.value, ApplicationState.NOT_GRANTED.value)


class UnknownDossier(LookupError):
    """A judgement about a dossier the registry never heard of and without a person to tell."""


# --- portfolio.DossierFrozen ----------------------------------------------------------------------------------


async def take_dossier(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.DossierFrozen, envelope: Envelope
) -> None:
    """A frozen dossier: the professional's re-registration application (round 1), or its resubmission after a
    return for correction (round 2, same dossier)."""
    session = uow.session
    now = ctx.now()
    registration = await lock_registration(session, event.person_id)
    existing = await dossiers.load(session, event.dossier_id)
    if existing is not None and existing.state != ApplicationState.AWAITING_DOSSIER:
        await _take_resubmission(uow, ctx, event, existing, now)
        return

    # The application date is the day the portfolio froze the dossier, not the day this event is read.
    applied_on = event.applied_on or ctx.today(envelope.occurred_at)
    current = await current_cycle(session, event.person_id)
    if current is None:
        raise UnknownRegistration(f"registration of {event.person_id} has no cycle")
    cycle_decided = await dossiers.cycle_has_application_in(session, event.cycle_id, _DECIDED)
    refusal = refusal_for(
        status=registration.status,
        cycle=current.cycle,
        is_current_cycle=current.cycle_id == event.cycle_id,
        frozen_on=applied_on,
        norm_met=event.norm_met,
        cycle_decided=cycle_decided,
    )
    values = {
        "cycle_id": event.cycle_id,
        "state": (ApplicationState.REFUSED if refusal else ApplicationState.PENDING).value,
        "refusal_reason": refusal.value if refusal else None,
        "applied_on": applied_on,
        "dossier_round": event.round,
        "total_points": event.total_points,
        "accredited_points": event.accredited_points,
        "a2_points": event.a2_points,
        "updated_at": now,
    }
    if existing is None:
        await dossiers.insert(
            session,
            event.dossier_id,
            event.person_id,
            audit_state=AuditState.AWAITING_SAMPLING.value,
            received_at=now,
            **values,
        )
    else:
        await dossiers.update(session, event.dossier_id, **values)
    contact = await contact_of(session, event.person_id)
    assert contact is not None  # the registration exists, so the person does
    number = registration.number.value
    if refusal is not None:
        # Not an error to retry: the dossier is kept, refused with its reason, for the office to see.
        log.warning(
            "dossier %s of %s (cycle %s) not taken as a re-registration application: %s",
            event.dossier_id,
            number,
            event.cycle_id,
            refusal.value,
        )
        if refusal in _MAILED_REFUSALS:
            await mail_contact(
                uow,
                contact,
                notifications.reregistration_refused(contact.name, number, refusal.value, contact.language),
            )
        return

    await change_status(
        uow,
        ctx,
        event.person_id,
        RegistrationStatus.REREGISTRATION_PENDING,
        by=str(event.person_id),
        reason="re-registration applied for",
        now=now,
        manual=False,
        effective_on=applied_on,
        notify=False,
    )
    uow.emit(
        contracts.ReregistrationRequested(
            person_id=event.person_id, registration_number=number, cycle_id=event.cycle_id, requested_on=applied_on
        )
    )
    await mail_contact(
        uow,
        contact,
        notifications.reregistration_received(
            contact.name,
            number,
            current.cycle.end,
            notifications.points_text(event.total_points),
            contact.language,
        ),
    )
    if existing is not None and existing.outcome is not None:
        # The audit concluded before the dossier reached us: decide now.
        log.info("dossier %s: applying the audit outcome that arrived before it", event.dossier_id)
        await decide_pending(uow, ctx, event.dossier_id, now=now)


async def _take_resubmission(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    event: portfolio_contracts.DossierFrozen,
    existing: Any,
    now: datetime,
) -> None:
    """The same dossier again: a resubmission after a return for correction (a later round) updates the totals
    and puts the audit back to work; the same round again (a re-publication) changes nothing.

    The audit may conclude the new round before its dossier reaches us (the queues are independent); the outcome
    then stands and the resubmission only brings the totals.
    """
    if event.round <= existing.dossier_round:
        log.info("dossier %s round %s known already; nothing to do", event.dossier_id, event.round)
        return
    values: dict[str, Any] = {
        "dossier_round": event.round,
        "total_points": event.total_points,
        "accredited_points": event.accredited_points,
        "a2_points": event.a2_points,
    }
    concluded_already = existing.outcome_round is not None and existing.outcome_round >= event.round
    if not concluded_already:
        # A resubmitted dossier is reviewed again: the audit state starts over for the new round.
        values["audit_state"] = AuditState.SAMPLED.value
        if existing.state != ApplicationState.PENDING:
            log.warning(
                "dossier %s resubmitted (round %s) while its application is %s; recorded, no decision follows",
                event.dossier_id,
                event.round,
                existing.state,
            )
    await dossiers.update(uow.session, event.dossier_id, updated_at=now, **values)


# --- audit.DossierSampled ---------------------------------------------------------------------------------------


async def record_sampling(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: audit_contracts.DossierSampled, _envelope: Envelope
) -> None:
    """The audit's sampling decision: kept on the application; a sampled professional is told."""
    session = uow.session
    now = ctx.now()
    registration = await lock_registration(session, event.person_id)
    row = await dossiers.load(session, event.dossier_id)
    if row is None:
        await dossiers.insert_awaiting_dossier(session, event.dossier_id, event.person_id, event.cycle_id, now)
        current_state = AuditState.AWAITING_SAMPLING
    else:
        current_state = AuditState(row.audit_state)
    news = AuditState.SAMPLED if event.sampled else AuditState.NOT_SAMPLED
    await dossiers.update(
        session,
        event.dossier_id,
        updated_at=now,
        sampled=event.sampled,
        sampled_activities=len(event.activity_ids),
        audit_state=advance_audit_state(current_state, news).value,
    )
    if event.sampled:
        contact = await contact_of(session, event.person_id)
        assert contact is not None
        await mail_contact(
            uow,
            contact,
            notifications.selected_for_audit(
                contact.name, registration.number.value, len(event.activity_ids), contact.language
            ),
        )


# --- audit.ActivityJudged ---------------------------------------------------------------------------------------


async def record_judgement(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: audit_contracts.ActivityJudged, envelope: Envelope
) -> None:
    """A reviewer asked for more information: the deadline is kept and the professional is mailed.

    Approvals and rejections need nothing from the registry: the outcome follows in AuditConcluded.
    """
    if event.judgement != "more_information_needed":
        return
    session = uow.session
    now = ctx.now()
    row = await dossiers.load(session, event.dossier_id)
    person_id = event.person_id or (row.person_id if row is not None else None)
    if person_id is None:
        raise UnknownDossier(f"more information asked about dossier {event.dossier_id}, which the registry never saw")
    registration = await lock_registration(session, person_id)
    row = await dossiers.load(session, event.dossier_id)  # read again under the lock
    judged_on = event.judged_on or ctx.today(envelope.occurred_at)
    answer_by = event.information_deadline or days_after(
        judged_on, ctx.scheme_on(judged_on).audit.more_info_answer_days
    )
    if row is None:
        await dossiers.insert_awaiting_dossier(session, event.dossier_id, person_id, None, now)
        current_state = AuditState.AWAITING_SAMPLING
    else:
        current_state = AuditState(row.audit_state)
    await dossiers.update(
        session,
        event.dossier_id,
        updated_at=now,
        more_information_due_on=answer_by,
        audit_state=advance_audit_state(current_state, AuditState.MORE_INFORMATION_NEEDED).value,
    )
    contact = await contact_of(session, person_id)
    assert contact is not None
    await mail_contact(
        uow,
        contact,
        notifications.more_information_needed(
            contact.name, registration.number.value, event.reason, answer_by, contact.language
        ),
    )


# --- audit.AuditConcluded ---------------------------------------------------------------------------------------


async def record_outcome(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: audit_contracts.AuditConcluded, _envelope: Envelope
) -> None:
    """The audit's outcome of a dossier round: decided at once for a pending application, kept otherwise."""
    session = uow.session
    now = ctx.now()
    await lock_registration(session, event.person_id)
    row = await dossiers.load(session, event.dossier_id)
    if row is None:
        await dossiers.insert_awaiting_dossier(session, event.dossier_id, event.person_id, event.cycle_id, now)
        row = await dossiers.load(session, event.dossier_id)
    if row.outcome_round is not None and event.round < row.outcome_round:
        log.info(
            "dossier %s: outcome of round %s arrived after round %s; kept out",
            event.dossier_id,
            event.round,
            row.outcome_round,
        )
        return
    correction_due_on = None
    if event.outcome == AuditOutcome.RETURNED_FOR_CORRECTION.value:
        stored = await cycle_by_id(session, event.cycle_id)
        weeks = (
            scheme_of(ctx, stored) if stored is not None else ctx.scheme_on(event.concluded_on)
        ).audit.correction_weeks
        correction_due_on = event.correction_deadline or weeks_after(event.concluded_on, weeks)
    await dossiers.update(
        session,
        event.dossier_id,
        updated_at=now,
        outcome=event.outcome,
        outcome_round=event.round,
        concluded_on=event.concluded_on,
        correction_due_on=correction_due_on or row.correction_due_on,
        audit_state=advance_audit_state(AuditState(row.audit_state), AuditState(event.outcome)).value,
    )
    if row.state != ApplicationState.PENDING:
        log.info(
            "dossier %s: outcome %s recorded; the application is %s, so no decision follows now",
            event.dossier_id,
            event.outcome,
            row.state,
        )
        return
    await decide_pending(uow, ctx, event.dossier_id, now=now)
