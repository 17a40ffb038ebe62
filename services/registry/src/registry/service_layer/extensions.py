"""Extending a cycle for illness or pregnancy (the office; default at most 16 weeks per case), or refusing to.

A refusal is a decision about the person like any other: kept with its reasons and date, mailed, and open to
objection (``objections.decisions_of`` lists it)."""

from __future__ import annotations

import uuid

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, NotFound, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.objections import ObjectionRefused, check_reasons, filing_deadline
from registry.adapters.repositories import extensions as extension_rows
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import (
    StoredCycle,
    current_cycle,
    load_registration,
    person_id_for_number,
)
from registry.adapters.repositories.security_log import record_action
from registry.domain.cycles import Extension, ExtensionLimitExceeded, ExtensionReason, InvalidCycle
from registry.domain.registration_number import RegistrationNumber
from registry.domain.registrations import Registration, has_cycle_to_extend
from registry.service_layer import notifications, objections
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.office import office_member, typed_number


async def _extendable(uow: UnitOfWork, number: RegistrationNumber) -> tuple[uuid.UUID, Registration, StoredCycle]:
    """The registration a number names, locked, with its current cycle; 404 or 409 when it has none to extend."""
    session = uow.session
    person_id = await person_id_for_number(session, number)
    registration = None if person_id is None else await load_registration(session, person_id, for_update=True)
    if person_id is None or registration is None:
        raise NotFound("not_found", f"No registration {number}.")
    if not has_cycle_to_extend(registration.status):
        raise Conflict(
            "registration_not_active", f"Registration {number} is {registration.status}; it has no cycle to extend."
        )
    stored = await current_cycle(session, person_id)
    assert stored is not None  # a registration always has a cycle
    return person_id, registration, stored


async def extend_cycle(ctx: RegistryContext, command: contracts.ExtendCycle) -> contracts.CycleExtensionRecorded:
    """Extend the registration's current cycle; publish CycleOpened again with the new end and mail the person.

    The maximum is per case and comes from the scheme version the cycle is judged by. Two extensions of one
    registration at the same moment are serialised on the registration's row, so the maximum holds for both.
    """
    async with ctx.unit_of_work() as uow:
        # A refusal does not log the number typed: the append-only log holds no registration numbers, so an
        # erasure never has to edit it.
        actor, now = await office_member(
            uow,
            ctx,
            command.actor_account_id,
            action="extend_cycle",
            subject="registration",
            client_ip=command.client_ip,
        )
        number = typed_number(command.registration_number)
        person_id, _registration, stored = await _extendable(uow, number)
        max_weeks = ctx.scheme.get(stored.scheme_version).reregistration.max_extension_weeks
        try:
            extension = Extension(
                case=command.case_reference.strip(), reason=ExtensionReason(command.reason), weeks=command.weeks
            )
            extended = stored.cycle.extended(extension, max_weeks_per_case=max_weeks)
        except ExtensionLimitExceeded as exc:
            raise RuleViolation("extension_limit_exceeded", str(exc)) from exc
        except InvalidCycle as exc:
            raise RuleViolation("invalid_extension", str(exc)) from exc

        await extension_rows.record_extension(
            uow.session, stored.cycle_id, extension, ends_on=extended.end, at=now, by=f"office:{actor.account_id}"
        )
        # The same cycle announced again with its new end: readers upsert cycles by cycle_id.
        uow.emit(
            contracts.CycleOpened(
                person_id=person_id,
                registration_number=number.value,
                cycle_id=stored.cycle_id,
                sequence=stored.sequence,
                starts_on=extended.start,
                ends_on=extended.end,
                scheme_version=stored.scheme_version,
            )
        )
        contact = await contact_of(uow.session, person_id)
        if contact is not None:
            await mail_contact(
                uow,
                contact,
                notifications.cycle_extended(
                    contact.name, number.value, extended.end, extension.weeks, extension.reason.value, contact.language
                ),
            )
        await record_action(
            uow,
            at=now,
            action="extend_cycle",
            subject=f"person:{person_id}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=person_id,
            detail={
                "case_reference": extension.case,
                "reason": extension.reason.value,
                "weeks": str(extension.weeks),
                "ends_on": extended.end.isoformat(),
            },
        )
        await uow.commit()
        return contracts.CycleExtensionRecorded(
            registration_number=number.value,
            cycle=contracts.CycleView(
                cycle_id=stored.cycle_id,
                sequence=stored.sequence,
                starts_on=extended.start,
                ends_on=extended.end,
                scheme_version=stored.scheme_version,
            ),
            case_reference=extension.case,
            weeks_granted_for_case=extended.weeks_granted_for(extension.case),
            max_weeks_per_case=max_weeks,
        )


async def refuse_extension(
    ctx: RegistryContext, command: contracts.RefuseCycleExtension
) -> contracts.CycleExtensionRefused:
    """Record the office's refusal of a request to extend the cycle, with its reasons; mail the person with the
    last day to object."""
    async with ctx.unit_of_work() as uow:
        subject = f"registration:{command.registration_number}"
        actor, now = await office_member(
            uow, ctx, command.actor_account_id, action="refuse_extension", subject=subject, client_ip=command.client_ip
        )
        number = typed_number(command.registration_number)
        case_reference = command.case_reference.strip()
        if not case_reference:
            raise RuleViolation("invalid_extension", "Give the office's case reference.")
        try:
            reasons = check_reasons(command.reasons)
        except ObjectionRefused as exc:
            raise RuleViolation(exc.code, str(exc)) from exc
        person_id, _registration, stored = await _extendable(uow, number)
        today = ctx.today(now)
        refusal_id = uuid.uuid4()
        await extension_rows.insert_refusal(
            uow.session,
            refusal_id,
            person_id=person_id,
            cycle_id=stored.cycle_id,
            case_reference=case_reference,
            reason=command.reason,
            weeks=command.weeks,
            reasons=reasons,
            decided_on=today,
            decided_at=now,
            decided_by=f"office:{actor.account_id}",
        )
        # The objection window is the one the objection flow applies to this decision (the scheme's, in force
        # today).
        objection_until = filing_deadline(today, objections.terms(ctx, today))
        contact = await contact_of(uow.session, person_id)
        if contact is not None:
            await mail_contact(
                uow,
                contact,
                notifications.cycle_extension_refused(
                    contact.name,
                    number.value,
                    command.weeks,
                    command.reason,
                    reasons,
                    objection_until,
                    contact.language,
                ),
            )
        await record_action(
            uow,
            at=now,
            action="refuse_extension",
            subject=subject,
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=person_id,
            detail={"refusal_id": str(refusal_id), "case_reference": case_reference, "weeks": str(command.weeks)},
        )
        await uow.commit()
        return contracts.CycleExtensionRefused(
            registration_number=number.value, refusal_id=refusal_id, decided_on=today
        )
