"""Replies built from the registry's tables: applications, registrations, people and accounts as the gateway
sees them. Only these functions decide which columns leave the service in a reply."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from registry.adapters.orm import (
    accounts,
    cycles,
    eligibility_notices,
    people,
    registration_applications,
    registrations,
    status_history,
)
from registry.adapters.sql import may_hold_role
from registry.domain.accounts import STAFF_ROLES, AccountRole, parse_account_roles, sorted_account_roles
from registry.domain.people import sorted_roles
from registry.domain.person_changes import is_below_minimum
from registry.domain.status import RegistrationStatus
from registry.service_layer.mailing import stored_language
from registry.service_layer.records import as_utc, as_utc_or_none, roles_of

_applications_query = (
    sa.select(
        registration_applications,
        people.c.initials,
        people.c.surname,
        accounts.c.email,
        registrations.c.registration_number,
    )
    .join(people, people.c.person_id == registration_applications.c.person_id)
    .outerjoin(accounts, accounts.c.account_id == registration_applications.c.person_id)
    .outerjoin(registrations, registrations.c.person_id == registration_applications.c.person_id)
)


def _application_view(row: Any) -> contracts.ApplicationView:
    approved = row.status == "approved"
    return contracts.ApplicationView(
        application_id=row.application_id,
        person_id=row.person_id,
        applicant_initials=row.initials,
        applicant_surname=row.surname,
        applicant_email=row.email,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        employer_name=row.employer_name,
        employer_kind=row.employer_kind,
        hours_per_week=Decimal(row.hours_per_week),
        submitted_at=as_utc(row.submitted_at),
        status=row.status,
        decided_on=row.decided_on,
        decided_at=as_utc_or_none(row.decided_at),
        reason=row.reason,
        # The number belongs to the registration, which exists only after approval (a rejected re-entry
        # applicant keeps an old number that this application did not issue).
        registration_number=row.registration_number if approved else None,
    )


async def application_view(session: AsyncSession, application_id: uuid.UUID) -> contracts.ApplicationView | None:
    row = (
        await session.execute(_applications_query.where(registration_applications.c.application_id == application_id))
    ).first()
    return None if row is None else _application_view(row)


async def application_views(
    session: AsyncSession, *conditions: sa.ColumnElement[bool], newest_first: bool = False
) -> list[contracts.ApplicationView]:
    order = registration_applications.c.submitted_at
    rows = (
        await session.execute(_applications_query.where(*conditions).order_by(order.desc() if newest_first else order))
    ).all()
    return [_application_view(row) for row in rows]


def _cycle_view(row: Any) -> contracts.CycleView:
    return contracts.CycleView(
        cycle_id=row.cycle_id,
        sequence=row.sequence,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        scheme_version=row.scheme_version,
        norm_met_on=row.norm_met_on,
    )


async def registration_view(session: AsyncSession, person_id: uuid.UUID) -> contracts.RegistrationView | None:
    """The registration with every cycle and the status history (history without who changed it: the
    person sees what happened and why; the actor reference stays in the registry's own records)."""
    row = (
        await session.execute(
            sa.select(registrations, people.c.initials, people.c.surname, people.c.roles)
            .join(people, people.c.person_id == registrations.c.person_id)
            .where(registrations.c.person_id == person_id)
        )
    ).first()
    if row is None:
        return None
    cycle_rows = (
        await session.execute(sa.select(cycles).where(cycles.c.person_id == person_id).order_by(cycles.c.sequence))
    ).all()
    history_rows = (
        await session.execute(
            sa.select(status_history)
            .where(status_history.c.person_id == person_id)
            .order_by(status_history.c.at, status_history.c.entry_id)
        )
    ).all()
    cycle_views = [_cycle_view(cycle) for cycle in cycle_rows]
    current = cycle_views[-1] if cycle_views else None
    struck_off = row.status == RegistrationStatus.STRUCK_OFF
    return contracts.RegistrationView(
        person_id=person_id,
        registration_number=row.registration_number,
        initials=row.initials,
        surname=row.surname,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        status=row.status,
        registered_since=row.registered_since,
        valid_until=None if struck_off or current is None else current.ends_on,
        current_cycle=current,
        cycles=cycle_views,
        status_history=[
            contracts.StatusChangeView(
                from_status=entry.from_status, to_status=entry.to_status, at=as_utc(entry.at), reason=entry.reason
            )
            for entry in history_rows
        ],
    )


async def person_view(
    session: AsyncSession, person_id: uuid.UUID, *, minimum_hours_per_week: Decimal
) -> contracts.PersonView | None:
    row = (
        await session.execute(
            sa.select(people, accounts.c.email, registrations.c.registration_number, registrations.c.status)
            .outerjoin(accounts, accounts.c.account_id == people.c.person_id)
            .outerjoin(registrations, registrations.c.person_id == people.c.person_id)
            .where(people.c.person_id == person_id)
        )
    ).first()
    if row is None:
        return None
    hours = Decimal(row.hours_per_week) if row.hours_per_week is not None else None
    return contracts.PersonView(
        person_id=person_id,
        email=row.email,
        initials=row.initials,
        surname=row.surname,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        employer_name=row.employer_name,
        employer_kind=row.employer_kind,
        hours_per_week=hours,
        minimum_hours_per_week=minimum_hours_per_week,
        below_minimum_hours=is_below_minimum(hours, minimum_hours_per_week),
        registration_number=row.registration_number,
        registration_status=row.status,
    )


async def account_view(session: AsyncSession, account_id: uuid.UUID) -> contracts.AccountView | None:
    row = (
        await session.execute(
            sa.select(accounts, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.account_id == account_id)
        )
    ).first()
    if row is None:
        return None
    return contracts.AccountView(
        account_id=account_id,
        email=row.email,
        initials=row.initials,
        surname=row.surname,
        account_roles=[role.value for role in sorted_account_roles(parse_account_roles(row.account_roles))],
        email_confirmed=row.email_confirmed_at is not None,
        totp_enrolled=row.totp_secret is not None,
        created_at=as_utc(row.created_at),
        preferred_language=stored_language(row.preferred_language),
    )


async def staff_account_views(
    session: AsyncSession, role: AccountRole | None, *, in_register: frozenset[RegistrationStatus]
) -> list[contracts.StaffAccountView]:
    """Accounts holding ``role`` (any staff role without one), by surname, initials and e-mail.

    The roles are a JSON list: the query narrows by text, and the parsed roles decide (as for the office's mail).
    """
    wanted = frozenset({role}) if role is not None else STAFF_ROLES
    rows = (
        await session.execute(
            sa.select(
                accounts.c.account_id,
                accounts.c.email,
                accounts.c.account_roles,
                accounts.c.totp_secret,
                people.c.initials,
                people.c.surname,
                people.c.employer_name,
                people.c.employer_id,
                registrations.c.registration_number,
                registrations.c.status,
            )
            .join(people, people.c.person_id == accounts.c.account_id)
            .outerjoin(registrations, registrations.c.person_id == accounts.c.account_id)
            .where(sa.or_(*(may_hold_role(accounts.c.account_roles, each.value) for each in sorted(wanted))))
            .order_by(people.c.surname, people.c.initials, accounts.c.email)
        )
    ).all()
    views = []
    for row in rows:
        roles = parse_account_roles(row.account_roles)
        if not roles & wanted:
            continue
        views.append(
            contracts.StaffAccountView(
                account_id=row.account_id,
                email=row.email,
                initials=row.initials,
                surname=row.surname,
                account_roles=[each.value for each in sorted_account_roles(roles)],
                registered_professional=row.status is not None and RegistrationStatus(row.status) in in_register,
                registration_number=row.registration_number,
                registration_status=row.status,
                employer_name=row.employer_name,
                employer_id=row.employer_id,
                totp_enrolled=row.totp_secret is not None,
            )
        )
    return views


async def eligibility_notice_views(
    session: AsyncSession, *conditions: sa.ColumnElement[bool]
) -> list[contracts.EligibilityNoticeView]:
    rows = (
        await session.execute(
            sa.select(eligibility_notices, people.c.initials, people.c.surname, registrations.c.registration_number)
            .join(people, people.c.person_id == eligibility_notices.c.person_id)
            .outerjoin(registrations, registrations.c.person_id == eligibility_notices.c.person_id)
            .where(*conditions)
            .order_by(eligibility_notices.c.recorded_at.desc())
        )
    ).all()
    return [
        contracts.EligibilityNoticeView(
            notice_id=row.notice_id,
            person_id=row.person_id,
            initials=row.initials,
            surname=row.surname,
            registration_number=row.registration_number,
            previous_hours_per_week=(
                Decimal(row.previous_hours_per_week) if row.previous_hours_per_week is not None else None
            ),
            hours_per_week=Decimal(row.hours_per_week),
            minimum_hours_per_week=Decimal(row.minimum_hours_per_week),
            recorded_at=as_utc(row.recorded_at),
        )
        for row in rows
    ]
