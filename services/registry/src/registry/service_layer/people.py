"""Mijn LKLR: a person's own details, their changes (with eligibility notices for the office), and the export
of everything the registry holds about them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import (
    access_tokens,
    audit_trail,
    eligibility_notices,
    login_attempts,
    mail_outbox,
    people,
    registration_applications,
)
from registry.domain.accounts import AccountRole
from registry.domain.applications import ApplicationStatus
from registry.domain.employers import employer_id_for
from registry.domain.people import EmployerKind, Role, sorted_roles
from registry.domain.person_changes import InvalidPersonChange, PersonChange, apply_change
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.audit_log import record_action
from registry.service_layer.context import RegistryContext
from registry.service_layer.erasure import retention_of
from registry.service_layer.errors import invalid, not_found
from registry.service_layer.records import (
    as_utc,
    as_utc_or_none,
    hours_have_cents_at_most,
    load_registration,
    person_row,
    work_details,
)
from registry.service_layer.views import (
    account_view,
    application_views,
    eligibility_notice_views,
    person_view,
    registration_view,
)


def _minimum_hours(ctx: RegistryContext) -> Decimal:
    return ctx.scheme_on(ctx.today()).registration.min_hours_per_week


async def get_my_person(uow: UnitOfWork, ctx: RegistryContext, query: contracts.GetMyPerson) -> contracts.PersonView:
    """The actor's own personal and work details."""
    actor = await load_actor(uow, query.actor_account_id)
    view = await person_view(uow.session, actor.account_id, minimum_hours_per_week=_minimum_hours(ctx))
    if view is None:
        raise not_found("not_found", "No personal details for this account.")
    return view


async def update_my_person(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.UpdateMyPerson
) -> contracts.PersonUpdateResult:
    """Change the actor's own details; a drop below the minimum hours is recorded for the office."""
    actor = await load_actor(uow, command.actor_account_id)
    session = uow.session
    now = ctx.now()
    minimum = _minimum_hours(ctx)
    row = await person_row(session, actor.account_id, for_update=True)
    if row is None:
        raise not_found("not_found", "No personal details for this account.")
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
    await session.execute(
        sa.update(people)
        .where(people.c.person_id == actor.account_id)
        .values(
            initials=details.initials,
            surname=details.surname,
            roles=roles,
            employer_name=details.employer_name,
            employer_kind=details.employer_kind.value if details.employer_kind else None,
            employer_id=employer_id,
            hours_per_week=details.hours_per_week,
            updated_at=now,
        )
    )
    has_pending_application = (
        await session.execute(
            sa.select(registration_applications.c.application_id).where(
                registration_applications.c.person_id == actor.account_id,
                registration_applications.c.status == ApplicationStatus.PENDING.value,
            )
        )
    ).first() is not None
    # Only people the office deals with (registered, or waiting for a decision) raise a notice.
    notice_recorded = outcome.dropped_below_minimum and (registered or has_pending_application)
    if notice_recorded:
        assert details.hours_per_week is not None
        await session.execute(
            sa.insert(eligibility_notices).values(
                notice_id=uuid.uuid4(),
                person_id=actor.account_id,
                previous_hours_per_week=row.hours_per_week,
                hours_per_week=details.hours_per_week,
                minimum_hours_per_week=minimum,
                recorded_at=now,
            )
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
    uow: UnitOfWork, ctx: RegistryContext, query: contracts.ListEligibilityNotices
) -> contracts.EligibilityNotices:
    """Recorded drops below the minimum hours, newest first (office only)."""
    actor = await load_actor(uow, query.actor_account_id)
    await require_role(
        uow, actor, AccountRole.OFFICE, at=ctx.now(), action="list_eligibility_notices", subject="eligibility"
    )
    return contracts.EligibilityNotices(notices=await eligibility_notice_views(uow.session))


async def export_my_data(
    uow: UnitOfWork, ctx: RegistryContext, query: contracts.ExportMyData
) -> contracts.MyDataExport:
    """Everything the registry holds about the actor (credentials themselves excluded: see MyDataExport)."""
    actor = await load_actor(uow, query.actor_account_id)
    session = uow.session
    person_id = actor.account_id
    now = ctx.now()
    account = await account_view(session, person_id)
    assert account is not None
    attempts = (
        await session.execute(
            sa.select(login_attempts)
            .where(sa.or_(login_attempts.c.account_id == person_id, login_attempts.c.email == actor.email))
            .order_by(login_attempts.c.at)
        )
    ).all()
    trail = (
        await session.execute(
            sa.select(audit_trail)
            .where(sa.or_(audit_trail.c.person_id == person_id, audit_trail.c.actor_account_id == person_id))
            .order_by(audit_trail.c.at, audit_trail.c.entry_id)
        )
    ).all()
    mails = (
        await session.execute(
            sa.select(mail_outbox).where(mail_outbox.c.person_id == person_id).order_by(mail_outbox.c.created_at)
        )
    ).all()
    tokens = (
        await session.execute(
            sa.select(access_tokens).where(access_tokens.c.account_id == person_id).order_by(access_tokens.c.issued_at)
        )
    ).all()
    export = contracts.MyDataExport(
        exported_at=now,
        account=account,
        person=await person_view(session, person_id, minimum_hours_per_week=_minimum_hours(ctx)),
        applications=await application_views(session, registration_applications.c.person_id == person_id),
        registration=await registration_view(session, person_id),
        eligibility_notices=await eligibility_notice_views(session, eligibility_notices.c.person_id == person_id),
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
