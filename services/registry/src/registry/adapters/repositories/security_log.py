"""The audit trail (every change by or about a person: who did what, when, from where, with what result; refusals
included) and the sign-in log (every attempt and its result): both append-only, written in the caller's transaction
and read back for the security event list and a person's data export."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import audit_trail, login_attempts
from registry.domain.accounts import LoginOutcome

# The result of an audit-trail entry: the action was done, or refused (and by whom and why is in the entry).
DONE = "done"
REFUSED = "refused"


class Transaction(Protocol):
    """What writing a log entry needs of a unit of work: its session (the entry commits or rolls back with it)."""

    @property
    def session(self) -> AsyncSession: ...


async def record_action(
    uow: Transaction,
    *,
    at: datetime,
    action: str,
    subject: str,
    client_ip: str,
    actor_account_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    result: str = DONE,
    detail: Mapping[str, str] | None = None,
) -> None:
    """Add an audit-trail entry in the caller's transaction (it commits or rolls back with the change)."""
    await uow.session.execute(
        sa.insert(audit_trail).values(
            at=at,
            actor_account_id=actor_account_id,
            person_id=person_id,
            action=action,
            subject=subject[:200],
            result=result,
            client_ip=client_ip[:64],
            detail=dict(detail or {}),
        )
    )


async def record_own_action(
    uow: Transaction,
    *,
    at: datetime,
    action: str,
    account_id: uuid.UUID,
    client_ip: str,
    detail: Mapping[str, str] | None = None,
) -> None:
    """Add an audit-trail entry of an account acting on itself (confirming, signing out, a new password)."""
    await record_action(
        uow,
        at=at,
        action=action,
        subject=f"account:{account_id}",
        client_ip=client_ip,
        actor_account_id=account_id,
        person_id=account_id,
        detail=detail,
    )


async def record_login_attempt(
    uow: Transaction,
    *,
    at: datetime,
    email: str,
    account_id: uuid.UUID | None,
    channel: str,
    client_ip: str,
    result: LoginOutcome,
) -> None:
    """Add a sign-in log row in the caller's transaction."""
    await uow.session.execute(
        sa.insert(login_attempts).values(
            at=at,
            email=email[:254],
            account_id=account_id,
            channel=channel,
            client_ip=client_ip[:64],
            result=result.value,
        )
    )


async def action_logged_since(
    session: AsyncSession, person_id: uuid.UUID, action: str, result: str, since: datetime
) -> bool:
    """Whether the audit trail holds ``action`` with ``result`` about the person after ``since``."""
    found = await session.execute(
        sa.select(sa.func.count())
        .select_from(audit_trail)
        .where(
            audit_trail.c.person_id == person_id,
            audit_trail.c.action == action,
            audit_trail.c.result == result,
            audit_trail.c.at > since,
        )
    )
    return int(found.scalar_one()) > 0


async def newest_login_attempts(session: AsyncSession, *, limit: int, before: datetime | None) -> list[Any]:
    """The newest sign-in log rows (older than ``before`` if given)."""
    query = sa.select(login_attempts).order_by(login_attempts.c.at.desc()).limit(limit)
    if before is not None:
        query = query.where(login_attempts.c.at < before)
    return list((await session.execute(query)).all())


async def newest_audit_entries(
    session: AsyncSession, *, limit: int, action: str | None, before: datetime | None
) -> list[Any]:
    """The newest audit-trail entries (of one ``action``, and older than ``before``, if given)."""
    query = sa.select(audit_trail).order_by(audit_trail.c.at.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_trail.c.action == action)
    if before is not None:
        query = query.where(audit_trail.c.at < before)
    return list((await session.execute(query)).all())


async def login_attempts_of(session: AsyncSession, account_id: uuid.UUID, email: str) -> list[Any]:
    """Every sign-in attempt by the account or at its address, oldest first."""
    return list(
        (
            await session.execute(
                sa.select(login_attempts)
                .where(sa.or_(login_attempts.c.account_id == account_id, login_attempts.c.email == email))
                .order_by(login_attempts.c.at)
            )
        ).all()
    )


async def audit_entries_of(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """Every audit-trail entry by or about the person, oldest first."""
    return list(
        (
            await session.execute(
                sa.select(audit_trail)
                .where(sa.or_(audit_trail.c.person_id == person_id, audit_trail.c.actor_account_id == person_id))
                .order_by(audit_trail.c.at, audit_trail.c.entry_id)
            )
        ).all()
    )
