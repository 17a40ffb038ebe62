"""Registrations: the person's own view, status changes by the office (or the system), and demo grants."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from registry.adapters.repositories import registrations as registration_rows
from registry.adapters.repositories.people import person_row
from registry.adapters.repositories.registration_records import (
    load_registration,
    person_id_for_number,
    record_status_change,
    registration_view,
)
from registry.adapters.repositories.security_log import record_action
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.cycles import Cycle
from registry.domain.languages import stored_language
from registry.domain.office_status_changes import check_office_status_change
from registry.domain.people import Role, sorted_roles
from registry.domain.registration_number import issue_number
from registry.domain.registrations import Registration
from registry.domain.status import REASON_REQUIRED, IllegalStatusTransition, RegistrationStatus, transition
from registry.service_layer import notifications
from registry.service_layer.actors import load_actor
from registry.service_layer.context import RegistryContext
from registry.service_layer.office import office_member, typed_number

SYSTEM_ACTOR = "system"


async def get_my_registration(ctx: RegistryContext, query: contracts.GetMyRegistration) -> contracts.RegistrationView:
    """The actor's registration: number, status, cycles and history."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        view = await registration_view(uow.session, actor.account_id)
        if view is None:
            raise NotFound("not_registered", "You are not registered (yet).")
        return view


async def change_registration_status(
    ctx: RegistryContext, command: contracts.ChangeRegistrationStatus
) -> contracts.RegistrationView:
    """The office expires, suspends or strikes off a registration, or lifts a suspension."""
    async with ctx.unit_of_work() as uow:
        actor, now = await office_member(
            uow,
            ctx,
            command.actor_account_id,
            action="change_registration_status",
            subject="registration",  # never the number typed: see extensions.py
            client_ip=command.client_ip,
        )
        number = typed_number(command.registration_number)
        person_id = await person_id_for_number(uow.session, number)
        if person_id is None:
            raise NotFound("not_found", f"No registration {number}.")
        await change_status(
            uow,
            ctx,
            person_id,
            RegistrationStatus(command.new_status),
            by=f"office:{actor.account_id}",
            reason=command.reason,
            now=now,
            manual=True,
        )
        await record_action(
            uow,
            at=now,
            action="change_registration_status",
            # The person, not the number: the append-only log must hold nothing an erasure would have to take out.
            subject=f"person:{person_id}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=person_id,
            detail={"new_status": command.new_status},
        )
        await uow.commit()
        view = await registration_view(uow.session, person_id)
        assert view is not None
        return view


async def change_status(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    person_id: uuid.UUID,
    to: RegistrationStatus,
    *,
    by: str,
    reason: str,
    now: datetime,
    manual: bool,
    effective_on: date | None = None,
    notify: bool = True,
) -> Registration:
    """Move a registration to ``to`` with the domain's transition rules, keep the history, publish
    RegistrationStatusChanged and (with ``notify``) mail the person; the caller commits.

    ``manual`` applies the office's extra limits (no flow transitions by hand). A scheduled expiry at cycle
    end calls this with ``by=SYSTEM_ACTOR``, ``manual=False`` and ``effective_on`` the day after the cycle end
    (readers judge "registered on that date" by it, however late the job ran). Flows that send their own mail
    (re-registration, expiry) pass ``notify=False``.
    """
    session = uow.session
    registration = await load_registration(session, person_id, for_update=True)
    if registration is None:
        raise NotFound("not_found", "No such registration.")
    if to in REASON_REQUIRED and not reason.strip():
        raise RuleViolation("reason_required", f"Changing a registration to {to} requires a reason.")
    try:
        if manual:
            check_office_status_change(registration.status, to)
        moved = registration.change_status(to, at=now, by=by, reason=reason or None)
    except IllegalStatusTransition as exc:
        raise Conflict("illegal_status_change", exc.message) from exc
    change = moved.history[-1]
    await registration_rows.set_status(session, person_id, moved.status.value)
    await record_status_change(session, person_id, change)
    uow.emit(
        contracts.RegistrationStatusChanged(
            person_id=person_id,
            registration_number=moved.number.value,
            old_status=change.from_status.value,
            new_status=change.to_status.value,
            effective_on=effective_on or ctx.today(now),
            reason=change.reason or "",
        )
    )
    if not notify:
        return moved
    contact = await registration_rows.status_mail_contact(session, person_id)
    if contact is not None:
        subject, body = notifications.status_changed(
            f"{contact.initials} {contact.surname}",
            moved.number.value,
            moved.status.value,
            change.reason,
            stored_language(contact.preferred_language),
        )
        await uow.queue_mail(to=contact.email, subject=subject, body=body, person_id=person_id)
    return moved


async def grant_demo_registration(
    ctx: RegistryContext, command: contracts.GrantDemoRegistration
) -> contracts.RegistrationReceipt:
    """Register a person directly and open their first cycle (demo data and tests only)."""
    async with ctx.unit_of_work() as uow:
        if not ctx.policy.allow_demo_commands:
            raise Forbidden("demo_commands_disabled", "Demo commands are switched off in this deployment.")
        session = uow.session
        now = ctx.now()
        version = ctx.scheme_on(command.registered_since)
        roles = [role.value for role in sorted_roles(Role(role) for role in command.roles)]
        if command.person_id is None:
            person_id = uuid.uuid4()
            await registration_rows.insert_person(
                session,
                person_id,
                initials=command.initials,
                surname=command.surname,
                roles=roles,
                employer_id=command.employer_id,
                now=now,
            )
        else:
            person_id = command.person_id
            if not await registration_rows.set_roles_and_employer(
                session, person_id, roles=roles, employer_id=command.employer_id, now=now
            ):
                raise NotFound("not_found", f"No person {person_id}.")
            if await load_registration(session, person_id) is not None:
                raise Conflict("already_registered", "This person is registered already.")
        number = issue_number(await registration_rows.next_number_sequence(session))
        cycle = Cycle.starting(command.registered_since, version.registration.cycle_years)
        cycle_id = uuid.uuid4()
        status, change = transition(
            RegistrationStatus.APPLIED, RegistrationStatus.REGISTERED, at=now, by="demo", reason="demo registration"
        )
        await registration_rows.insert_registration(
            session,
            person_id,
            sequence=number.sequence,
            number=number.value,
            registered_since=command.registered_since,
            status=status.value,
        )
        await record_status_change(session, person_id, change)
        await registration_rows.insert_cycle(
            session,
            cycle_id,
            person_id,
            sequence=1,
            starts_on=cycle.start,
            ends_on=cycle.end,
            scheme_version=version.version,
        )
        person = await person_row(session, person_id)
        uow.emit(
            contracts.RegistrationGranted(
                person_id=person_id,
                registration_number=number.value,
                initials=person.initials,
                surname=person.surname,
                roles=roles,
                employer_id=command.employer_id,
                registered_since=command.registered_since,
            )
        )
        uow.emit(
            contracts.CycleOpened(
                person_id=person_id,
                registration_number=number.value,
                cycle_id=cycle_id,
                sequence=1,
                starts_on=cycle.start,
                ends_on=cycle.end,
                scheme_version=version.version,
            )
        )
        await uow.commit()
        return contracts.RegistrationReceipt(person_id=person_id, registration_number=number.value)
