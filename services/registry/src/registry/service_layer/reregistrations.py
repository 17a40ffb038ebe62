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

Every handler runs in the consumer's transaction (inbox row, state, events and mail commit together) and locks
the person's registration row first: the consumer applies messages concurrently, and an audit event about a
dossier may be applied before the dossier itself (an outcome that arrives first is kept and applied when the
dossier arrives).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import SchemeVersion
from registry.adapters.orm import cycles, people, registrations, reregistrations
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import (
    StoredCycle,
    current_cycle,
    load_registration,
    record_status_change,
    stored_cycle,
)
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import AccountRole
from registry.domain.registrations import Registration
from registry.domain.reregistration import (
    ApplicationState,
    AuditOutcome,
    AuditState,
    Grant,
    Refusal,
    RefusalReason,
    ReturnForCorrection,
    advance_audit_state,
    days_after,
    decide,
    refusal_for,
    weeks_after,
)
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

log = logging.getLogger(__name__)

# Refusals the professional can act on are mailed; the others are data anomalies for the office's overview.
_MAILED_REFUSALS = frozenset({RefusalReason.LATE, RefusalReason.NORM_NOT_MET})
# The status history's reason when a not-met audit ends the registration (an objection looks for it).
NOT_GRANTED_REASON = "re-registration not granted: the audit found the norm not met"
# A cycle with one of these applications has its re-registration decided (or being decided) already.
_DECIDED = (ApplicationState.GRANTED.value, ApplicationState.NOT_GRANTED.value)


class UnknownRegistration(LookupError):
    """An event about a person the registry has no registration for: a data error, left to the dead-letter
    queue (with its message) for an operator rather than guessed at."""


class UnknownDossier(LookupError):
    """A judgement about a dossier the registry never heard of and without a person to tell."""


# --- reading and writing application rows ------------------------------------------------------------------------


async def _lock_registration(session: AsyncSession, person_id: uuid.UUID) -> Registration:
    """The person's registration, locked until the commit: serialises every re-registration event of a person."""
    registration = await load_registration(session, person_id, for_update=True)
    if registration is None:
        raise UnknownRegistration(f"no registration for person {person_id}")
    return registration


async def _application(session: AsyncSession, dossier_id: uuid.UUID) -> Any:
    return (await session.execute(sa.select(reregistrations).where(reregistrations.c.dossier_id == dossier_id))).first()


async def _cycle_by_id(session: AsyncSession, cycle_id: uuid.UUID) -> StoredCycle | None:
    row = (await session.execute(sa.select(cycles).where(cycles.c.cycle_id == cycle_id))).first()
    return None if row is None else await stored_cycle(session, row)


async def _update(session: AsyncSession, dossier_id: uuid.UUID, now: datetime, **values: Any) -> None:
    await session.execute(
        sa.update(reregistrations).where(reregistrations.c.dossier_id == dossier_id).values(updated_at=now, **values)
    )


async def _insert_awaiting_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, person_id: uuid.UUID, cycle_id: uuid.UUID | None, now: datetime
) -> None:
    """Start the record of a dossier from audit news that overtook the dossier itself."""
    await session.execute(
        sa.insert(reregistrations).values(
            dossier_id=dossier_id,
            person_id=person_id,
            cycle_id=cycle_id,
            state=ApplicationState.AWAITING_DOSSIER.value,
            audit_state=AuditState.AWAITING_SAMPLING.value,
            received_at=now,
            updated_at=now,
        )
    )


def _scheme_of(ctx: RegistryContext, stored: StoredCycle) -> SchemeVersion:
    """The scheme version the cycle is judged by (the one in force when it started, unless migrated)."""
    return ctx.scheme.get(stored.scheme_version)


# --- portfolio.DossierFrozen ----------------------------------------------------------------------------------


async def take_dossier(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.DossierFrozen, envelope: Envelope
) -> None:
    """A frozen dossier: the professional's re-registration application (round 1), or its resubmission after a
    return for correction (round 2, same dossier)."""
    session = uow.session
    now = ctx.now()
    registration = await _lock_registration(session, event.person_id)
    existing = await _application(session, event.dossier_id)
    if existing is not None and existing.state != ApplicationState.AWAITING_DOSSIER:
        await _take_resubmission(uow, ctx, event, existing, now)
        return

    # The application date is the day the portfolio froze the dossier, not the day this event is read.
    applied_on = event.applied_on or ctx.today(envelope.occurred_at)
    current = await current_cycle(session, event.person_id)
    if current is None:
        raise UnknownRegistration(f"registration of {event.person_id} has no cycle")
    cycle_decided = (
        await session.execute(
            sa.select(reregistrations.c.dossier_id).where(
                reregistrations.c.cycle_id == event.cycle_id, reregistrations.c.state.in_(_DECIDED)
            )
        )
    ).first() is not None
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
        await session.execute(
            sa.insert(reregistrations).values(
                dossier_id=event.dossier_id,
                person_id=event.person_id,
                audit_state=AuditState.AWAITING_SAMPLING.value,
                received_at=now,
                **values,
            )
        )
    else:
        await session.execute(
            sa.update(reregistrations).where(reregistrations.c.dossier_id == event.dossier_id).values(**values)
        )
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
        await _decide(uow, ctx, event.dossier_id, now=now)


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
    await _update(uow.session, event.dossier_id, now, **values)


