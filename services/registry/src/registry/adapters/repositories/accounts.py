"""Accounts and the person row each one belongs to: finding, creating and changing them, and the account replies
(one's own account, the staff list) built from them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from registry.adapters.orm import accounts, people, registrations
from registry.adapters.sql import as_utc, may_hold_role
from registry.domain.accounts import STAFF_ROLES, AccountRole, parse_account_roles, sorted_account_roles
from registry.domain.languages import stored_language
from registry.domain.status import RegistrationStatus


async def account_by_email(session: AsyncSession, email: str) -> Any:
    """The account row with this (normalised) address, or None."""
    return (await session.execute(sa.select(accounts).where(accounts.c.email == email))).first()


async def account_by_id(session: AsyncSession, account_id: uuid.UUID) -> Any:
    """The account row (which must exist)."""
    return (await session.execute(sa.select(accounts).where(accounts.c.account_id == account_id))).one()


async def account_id_by_email(session: AsyncSession, email: str) -> uuid.UUID | None:
    """The id of the account with this (normalised) address, or None."""
    found = await session.execute(sa.select(accounts.c.account_id).where(accounts.c.email == email))
    account_id: uuid.UUID | None = found.scalar_one_or_none()
    return account_id


async def named_account_by_email(session: AsyncSession, email: str) -> Any:
    """The account with this address with its holder's name (account_id, email_confirmed_at, initials, surname),
    or None."""
    return (
        await session.execute(
            sa.select(accounts.c.account_id, accounts.c.email_confirmed_at, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.email == email)
        )
    ).first()


async def confirmed_account(session: AsyncSession, account_id: uuid.UUID) -> Any:
    """The email and roles of a confirmed account, or None (no such account, or its address not confirmed)."""
    return (
        await session.execute(
            sa.select(accounts.c.email, accounts.c.account_roles).where(
                accounts.c.account_id == account_id, accounts.c.email_confirmed_at.is_not(None)
            )
        )
    ).first()


async def add_account(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    email: str,
    password_hash: str,
    initials: str,
    surname: str,
    roles: Sequence[AccountRole],
    now: datetime,
    **columns: Any,
) -> bool:
    """Insert a person and their account (``columns``: further account columns, e.g. ``preferred_language``).
    False when the address was taken meanwhile (a concurrent sign-up won; the transaction must then end)."""
    try:
        await session.execute(
            sa.insert(people).values(
                person_id=account_id, initials=initials, surname=surname, roles=[], created_at=now, updated_at=now
            )
        )
        await session.execute(
            sa.insert(accounts).values(
                account_id=account_id,
                email=email,
                password_hash=password_hash,
                account_roles=[role.value for role in roles],
                created_at=now,
                **columns,
            )
        )
    except IntegrityError:
        return False
    return True


async def replace_unconfirmed(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    password_hash: str,
    language: str,
    initials: str,
    surname: str,
    now: datetime,
) -> None:
    """A new sign-up for an unconfirmed account: its password, language and name as that sign-up gave them."""
    await session.execute(
        sa.update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(password_hash=password_hash, preferred_language=language)
    )
    await session.execute(
        sa.update(people)
        .where(people.c.person_id == account_id)
        .values(initials=initials, surname=surname, updated_at=now)
    )


async def update_account(session: AsyncSession, account_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one account (the caller names them: ``email_confirmed_at``, ``totp_last_step``, ...)."""
    await session.execute(sa.update(accounts).where(accounts.c.account_id == account_id).values(**values))


async def lock_preferred_language(session: AsyncSession, account_id: uuid.UUID) -> str:
    """The account's stored mail language, its row locked until the commit."""
    found = await session.execute(
        sa.select(accounts.c.preferred_language).where(accounts.c.account_id == account_id).with_for_update()
    )
    language: str = found.scalar_one()
    return language


async def lock_for_role_change(session: AsyncSession, account_id: uuid.UUID, role: AccountRole) -> Sequence[Any]:
    """Lock the target account and every account that may hold ``role`` (account_id, account_roles, totp_secret),
    in one statement in key order, so two concurrent role changes queue behind each other and cannot deadlock.
    The rows only narrow by text: the caller decides on the parsed roles."""
    return (
        await session.execute(
            sa.select(accounts.c.account_id, accounts.c.account_roles, accounts.c.totp_secret)
            .where(sa.or_(accounts.c.account_id == account_id, may_hold_role(accounts.c.account_roles, role.value)))
            .order_by(accounts.c.account_id)
            .with_for_update()
        )
    ).all()


async def account_view(session: AsyncSession, account_id: uuid.UUID) -> contracts.AccountView | None:
    """The account as its holder and the administrator see it, or None."""
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
