"""Registration applications: applying, following one's own application, and the office's queue and decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, Forbidden, NotFound, RuleViolation, invalid
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories import applications as application_rows
from registry.adapters.repositories import registrations as registration_rows
from registry.adapters.repositories.mail import account_language
from registry.adapters.repositories.people import person_row
from registry.adapters.repositories.registration_records import (
    application_from_row,
    application_row,
    application_view,
    application_views,
    load_registration,
    record_status_change,
)
from registry.adapters.repositories.security_log import record_action
from registry.domain import applications as rules
from registry.domain.accounts import AccountRole
from registry.domain.applications import ApplicationStatus, Approval, RegistrationApplication
from registry.domain.employers import employer_id_for
from registry.domain.languages import stored_language
from registry.domain.people import EmployerKind, Role, sorted_roles
from registry.domain.person_changes import hours_have_cents_at_most
from registry.service_layer import notifications
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_office


async def apply_for_registration(
    ctx: RegistryContext, command: contracts.ApplyForRegistration
) -> contracts.ApplicationView:
    """Submit the actor's application, checked against the scheme in force today."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, command.actor_account_id)
        session = uow.session
        now = ctx.now()
        minimum = ctx.scheme_on(ctx.today(now)).registration.min_hours_per_week
        if not hours_have_cents_at_most(command.hours_per_week):
            raise invalid("invalid_application", [("hours_invalid", "Give the hours with at most two decimals.")])
        if await application_rows.has_pending_application(session, actor.account_id):
            raise Conflict("application_pending", "You already have an application waiting for a decision.")
        registration = await load_registration(session, actor.account_id)
        barred = rules.application_barred(registration.status if registration is not None else None)
        if barred == "already_registered":
            assert registration is not None
            raise Conflict(barred, f"You are registered already (number {registration.number}).")
        if barred == "struck_off":
            raise Conflict(barred, "A struck-off registration cannot be renewed by a new application.")
        try:
            application = rules.submit_application(
                id=uuid.uuid4(),
                person_id=actor.account_id,
                roles=[Role(role) for role in command.roles],
                employer_name=command.employer_name,
                employer_kind=EmployerKind(command.employer_kind),
                hours_per_week=command.hours_per_week,
                declaration_accepted=command.declaration_accepted,
                submitted_at=now,
                minimum_hours_per_week=minimum,
            )
        except rules.InvalidApplication as exc:
            raise invalid("invalid_application", exc.problems) from exc
        try:
            employer_id = employer_id_for(application.employer_name)
        except ValueError as exc:  # a name without a single letter or digit
            raise invalid("invalid_application", [("employer_name_missing", str(exc))]) from exc
        if not await application_rows.insert_pending(session, application):
            # The partial unique index: another application of this person was submitted at the same moment.
            raise Conflict("application_pending", "You already have an application waiting for a decision.")
        # The application is the person's latest statement about their work: Mijn LKLR shows it from now on.
        await registration_rows.set_work(
            session,
            actor.account_id,
            employer_name=application.employer_name,
            employer_kind=application.employer_kind.value,
            employer_id=employer_id,
            hours_per_week=application.hours_per_week,
            now=now,
        )
        view = await application_view(session, application.id)
        assert view is not None
        applicant = f"{view.applicant_initials} {view.applicant_surname}"
        subject, body = notifications.application_received(applicant, await account_language(session, actor.account_id))
        await uow.queue_mail(to=actor.email, subject=subject, body=body, person_id=actor.account_id)
        await mail_office(uow, lambda lang: notifications.new_application_in_queue(applicant, lang))
        await record_action(
            uow,
            at=now,
            action="apply_for_registration",
            subject=f"application:{application.id}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=actor.account_id,
        )
        await uow.commit()
        return view


async def get_my_application(ctx: RegistryContext, query: contracts.GetMyApplication) -> contracts.ApplicationView:
    """The actor's most recent application."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        views = await application_views(uow.session, application_rows.of_person(actor.account_id), newest_first=True)
        if not views:
            raise NotFound("no_application", "You have not applied for registration.")
        return views[0]


async def get_application(ctx: RegistryContext, query: contracts.GetApplication) -> contracts.ApplicationView:
    """One application, for its applicant or the office; 404 for anyone else (existence is not revealed)."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        view = await application_view(uow.session, query.application_id)
        if view is None or not (view.person_id == actor.account_id or actor.has(AccountRole.OFFICE)):
            raise NotFound("not_found", "No such application.")
        return view


