"""Deciding a re-registration application on its audit's outcome: granted (the next cycle), not granted (the
registration lapses after the cycle end), or returned for correction; and granting after an upheld objection.

The caller holds the person's registration lock (``lock_registration``): every re-registration event of a person is
serialised on that row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from lklr_shared.contracts import registry as contracts
from lklr_shared.scheme import SchemeVersion
from registry.adapters.repositories import registrations as registration_rows
from registry.adapters.repositories import reregistrations as dossiers
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import (
    StoredCycle,
    load_registration,
    record_status_change,
    stored_cycle,
)
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.registrations import Registration
from registry.domain.reregistration import (
    NOT_GRANTED_REASON,
    ApplicationState,
    AuditOutcome,
    Grant,
    Refusal,
    ReturnForCorrection,
    decide,
    weeks_after,
)
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

log = logging.getLogger(__name__)


class UnknownRegistration(LookupError):
    """An event about a person the registry has no registration for: a data error, left to the dead-letter
    queue (with its message) for an operator rather than guessed at."""


async def lock_registration(session: Any, person_id: uuid.UUID) -> Registration:
    """The person's registration, locked until the commit: serialises every re-registration event of a person."""
    registration = await load_registration(session, person_id, for_update=True)
    if registration is None:
        raise UnknownRegistration(f"no registration for person {person_id}")
    return registration


async def cycle_by_id(session: Any, cycle_id: uuid.UUID) -> StoredCycle | None:
    """A cycle by its id, with its extensions, or None."""
    row = await registration_rows.cycle_row(session, cycle_id)
    return None if row is None else await stored_cycle(session, row)


def scheme_of(ctx: RegistryContext, stored: StoredCycle) -> SchemeVersion:
    """The scheme version the cycle is judged by (the one in force when it started, unless migrated)."""
    return ctx.scheme.get(stored.scheme_version)


async def decide_pending(uow: MailingUnitOfWork, ctx: RegistryContext, dossier_id: uuid.UUID, *, now: datetime) -> None:
    """Apply the recorded outcome of a pending application (the caller holds the registration's lock)."""
    session = uow.session
    row = await dossiers.load(session, dossier_id)
    assert row is not None and row.state == ApplicationState.PENDING and row.outcome is not None
    stored = await cycle_by_id(session, row.cycle_id)
    if stored is None:
        raise LookupError(f"pending application {dossier_id} names cycle {row.cycle_id}, which does not exist")
    registration = await lock_registration(session, row.person_id)
    today = ctx.today(now)
    next_start = stored.cycle.end + timedelta(days=1)
    decision = decide(
        AuditOutcome(row.outcome),
        cycle=stored.cycle,
        today=today,
        next_cycle_years=ctx.scheme_on(next_start).registration.cycle_years,
        correct_by=row.correction_due_on
        or weeks_after(row.concluded_on, scheme_of(ctx, stored).audit.correction_weeks),
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
                    scheme_of(ctx, stored).reregistration.reconsideration_weeks,
                    contact.language,
                ),
            )
        case ReturnForCorrection():
            await dossiers.update(session, dossier_id, updated_at=now, correction_due_on=decision.correct_by)
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
    await registration_rows.insert_cycle(
        session,
        next_cycle_id,
        row.person_id,
        sequence=stored.sequence + 1,
        starts_on=renewed.cycle.start,
        ends_on=renewed.cycle.end,
        scheme_version=version.version,
    )
    await registration_rows.set_status(session, row.person_id, renewed.status.value)
    await record_status_change(session, row.person_id, change)
    await dossiers.update(
        session,
        row.dossier_id,
        updated_at=now,
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
    await dossiers.update(
        uow.session,
        row.dossier_id,
        updated_at=now,
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


async def grant_after_objection(
    uow: MailingUnitOfWork, ctx: RegistryContext, dossier_id: uuid.UUID, *, now: datetime
) -> None:
    """An upheld objection against a refused re-registration: grant it after all, as the audit's "met" would
    have (the next cycle from the day after the old end). The registration, held in force by the objection, goes
    through re-registration pending to registered, so every reader sees the same moves as for a grant."""
    session = uow.session
    row = await dossiers.load(session, dossier_id)
    if row is None or row.cycle_id is None:
        raise LookupError(f"objection names dossier {dossier_id}, which the registry does not have")
    stored = await cycle_by_id(session, row.cycle_id)
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
    registration = await lock_registration(session, row.person_id)
    await _grant(uow, ctx, row, stored, registration, today=ctx.today(now), now=now)
