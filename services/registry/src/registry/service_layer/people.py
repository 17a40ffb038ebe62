"""Mijn LKLR: a person's own details, their changes (with eligibility notices for the office), and the export
of everything the registry holds about them."""

from __future__ import annotations

from decimal import Decimal

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import NotFound, invalid
from registry.adapters.repositories.accounts import account_view
from registry.adapters.repositories.applications import has_pending_application
from registry.adapters.repositories.mail import mails_of
from registry.adapters.repositories.people import (
    add_eligibility_notice,
    eligibility_notice_views,
    person_row,
    person_view,
    store_work_details,
    work_details,
)
from registry.adapters.repositories.registration_records import applications_of, load_registration, registration_view
from registry.adapters.repositories.security_log import audit_entries_of, login_attempts_of, record_action
from registry.adapters.repositories.tokens import access_tokens_of
from registry.adapters.sql import as_utc, as_utc_or_none
from registry.domain.accounts import AccountRole
from registry.domain.employers import employer_id_for
from registry.domain.people import EmployerKind, Role, sorted_roles
from registry.domain.person_changes import InvalidPersonChange, PersonChange, apply_change, hours_have_cents_at_most
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.erasure import retention_of


def _minimum_hours(ctx: RegistryContext) -> Decimal:
    return ctx.scheme_on(ctx.today()).registration.min_hours_per_week


async def get_my_person(ctx: RegistryContext, query: contracts.GetMyPerson) -> contracts.PersonView:
    """The actor's own personal and work details."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        view = await person_view(uow.session, actor.account_id, minimum_hours_per_week=_minimum_hours(ctx))
    if view is None:
        raise NotFound("not_found", "No personal details for this account.")
    return view


async def update_my_person(ctx: RegistryContext, command: contracts.UpdateMyPerson) -> contracts.PersonUpdateResult:
    """Change the actor's own details; a drop below the minimum hours is recorded for the office."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, command.actor_account_id)
        session = uow.session
        now = ctx.now()
        minimum = _minimum_hours(ctx)
        row = await person_row(session, actor.account_id, for_update=True)
        if row is None:
            raise NotFound("not_found", "No personal details for this account.")
        if command.hours_per_week is not None and not hours_have_cents_at_most(command.hours_per_week):
            raise invalid("invalid_person_change", [("hours_per_week", "give the hours with at most two decimals.")])
        registration = await load_registration(session, actor.account_id)
        registered = registration is not None
        change = PersonChange(
            initials=command.initials,
            surname=command.surname,
            roles=frozenset(Role(role) for role in command.roles) if command.roles is not None else None,
            employer_name=command.employer_name,
            employer_kind=EmployerKind(command.employer_kind) if command.employer_kind is not None else None,
            hours_per_week=command.hours_per_week,
        )
        try:
            outcome = apply_change(work_details(row), change, minimum_hours_per_week=minimum, registered=registered)
        except InvalidPersonChange as exc:
            raise invalid("invalid_person_change", [(exc.field, exc.message)]) from exc
        details = outcome.details
        try:
            employer_id = employer_id_for(details.employer_name) if details.employer_name else row.employer_id
        except ValueError as exc:  # an employer name without a single letter or digit
            raise invalid("invalid_person_change", [("employer_name", str(exc))]) from exc
        if registered and (
            details.employer_name is None or details.employer_kind is None or details.hours_per_week is None
        ):
            # Other services learn of the change through PersonUpdated, which carries the whole work situation.
            raise invalid(
                "invalid_person_change", [("employer_name", "State the employer, its kind and your hours per week.")]
            )
        roles = [role.value for role in sorted_roles(details.roles)]
        await store_work_details(session, actor.account_id, details, employer_id=employer_id, now=now)
        # Only people the office deals with (registered, or waiting for a decision) raise a notice.
        notice_recorded = outcome.dropped_below_minimum and (
            registered or await has_pending_application(session, actor.account_id)
        )
        if notice_recorded:
            assert details.hours_per_week is not None
            await add_eligibility_notice(
                session,
                actor.account_id,
                previous_hours=row.hours_per_week,
                hours=details.hours_per_week,
                minimum_hours=minimum,
                now=now,
            )
        if registered:
            assert details.employer_name is not None and details.employer_kind is not None
            assert details.hours_per_week is not None and employer_id is not None
            uow.emit(
                contracts.PersonUpdated(
                    person_id=actor.account_id,
                    initials=details.initials,
                    surname=details.surname,
                    roles=roles,
                    employer_id=employer_id,
                    employer_name=details.employer_name,
                    employer_kind=details.employer_kind.value,
                    hours_per_week=float(details.hours_per_week),
                )
            )
        changed = [name for name in PersonChange.__dataclass_fields__ if getattr(change, name) is not None]
        await record_action(
            uow,
            at=now,
            action="update_person",
            subject=f"person:{actor.account_id}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=actor.account_id,
            detail={"fields": ",".join(changed), "eligibility_notice": str(notice_recorded).lower()},
        )
        await uow.commit()
        view = await person_view(session, actor.account_id, minimum_hours_per_week=minimum)
        assert view is not None
        return contracts.PersonUpdateResult(person=view, eligibility_notice_recorded=notice_recorded)


