"""The registry's tokens, each kept as its SHA-256 only: single-use mailed tokens (confirm, reset, enrol), the
sessions and API tokens a sign-in issues, and the short-lived token of a pending TOTP enrolment."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import access_tokens, accounts, one_time_tokens, people, totp_enrollments
from registry.adapters.security import new_token, token_hash
from registry.domain.accounts import AccessTokenKind, TokenPurpose

# ---------------------------------------------------------------------------------------------------------------
# Single-use mailed tokens


def _unused(account_id: uuid.UUID, purpose: TokenPurpose) -> list[sa.ColumnElement[bool]]:
    return [
        one_time_tokens.c.account_id == account_id,
        one_time_tokens.c.purpose == purpose.value,
        one_time_tokens.c.used_at.is_(None),
    ]


async def issue_one_time_token(
    session: AsyncSession, account_id: uuid.UUID, purpose: TokenPurpose, *, now: datetime, lifetime: timedelta
) -> str:
    """A fresh token for ``purpose``; any older unused one of the account stops working."""
    await session.execute(
        sa.update(one_time_tokens)
        .where(*_unused(account_id, purpose), one_time_tokens.c.invalidated_at.is_(None))
        .values(invalidated_at=now)
    )
    token = new_token()
    await session.execute(
        sa.insert(one_time_tokens).values(
            token_hash=token_hash(token),
            account_id=account_id,
            purpose=purpose.value,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _usable(purpose: TokenPurpose, token: str, now: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        one_time_tokens.c.token_hash == token_hash(token.strip()),
        one_time_tokens.c.purpose == purpose.value,
        one_time_tokens.c.used_at.is_(None),
        one_time_tokens.c.invalidated_at.is_(None),
        one_time_tokens.c.expires_at > now,
    ]


async def usable_one_time_token(
    session: AsyncSession, token: str, purpose: TokenPurpose, now: datetime
) -> uuid.UUID | None:
    """The account of a token that is unused, not replaced and not expired; None otherwise."""
    found = await session.execute(sa.select(one_time_tokens.c.account_id).where(*_usable(purpose, token, now)))
    account_id: uuid.UUID | None = found.scalar_one_or_none()
    return account_id


async def spend_one_time_token(
    session: AsyncSession, token: str, purpose: TokenPurpose, now: datetime
) -> uuid.UUID | None:
    """Mark the token used and return its account, in one conditional UPDATE: of two concurrent uses, exactly
    one gets the account and the other gets None."""
    spent = await session.execute(
        sa.update(one_time_tokens)
        .where(*_usable(purpose, token, now))
        .values(used_at=now)
        .returning(one_time_tokens.c.account_id)
    )
    account_id: uuid.UUID | None = spent.scalar_one_or_none()
    return account_id


async def mailed_since(session: AsyncSession, account_id: uuid.UUID, purpose: TokenPurpose, since: datetime) -> bool:
    """Whether a token for ``purpose`` was issued to the account (and so mailed) after ``since``."""
    found = await session.execute(
        sa.select(sa.func.count())
        .select_from(one_time_tokens)
        .where(
            one_time_tokens.c.account_id == account_id,
            one_time_tokens.c.purpose == purpose.value,
            one_time_tokens.c.created_at > since,
        )
    )
    return int(found.scalar_one()) > 0


async def use_up(session: AsyncSession, account_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> None:
    """Mark every unused token of the account for ``purpose`` used (its work is done another way)."""
    await session.execute(sa.update(one_time_tokens).where(*_unused(account_id, purpose)).values(used_at=now))


# ---------------------------------------------------------------------------------------------------------------
# Sessions and API tokens


async def issue_access_token(
    session: AsyncSession,
    account_id: uuid.UUID,
    kind: AccessTokenKind,
    *,
    now: datetime,
    expires_at: datetime,
    client_ip: str,
    second_factor: bool,
    label: str = "",
) -> str:
    """A new session or API token of the account; only its hash is kept."""
    token = new_token()
    await session.execute(
        sa.insert(access_tokens).values(
            token_hash=token_hash(token),
            account_id=account_id,
            token_kind=kind.value,
            label=label[:100],
            client_ip=client_ip[:64],
            issued_at=now,
            expires_at=expires_at,
            second_factor=second_factor,
        )
    )
    return token


async def valid_access_token(session: AsyncSession, token: str, kind: AccessTokenKind, now: datetime) -> Any:
    """A token that is not revoked or expired, of a confirmed account, with that account and its holder's name
    (expires_at, second_factor, account_id, email, account_roles, preferred_language, initials, surname); or
    None."""
    return (
        await session.execute(
            sa.select(
                access_tokens.c.expires_at,
                access_tokens.c.second_factor,
                accounts.c.account_id,
                accounts.c.email,
                accounts.c.account_roles,
                accounts.c.preferred_language,
                people.c.initials,
                people.c.surname,
            )
            .join(accounts, accounts.c.account_id == access_tokens.c.account_id)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(
                access_tokens.c.token_hash == token_hash(token),
                access_tokens.c.token_kind == kind.value,
                access_tokens.c.revoked_at.is_(None),
                access_tokens.c.expires_at > now,
                accounts.c.email_confirmed_at.is_not(None),
            )
        )
    ).first()


async def revoke_access_token(
    session: AsyncSession, token: str, kind: AccessTokenKind, now: datetime
) -> uuid.UUID | None:
    """Revoke one live token; its account, or None when it was unknown or already ended."""
    revoked = await session.execute(
        sa.update(access_tokens)
        .where(
            access_tokens.c.token_hash == token_hash(token),
            access_tokens.c.token_kind == kind.value,
            access_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(access_tokens.c.account_id)
    )
    account_id: uuid.UUID | None = revoked.scalar_one_or_none()
    return account_id


async def revoke_account_tokens(session: AsyncSession, account_id: uuid.UUID, now: datetime) -> int:
    """End every live session and API token of the account; returns how many were ended."""
    ended = await session.execute(
        sa.update(access_tokens)
        .where(access_tokens.c.account_id == account_id, access_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(access_tokens.c.token_hash)
    )
    return len(ended.all())


async def access_tokens_of(session: AsyncSession, account_id: uuid.UUID) -> list[Any]:
    """Every session and API token the account was issued, oldest first."""
    return list(
        (
            await session.execute(
                sa.select(access_tokens)
                .where(access_tokens.c.account_id == account_id)
                .order_by(access_tokens.c.issued_at)
            )
        ).all()
    )


# ---------------------------------------------------------------------------------------------------------------
# Pending TOTP enrolments


async def replace_enrollment(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    sealed_secret: str,
    token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Keep ``sealed_secret`` pending for the account, replacing an unconfirmed one (whose token stops working)."""
    await drop_enrollment(session, account_id)
    await session.execute(
        sa.insert(totp_enrollments).values(
            account_id=account_id,
            secret=sealed_secret,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=expires_at,
        )
    )


async def enrollment_by_token(session: AsyncSession, token: str, now: datetime) -> Any:
    """The pending enrolment of an unexpired enrolment token (account_id, secret, ...), or None."""
    return (
        await session.execute(
            sa.select(totp_enrollments).where(
                totp_enrollments.c.token_hash == token_hash(token.strip()),
                totp_enrollments.c.expires_at > now,
            )
        )
    ).first()


async def drop_enrollment(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Forget the account's pending enrolment, if any."""
    await session.execute(sa.delete(totp_enrollments).where(totp_enrollments.c.account_id == account_id))