async def list_pending_applications(
    ctx: RegistryContext, query: contracts.ListPendingApplications
) -> contracts.PendingApplications:
    """The office's queue, oldest first."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        await require_role(
            uow, actor, AccountRole.OFFICE, at=ctx.now(), action="list_pending_applications", subject="applications"
        )
        views = await application_views(uow.session, application_rows.pending())
        return contracts.PendingApplications(applications=views)


async def decide_application(ctx: RegistryContext, command: contracts.DecideApplication) -> contracts.ApplicationView:
    """The office approves (number, first cycle, events, mail) or rejects (reason, mail) an application."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, command.actor_account_id)
        now = ctx.now()
        subject = f"application:{command.application_id}"
        await require_role(
            uow,
            actor,
            AccountRole.OFFICE,
            at=now,
            action="decide_application",
            subject=subject,
            client_ip=command.client_ip,
        )
        session = uow.session
        row = await application_row(session, command.application_id, for_update=True)
        if row is None:
            raise NotFound("not_found", "No such application.")
        if row.person_id == actor.account_id:
            raise Forbidden("own_application", "You cannot decide your own application.")
        if row.status != ApplicationStatus.PENDING.value:
            raise Conflict("already_decided", f"This application was already {row.status}.")
        application = application_from_row(row)
        today = ctx.today(now)
        decided_by = f"office:{actor.account_id}"
        person = await person_row(session, row.person_id)
        assert person is not None  # an application is a person's
        account = await registration_rows.account_address(session, row.person_id)
        email = account.email if account is not None else None
        lang = stored_language(account.preferred_language if account is not None else None)
        name = f"{person.initials} {person.surname}"

        if command.decision == "reject":
            try:
                rejected = rules.reject_application(
                    application, reason=command.reason, decided_on=today, decided_at=now, decided_by=decided_by
                )
            except rules.DecisionError as exc:
                raise RuleViolation("invalid_decision", str(exc)) from exc
            assert rejected.decision is not None
            await application_rows.store_decision(
                session, application.id, rejected.decision.outcome, today, now, decided_by, rejected.decision.reason
            )
            if email is not None:
                weeks = ctx.scheme_on(today).reregistration.reconsideration_weeks
                mail_subject, body = notifications.application_rejected(
                    name, rejected.decision.reason or "", weeks, lang
                )
                await uow.queue_mail(to=email, subject=mail_subject, body=body, person_id=row.person_id)
        else:
            approval = await _approve(uow, ctx, application, today=today, now=now, decided_by=decided_by)
            if email is not None:
                cycle = approval.registration.cycle
                mail_subject, body = notifications.application_approved(
                    name, approval.registration.number.value, cycle.start, cycle.end, lang
                )
                await uow.queue_mail(to=email, subject=mail_subject, body=body, person_id=row.person_id)
        await record_action(
            uow,
            at=now,
            action="decide_application",
            subject=subject,
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=row.person_id,
            detail={"decision": command.decision},
        )
        await uow.commit()
        view = await application_view(session, application.id)
        assert view is not None
        return view


async def _approve(
    uow: UnitOfWork,
    ctx: RegistryContext,
    application: RegistrationApplication,
    *,
    today: date,
    now: datetime,
    decided_by: str,
) -> Approval:
    """Approve a first application or a re-entry, and write everything it produces in this transaction."""
    session = uow.session
    version = ctx.scheme_on(today)
    cycle_years = version.registration.cycle_years
    existing = await load_registration(session, application.person_id, for_update=True)
    try:
        if existing is None:
            approval = rules.approve_application(
                application,
                number_sequence=await registration_rows.next_number_sequence(session),
                decided_on=today,
                decided_at=now,
                decided_by=decided_by,
                cycle_years=cycle_years,
            )
        else:
            approval = rules.approve_reentry(
                application, existing, decided_on=today, decided_at=now, decided_by=decided_by, cycle_years=cycle_years
            )
    except rules.DecisionError as exc:
        # E.g. the person was registered by other means after applying.
        raise Conflict("already_registered", str(exc)) from exc
    registration = approval.registration
    person_id = application.person_id
    if existing is None:
        await registration_rows.insert_registration(
            session,
            person_id,
            sequence=registration.number.sequence,
            number=registration.number.value,
            registered_since=registration.registered_since,
            status=registration.status.value,
        )
    else:
        await registration_rows.reopen_registration(
            session, person_id, registered_since=registration.registered_since, status=registration.status.value
        )
    await record_status_change(session, person_id, approval.status_change)
    cycle_sequence = await registration_rows.next_cycle_sequence(session, person_id)
    cycle_id = uuid.uuid4()
    await registration_rows.insert_cycle(
        session,
        cycle_id,
        person_id,
        sequence=cycle_sequence,
        starts_on=registration.cycle.start,
        ends_on=registration.cycle.end,
        scheme_version=version.version,
    )
    roles = [role.value for role in sorted_roles(approval.roles)]
    employer_id = employer_id_for(application.employer_name)
    await registration_rows.set_work(
        session,
        person_id,
        roles=roles,
        employer_name=application.employer_name,
        employer_kind=application.employer_kind.value,
        employer_id=employer_id,
        hours_per_week=application.hours_per_week,
        now=now,
    )
    await application_rows.store_decision(
        session, application.id, ApplicationStatus.APPROVED, today, now, decided_by, None
    )
    person = await person_row(session, person_id)
    if existing is None:
        # Readers insert a row per RegistrationGranted, so it is published once per person: a re-entry is a
        # status change (and a new cycle) of a registration they already know.
        uow.emit(
            contracts.RegistrationGranted(
                person_id=person_id,
                registration_number=registration.number.value,
                initials=person.initials,
                surname=person.surname,
                roles=roles,
                employer_id=employer_id,
                registered_since=registration.registered_since,
            )
        )
    uow.emit(
        contracts.RegistrationStatusChanged(
            person_id=person_id,
            registration_number=registration.number.value,
            old_status=approval.status_change.from_status.value,
            new_status=approval.status_change.to_status.value,
            effective_on=today,
            reason=approval.status_change.reason or "",
        )
    )
    uow.emit(
        contracts.CycleOpened(
            person_id=person_id,
            registration_number=registration.number.value,
            cycle_id=cycle_id,
            sequence=cycle_sequence,
            starts_on=registration.cycle.start,
            ends_on=registration.cycle.end,
            scheme_version=version.version,
        )
    )
    return approval
