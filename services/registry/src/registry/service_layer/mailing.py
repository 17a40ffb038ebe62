"""Addressing mail: to a person (through their account's address, in their preferred language) or to everyone in
the register office (each in their own language).

A mail sent at once after a request on a page (sign-up, a password reset) is in that page's language; every other
mail goes in the language the account prefers (``accounts.preferred_language``: the sign-up page's language at
first, changed on Mijn LKLR), and in Dutch to a person without an account.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import accounts, people, registrations
from registry.adapters.sql import may_hold_role
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import AccountRole, normalise_email, parse_account_roles
from registry.service_layer.notifications import DEFAULT_LANGUAGE, LANGUAGES, Language, Mail


def stored_language(value: str | None) -> Language:
    """The mail language of an account's stored preference; Dutch for a person without an account (None).

    The column's check constraint keeps other values out, so one here is a broken database: refused loudly rather
    than mailed in a language nobody chose.
    """
    if value is None:
        return DEFAULT_LANGUAGE
    for language in LANGUAGES:
        if value == language:
            return language
    raise ValueError(f"unknown preferred language {value!r} (expected one of {', '.join(LANGUAGES)})")


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a person's mail goes, how it addresses them and in which language."""

    person_id: uuid.UUID
    email: str | None  # None: a person without an account (e.g. registered before accounts existed)
    name: str
    registration_number: str | None
    language: Language


async def contact_of(session: AsyncSession, person_id: uuid.UUID) -> Contact | None:
    """The person's address, name, registration number and mail language, or None when the person does not
    exist."""
    row = (
        await session.execute(
            sa.select(
                people.c.initials,
                people.c.surname,
                accounts.c.email,
                accounts.c.preferred_language,
                registrations.c.registration_number,
            )
            .outerjoin(accounts, accounts.c.account_id == people.c.person_id)
            .outerjoin(registrations, registrations.c.person_id == people.c.person_id)
            .where(people.c.person_id == person_id)
        )
    ).first()
    if row is None:
        return None
    return Contact(
        person_id=person_id,
        email=row.email,
        name=f"{row.initials} {row.surname}",
        registration_number=row.registration_number,
        language=stored_language(row.preferred_language),
    )


async def account_language(session: AsyncSession, account_id: uuid.UUID) -> Language:
    """The language the account prefers for mail (Dutch when there is no such account)."""
    found = await session.execute(sa.select(accounts.c.preferred_language).where(accounts.c.account_id == account_id))
    return stored_language(found.scalar_one_or_none())


async def address_language(session: AsyncSession, email: str) -> Language:
    """The mail language for an address that is not a person's own, such as a training provider's contact address:
    the preference of the account with that address, else Dutch."""
    found = await session.execute(
        sa.select(accounts.c.preferred_language).where(accounts.c.email == normalise_email(email))
    )
    return stored_language(found.scalar_one_or_none())


async def mail_contact(uow: MailingUnitOfWork, contact: Contact, mail: Mail) -> uuid.UUID | None:
    """Queue ``mail`` (written in ``contact.language``) to the person; None when they have no account to mail
    (nothing is queued then)."""
    if contact.email is None:
        return None
    subject, body = mail
    return await uow.queue_mail(to=contact.email, subject=subject, body=body, person_id=contact.person_id)


async def mail_office(uow: MailingUnitOfWork, compose: Callable[[Language], Mail]) -> int:
    """Tell every office account about new work in its queue, each in its own language (``compose`` writes the
    mail in a language); returns how many mails were queued."""
    # The query only narrows the rows; the exact check on the parsed list decides.
    rows = (
        await uow.session.execute(
            sa.select(
                accounts.c.account_id, accounts.c.email, accounts.c.account_roles, accounts.c.preferred_language
            ).where(may_hold_role(accounts.c.account_roles, AccountRole.OFFICE.value))
        )
    ).all()
    queued = 0
    for row in rows:
        if AccountRole.OFFICE in parse_account_roles(row.account_roles):
            subject, body = compose(stored_language(row.preferred_language))
            await uow.queue_mail(to=row.email, subject=subject, body=body, person_id=row.account_id)
            queued += 1
    return queued
