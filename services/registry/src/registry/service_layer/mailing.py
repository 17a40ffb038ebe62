"""Addressing mail: to a person (through their account's address) or to everyone in the register office."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import accounts, people, registrations
from registry.adapters.sql import may_hold_role
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import AccountRole, parse_account_roles
from registry.service_layer.notifications import Mail


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a person's mail goes and how it addresses them."""

    person_id: uuid.UUID
    email: str | None  # None: a person without an account (e.g. registered before accounts existed)
    name: str
    registration_number: str | None


async def contact_of(session: AsyncSession, person_id: uuid.UUID) -> Contact | None:
    """The person's address, name and registration number, or None when the person does not exist."""
    row = (
        await session.execute(
            sa.select(people.c.initials, people.c.surname, accounts.c.email, registrations.c.registration_number)
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
    )


async def mail_contact(uow: MailingUnitOfWork, contact: Contact, mail: Mail) -> uuid.UUID | None:
    """Queue ``mail`` to the person; None when they have no account to mail (nothing is queued then)."""
    if contact.email is None:
        return None
    subject, body = mail
    return await uow.queue_mail(to=contact.email, subject=subject, body=body, person_id=contact.person_id)


async def mail_office(uow: MailingUnitOfWork, mail: Mail) -> int:
    """Tell every office account about new work in its queue; returns how many mails were queued."""
    subject, body = mail
    # The query only narrows the rows; the exact check on the parsed list decides.
    rows = (
        await uow.session.execute(
            sa.select(accounts.c.account_id, accounts.c.email, accounts.c.account_roles).where(
                may_hold_role(accounts.c.account_roles, AccountRole.OFFICE.value)
            )
        )
    ).all()
    queued = 0
    for row in rows:
        if AccountRole.OFFICE in parse_account_roles(row.account_roles):
            await uow.queue_mail(to=row.email, subject=subject, body=body, person_id=row.account_id)
            queued += 1
    return queued