async def list_eligibility_notices(
    ctx: RegistryContext, query: contracts.ListEligibilityNotices
) -> contracts.EligibilityNotices:
    """Recorded drops below the minimum hours, newest first (office only)."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        await require_role(
            uow, actor, AccountRole.OFFICE, at=ctx.now(), action="list_eligibility_notices", subject="eligibility"
        )
        return contracts.EligibilityNotices(notices=await eligibility_notice_views(uow.session))


async def export_my_data(ctx: RegistryContext, query: contracts.ExportMyData) -> contracts.MyDataExport:
    """Everything the registry holds about the actor (credentials themselves excluded: see MyDataExport)."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        session = uow.session
        person_id = actor.account_id
        now = ctx.now()
        account = await account_view(session, person_id)
        assert account is not None
        attempts = await login_attempts_of(session, person_id, actor.email)
        trail = await audit_entries_of(session, person_id)
        mails = await mails_of(session, person_id)
        tokens = await access_tokens_of(session, person_id)
        export = contracts.MyDataExport(
            exported_at=now,
            account=account,
            person=await person_view(session, person_id, minimum_hours_per_week=_minimum_hours(ctx)),
            applications=await applications_of(session, person_id),
            registration=await registration_view(session, person_id),
            eligibility_notices=await eligibility_notice_views(session, person_id),
            retention=await retention_of(session, ctx, person_id),
            login_attempts=[
                contracts.LoginAttemptView(
                    at=as_utc(row.at), channel=row.channel, client_ip=row.client_ip, result=row.result
                )
                for row in attempts
            ],
            audit_trail=[
                contracts.AuditTrailEntryView(
                    at=as_utc(row.at),
                    action=row.action,
                    result=row.result,
                    client_ip=row.client_ip,
                    subject=row.subject,
                    detail={str(key): str(value) for key, value in (row.detail or {}).items()},
                )
                for row in trail
            ],
            mails=[
                contracts.MailRecordView(
                    to=row.to_address,
                    subject=row.subject,
                    created_at=as_utc(row.created_at),
                    sent_at=as_utc_or_none(row.sent_at),
                )
                for row in mails
            ],
            tokens=[
                contracts.TokenRecordView(
                    token_kind=row.token_kind,
                    label=row.label,
                    issued_at=as_utc(row.issued_at),
                    expires_at=as_utc(row.expires_at),
                    revoked_at=as_utc_or_none(row.revoked_at),
                )
                for row in tokens
            ],
        )
        # Reading one's own data is logged too: the export is the most complete copy of it that leaves the registry.
        await record_action(
            uow,
            at=now,
            action="export_my_data",
            subject=f"person:{person_id}",
            client_ip="",
            actor_account_id=person_id,
            person_id=person_id,
        )
        await uow.commit()
        return export
