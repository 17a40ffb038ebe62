"""Mail: the outbox a use case writes its mails into (sent by the mail relay after the commit), and where a
person's or the office's mail goes and in which language."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts.envelope import utcnow
from registry.adapters.orm import accounts, mail_outbox, people, registrations
from registry.adapters.repositories.people import with_account_and_registration
from registry.adapters.sql import lock_rows_skipping_locked, may_hold_role
from registry.domain.accounts import AccountRole, normalise_email, parse_account_roles
from registry.domain.languages import Language, stored_language

# ---------------------------------------------------------------------------------------------------------------
# The outbox


async def insert_mail(
    session: AsyncSession, *, to: str, subject: str, body: str, person_id: uuid.UUID | None
) -> uuid.UUID:
    """Write a mail into the outbox in the session's transaction; the mail relay sends it after the commit."""
    mail_id = uuid.uuid4()
    now = utcnow()
    await session.execute(
        sa.insert(mail_outbox).values(
            mail_id=mail_id,
            person_id=person_id,
            to_address=to,
            subject=subject,
            body=body,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )
    return mail_id


async def due_mails(session: AsyncSession, now: datetime, limit: int) -> list[Any]:
    """Unsent mails due for an attempt, oldest first (mail_id, to_address, subject, body, attempts); on PostgreSQL
    locked, skipping mails another relay replica holds."""
    query = (
        sa.select(
            mail_outbox.c.mail_id,
            mail_outbox.c.to_address,
            mail_outbox.c.subject,
            mail_outbox.c.body,
            mail_outbox.c.attempts,
        )
        .where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.next_attempt_at <= now)
        .order_by(mail_outbox.c.created_at)
        .limit(limit)
    )
    return list((await session.execute(lock_rows_skipping_locked(query, session, mail_outbox))).all())


async def mark_not_sent(
    session: AsyncSession, mail_id: uuid.UUID, *, attempts: int, error: str, next_attempt_at: datetime
) -> None:
    """Count a failed attempt at a mail, with its reason and when to try again."""
    await session.execute(
        sa.update(mail_outbox)
        .where(mail_outbox.c.mail_id == mail_id)
        .values(attempts=attempts, last_error=error[:2000], next_attempt_at=next_attempt_at)
    )


async def mark_sent(session: AsyncSession, mail_id: uuid.UUID, *, attempts: int, now: datetime) -> None:
    """Mark a mail sent. The body goes: it may hold a confirmation or reset link, and a copy of the database should
    not hand those out. Recipient, subject and times stay as the record."""
    await session.execute(
        sa.update(mail_outbox)
        .where(mail_outbox.c.mail_id == mail_id)
        .values(sent_at=now, attempts=attempts, body="", last_error=None)
    )


async def mails_of(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """Every mail written to the person, oldest first."""
    return list(
        (
            await session.execute(
                sa.select(mail_outbox).where(mail_outbox.c.person_id == person_id).order_by(mail_outbox.c.created_at)
            )
        ).all()
    )


# ---------------------------------------------------------------------------------------------------------------
# Recipients


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
            with_account_and_registration(
                sa.select(
                    people.c.initials,
                    people.c.surname,
                    accounts.c.email,
                    accounts.c.preferred_language,
                    registrations.c.registration_number,
                )
            ).where(people.c.person_id == person_id)
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


@dataclass(frozen=True, slots=True)
class OfficeMember:
    """An account holding the office role: where its mail goes, in its language."""

    account_id: uuid.UUID
    email: str
    language: Language


async def office_members(session: AsyncSession) -> list[OfficeMember]:
    """Every account holding the office role."""
    # The query only narrows the rows; the exact check on the parsed list decides.
    rows = (
        await session.execute(
            sa.select(
                accounts.c.account_id, accounts.c.email, accounts.c.account_roles, accounts.c.preferred_language
            ).where(may_hold_role(accounts.c.account_roles, AccountRole.OFFICE.value))
        )
    ).all()
    return [
        OfficeMember(account_id=row.account_id, email=row.email, language=stored_language(row.preferred_language))
        for row in rows
        if AccountRole.OFFICE in parse_account_roles(row.account_roles)
    ]