# --- audit.DossierSampled ---------------------------------------------------------------------------------------


async def record_sampling(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: audit_contracts.DossierSampled, _envelope: Envelope
) -> None:
    """The audit's sampling decision: kept on the application; a sampled professional is told."""
    session = uow.session
    now = ctx.now()
    registration = await _lock_registration(session, event.person_id)
    row = await _application(session, event.dossier_id)
    if row is None:
        await _insert_awaiting_dossier(session, event.dossier_id, event.person_id, event.cycle_id, now)
        current_state = AuditState.AWAITING_SAMPLING
    else:
        current_state = AuditState(row.audit_state)
    news = AuditState.SAMPLED if event.sampled else AuditState.NOT_SAMPLED
    await _update(
        session,
        event.dossier_id,
        now,
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
    row = await _application(session, event.dossier_id)
    person_id = event.person_id or (row.person_id if row is not None else None)
    if person_id is None:
        raise UnknownDossier(f"more information asked about dossier {event.dossier_id}, which the registry never saw")
    registration = await _lock_registration(session, person_id)
    row = await _application(session, event.dossier_id)  # read again under the lock
    judged_on = event.judged_on or ctx.today(envelope.occurred_at)
    answer_by = event.information_deadline or days_after(
        judged_on, ctx.scheme_on(judged_on).audit.more_info_answer_days
    )
    if row is None:
        await _insert_awaiting_dossier(session, event.dossier_id, person_id, None, now)
        current_state = AuditState.AWAITING_SAMPLING
    else:
        current_state = AuditState(row.audit_state)
    await _update(
        session,
        event.dossier_id,
        now,
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
    await _lock_registration(session, event.person_id)
    row = await _application(session, event.dossier_id)
    if row is None:
        await _insert_awaiting_dossier(session, event.dossier_id, event.person_id, event.cycle_id, now)
        row = await _application(session, event.dossier_id)
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
        stored = await _cycle_by_id(session, event.cycle_id)
        weeks = (
            _scheme_of(ctx, stored) if stored is not None else ctx.scheme_on(event.concluded_on)
        ).audit.correction_weeks
        correction_due_on = event.correction_deadline or weeks_after(event.concluded_on, weeks)
    await _update(
        session,
        event.dossier_id,
        now,
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
    await _decide(uow, ctx, event.dossier_id, now=now)


async def _decide(uow: MailingUnitOfWork, ctx: RegistryContext, dossier_id: uuid.UUID, *, now: datetime) -> None:
    """Apply the recorded outcome of a pending application (the caller holds the registration's lock)."""
    session = uow.session
    row = await _application(session, dossier_id)
    assert row is not None and row.state == ApplicationState.PENDING and row.outcome is not None
    stored = await _cycle_by_id(session, row.cycle_id)
    if stored is None:
        raise LookupError(f"pending application {dossier_id} names cycle {row.cycle_id}, which does not exist")
    registration = await _lock_registration(session, row.person_id)
    today = ctx.today(now)
    next_start = stored.cycle.end + timedelta(days=1)
    decision = decide(
        AuditOutcome(row.outcome),
        cycle=stored.cycle,
        today=today,
        next_cycle_years=ctx.scheme_on(next_start).registration.cycle_years,
        correct_by=row.correction_due_on
        or weeks_after(row.concluded_on, _scheme_of(ctx, stored).audit.correction_weeks),
    )
    contact = await contact_of(session, row.person_id)
    assert contact is not None
    number = registration.number.value
    match decision:
        case Grant():
            if registration.status is not RegistrationStatus.REREGISTRATION_PENDING:
                # E.g. the office suspended the person while the audit ran: granting would lift the measure.
                log.warning(
                    "dossier %s met, but registration %s is %s: decision left to the office",
                    dossier_id,
                    number,
                    registration.status.value,
                )
                return
            await _grant(uow, ctx, row, stored, registration, today=today, now=now)
            await mail_contact(
                uow,
                contact,
                notifications.reregistration_granted(
                    contact.name, number, decision.next_cycle.start, decision.next_cycle.end, contact.language
                ),
            )
        case Refusal():
            await _refuse(uow, ctx, row, stored, registration, decision, today=today, now=now)
            await mail_contact(
                uow,
                contact,
                notifications.reregistration_not_granted(
                    contact.name,
                    number,
                    stored.cycle.end,
                    decision.lapse_now,
                    _scheme_of(ctx, stored).reregistration.reconsideration_weeks,
                    contact.language,
                ),
            )
        case ReturnForCorrection():
            await _update(session, dossier_id, now, correction_due_on=decision.correct_by)
            await mail_contact(
                uow,
                contact,
                notifications.returned_for_correction(contact.name, number, decision.correct_by, contact.language),
            )


async def _grant(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    row: Any,
    stored: StoredCycle,
    registration: Registration,
    *,
    today: date,
    now: datetime,
) -> None:
    """Re-registration granted: back to registered with the next cycle; CycleOpened announces it."""
    session = uow.session
    next_start = stored.cycle.end + timedelta(days=1)
    version = ctx.scheme_on(next_start)
    renewed = registration.renew(at=now, by=SYSTEM_ACTOR, cycle_years=version.registration.cycle_years)
    change = renewed.history[-1]
    next_cycle_id = uuid.uuid4()
    await session.execute(
        sa.insert(cycles).values(
            cycle_id=next_cycle_id,
            person_id=row.person_id,
            sequence=stored.sequence + 1,
            starts_on=renewed.cycle.start,
            ends_on=renewed.cycle.end,
            scheme_version=version.version,
        )
    )
    await session.execute(
        sa.update(registrations).where(registrations.c.person_id == row.person_id).values(status=renewed.status.value)
    )
    await record_status_change(session, row.person_id, change)
    await _update(
        session,
        row.dossier_id,
        now,
        state=ApplicationState.GRANTED.value,
        decided_on=today,
        next_cycle_id=next_cycle_id,
    )
    number = registration.number.value
    uow.emit(
        contracts.RegistrationStatusChanged(
            person_id=row.person_id,
            registration_number=number,
            old_status=change.from_status.value,
            new_status=change.to_status.value,
            effective_on=today,
            reason=change.reason or "",
        )
    )
    uow.emit(
        contracts.CycleOpened(
            person_id=row.person_id,
            registration_number=number,
            cycle_id=next_cycle_id,
            sequence=stored.sequence + 1,
            starts_on=renewed.cycle.start,
            ends_on=renewed.cycle.end,
            scheme_version=version.version,
        )
    )
    uow.emit(
        contracts.ReregistrationDecided(
            person_id=row.person_id,
            registration_number=number,
            cycle_id=stored.cycle_id,
            granted=True,
            decided_on=today,
        )
    )


async def _refuse(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    row: Any,
    stored: StoredCycle,
    registration: Registration,
    decision: Refusal,
    *,
    today: date,
    now: datetime,
) -> None:
    """Re-registration not granted: the registration lapses the day after the cycle end (at once when that day
    has come; otherwise it is registered until then and the expiry job lapses it)."""
    reason = NOT_GRANTED_REASON
    if registration.status is RegistrationStatus.REREGISTRATION_PENDING:
        await change_status(
            uow,
            ctx,
            row.person_id,
            RegistrationStatus.EXPIRED if decision.lapse_now else RegistrationStatus.REGISTERED,
            by=SYSTEM_ACTOR,
            reason=reason,
            now=now,
            manual=False,
            effective_on=decision.lapses_on if decision.lapse_now else today,
            notify=False,
        )
    else:
        # Suspended or struck off meanwhile: the measure stands; a suspension lapses with the cycle (expiry job).
        log.warning(
            "dossier %s not met; registration %s is %s and stays so",
            row.dossier_id,
            registration.number,
            registration.status.value,
        )
    await _update(
        uow.session,
        row.dossier_id,
        now,
        state=ApplicationState.NOT_GRANTED.value,
        decided_on=today,
        decision_reason=reason,
    )
    uow.emit(
        contracts.ReregistrationDecided(
            person_id=row.person_id,
            registration_number=registration.number.value,
            cycle_id=stored.cycle_id,
            granted=False,
            decided_on=today,
            reason=reason,
        )
    )


# --- the office's overview --------------------------------------------------------------------------------------


async def list_reregistrations(
    uow: UnitOfWork, ctx: RegistryContext, query: contracts.ListReregistrations
) -> contracts.Reregistrations:
    """The office's decisions page: applications with their cycle, audit state and decision, newest first."""
    actor = await load_actor(uow, query.actor_account_id)
    await require_role(
        uow, actor, AccountRole.OFFICE, at=ctx.now(), action="list_reregistrations", subject="reregistrations"
    )
    applied = cycles.alias("applied_cycle")
    following = cycles.alias("next_cycle")
    statement = (
        sa.select(
            reregistrations,
            registrations.c.registration_number,
            registrations.c.status.label("registration_status"),
            people.c.initials,
            people.c.surname,
            applied.c.cycle_id.label("applied_cycle_id"),
            applied.c.sequence.label("applied_sequence"),
            applied.c.starts_on.label("applied_starts_on"),
            applied.c.ends_on.label("applied_ends_on"),
            applied.c.scheme_version.label("applied_scheme_version"),
            following.c.sequence.label("next_sequence"),
            following.c.starts_on.label("next_starts_on"),
            following.c.ends_on.label("next_ends_on"),
            following.c.scheme_version.label("next_scheme_version"),
        )
        .join(registrations, registrations.c.person_id == reregistrations.c.person_id)
        .join(people, people.c.person_id == reregistrations.c.person_id)
        .outerjoin(applied, applied.c.cycle_id == reregistrations.c.cycle_id)
        .outerjoin(following, following.c.cycle_id == reregistrations.c.next_cycle_id)
    )
    if query.status is not None:
        statement = statement.where(reregistrations.c.state == query.status)
    statement = statement.order_by(
        reregistrations.c.applied_on.desc().nulls_last(), reregistrations.c.received_at.desc()
    ).limit(query.limit + 1)
    rows = (await uow.session.execute(statement)).all()
    return contracts.Reregistrations(
        applications=[_view(row) for row in rows[: query.limit]], truncated=len(rows) > query.limit
    )


def _view(row: Any) -> contracts.ReregistrationView:
    cycle = None
    if row.applied_cycle_id is not None:
        cycle = contracts.CycleView(
            cycle_id=row.applied_cycle_id,
            sequence=row.applied_sequence,
            starts_on=row.applied_starts_on,
            ends_on=row.applied_ends_on,
            scheme_version=row.applied_scheme_version,
        )
    next_cycle = None
    if row.next_cycle_id is not None and row.next_sequence is not None:
        next_cycle = contracts.CycleView(
            cycle_id=row.next_cycle_id,
            sequence=row.next_sequence,
            starts_on=row.next_starts_on,
            ends_on=row.next_ends_on,
            scheme_version=row.next_scheme_version,
        )
    return contracts.ReregistrationView(
        dossier_id=row.dossier_id,
        person_id=row.person_id,
        registration_number=row.registration_number,
        initials=row.initials,
        surname=row.surname,
        registration_status=row.registration_status,
        status=row.state,
        refusal_reason=row.refusal_reason,
        cycle=cycle,
        applied_on=row.applied_on,
        total_points=row.total_points,
        accredited_points=row.accredited_points,
        a2_points=row.a2_points,
        audit_state=row.audit_state,
        sampled_activities=row.sampled_activities,
        sampled=row.sampled,
        more_information_due_on=row.more_information_due_on,
        correction_due_on=row.correction_due_on,
        outcome=row.outcome,
        concluded_on=row.concluded_on,
        decided_on=row.decided_on,
        decision_reason=row.decision_reason,
        next_cycle=next_cycle,
    )


# --- after an objection -----------------------------------------------------------------------------------------


async def grant_after_objection(
    uow: MailingUnitOfWork, ctx: RegistryContext, dossier_id: uuid.UUID, *, now: datetime
) -> None:
    """An upheld objection against a refused re-registration: grant it after all, as the audit's "met" would
    have (the next cycle from the day after the old end). The registration, held in force by the objection, goes
    through re-registration pending to registered, so every reader sees the same moves as for a grant."""
    session = uow.session
    row = await _application(session, dossier_id)
    if row is None or row.cycle_id is None:
        raise LookupError(f"objection names dossier {dossier_id}, which the registry does not have")
    stored = await _cycle_by_id(session, row.cycle_id)
    if stored is None:
        raise LookupError(f"dossier {dossier_id} names cycle {row.cycle_id}, which does not exist")
    await change_status(
        uow,
        ctx,
        row.person_id,
        RegistrationStatus.REREGISTRATION_PENDING,
        by=SYSTEM_ACTOR,
        reason="objection upheld: re-registration granted",
        now=now,
        manual=False,
        notify=False,
    )
    registration = await _lock_registration(session, row.person_id)
    await _grant(uow, ctx, row, stored, registration, today=ctx.today(now), now=now)
