"""Erasure: the registry's rows of a person removed (or stripped of them), the erasures and the services'
confirmations kept, and the logs pruned after their retention."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.kit.erasure import forget_in_kit_tables
from lklr_shared.kit.security_log import allow_log_erasure
from registry.adapters.orm import (
    access_tokens,
    accounts,
    audit_trail,
    credentials,
    cycle_extension_refusals,
    cycle_extensions,
    cycles,
    eligibility_notices,
    entry_notices,
    erasure_confirmations,
    erasures,
    login_attempts,
    login_throttle,
    mail_outbox,
    objections,
    one_time_tokens,
    people,
    registration_applications,
    registrations,
    reminders_sent,
    reregistrations,
    status_history,
    totp_enrollments,
)
from registry.adapters.sql import claim
from registry.domain.applications import ApplicationStatus


async def registration_state(session: AsyncSession, person_id: uuid.UUID) -> Any:
    """The person's registration status and number, or None without a registration."""
    return (
        await session.execute(
            sa.select(registrations.c.status, registrations.c.registration_number).where(
                registrations.c.person_id == person_id
            )
        )
    ).first()


async def last_moved_to(session: AsyncSession, person_id: uuid.UUID, statuses: Collection[str]) -> datetime | None:
    """When the person's registration last moved to one of ``statuses`` (None: never)."""
    at: datetime | None = (
        await session.execute(
            sa.select(sa.func.max(status_history.c.at)).where(
                status_history.c.person_id == person_id, status_history.c.to_status.in_(statuses)
            )
        )
    ).scalar_one_or_none()
    return at


async def lock_account_roles(session: AsyncSession, account_id: uuid.UUID) -> Any:
    """The account's roles (a JSON list), the row locked; None without such an account."""
    return (
        await session.execute(
            sa.select(accounts.c.account_roles).where(accounts.c.account_id == account_id).with_for_update()
        )
    ).first()


async def pending_applications(session: AsyncSession, person_id: uuid.UUID) -> int:
    """How many applications of the person wait for a decision."""
    count: int = (
        await session.execute(
            sa.select(sa.func.count())
            .select_from(registration_applications)
            .where(
                registration_applications.c.person_id == person_id,
                registration_applications.c.status == ApplicationStatus.PENDING.value,
            )
        )
    ).scalar_one()
    return count


async def kinds_erased_since(session: AsyncSession, pseudonym: str, since: datetime) -> list[list[str]]:
    """The kinds of data each erasure under ``pseudonym`` requested at or after ``since`` took."""
    rows = await session.execute(
        sa.select(erasures.c.kinds).where(erasures.c.pseudonym == pseudonym, erasures.c.requested_at >= since)
    )
    return list(rows.scalars())


async def insert_erasure(
    session: AsyncSession, erasure_id: uuid.UUID, *, pseudonym: str, kinds: list[str], reason: str, at: datetime
) -> None:
    """Keep the erasure under the person's pseudonym (the services' confirmations refer to it)."""
    await session.execute(
        sa.insert(erasures).values(
            erasure_id=erasure_id, pseudonym=pseudonym, kinds=kinds, reason=reason, requested_at=at
        )
    )


async def pseudonym_of_erasure(session: AsyncSession, erasure_id: uuid.UUID) -> str | None:
    """The pseudonym an erasure was kept under, or None for an unknown erasure."""
    pseudonym: str | None = (
        await session.execute(sa.select(erasures.c.pseudonym).where(erasures.c.erasure_id == erasure_id))
    ).scalar_one_or_none()
    return pseudonym


async def claim_confirmation(session: AsyncSession, erasure_id: uuid.UUID, service: str, **values: Any) -> bool:
    """Keep a service's confirmation of an erasure; False when that service confirmed it before."""
    return await claim(
        session,
        erasure_confirmations,
        {"erasure_id": erasure_id, "service": service, **values},
        [erasure_confirmations.c.erasure_id, erasure_confirmations.c.service],
    )


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


async def erase_ended_logs(session: AsyncSession, person_id: uuid.UUID, *, now: datetime) -> int:
    """The mails about a registration long ended and the sign-ins that ended (an account still in use keeps its
    live sessions); returns the rows removed."""
    rows = await _deleted(
        session, sa.delete(mail_outbox).where(mail_outbox.c.person_id == person_id, mail_outbox.c.sent_at < now)
    )
    for table in (access_tokens, one_time_tokens):
        rows += await _deleted(
            session, sa.delete(table).where(table.c.account_id == person_id, table.c.expires_at < now)
        )
    return rows


async def erase_portfolio_notices(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The person's noted provider-placed entries; returns the rows removed."""
    return await _deleted(session, sa.delete(entry_notices).where(entry_notices.c.person_id == person_id))


async def erase_everything(session: AsyncSession, person_id: uuid.UUID, *, number: str | None, now: datetime) -> int:
    """Every row of the person in the registry (credentials keep their row without the person); returns the rows
    removed or stripped of the person."""
    # Credentials keep their row without the person, so their status bits stay set (revoked stays revoked).
    rows = await _deleted(
        session,
        sa.update(credentials)
        .where(credentials.c.person_id == person_id)
        .values(
            person_id=None,
            revoked_at=sa.func.coalesce(credentials.c.revoked_at, now),
            revoked_reason=sa.func.coalesce(credentials.c.revoked_reason, "erased"),
        ),
    )
    person_cycles = sa.select(cycles.c.cycle_id).where(cycles.c.person_id == person_id).scalar_subquery()
    email = (
        await session.execute(sa.select(accounts.c.email).where(accounts.c.account_id == person_id))
    ).scalar_one_or_none()
    rows += await _erase_logs_of(session, person_id, email)
    statements = [
        sa.delete(reminders_sent).where(reminders_sent.c.person_id == person_id),
        sa.delete(reminders_sent).where(reminders_sent.c.cycle_id.in_(person_cycles)),
        sa.delete(cycle_extensions).where(cycle_extensions.c.cycle_id.in_(person_cycles)),
        sa.delete(cycle_extension_refusals).where(cycle_extension_refusals.c.person_id == person_id),
        sa.delete(reregistrations).where(reregistrations.c.person_id == person_id),
        # Objections are part of the registration's decisions: kept as long as they are, erased with them.
        sa.delete(objections).where(objections.c.person_id == person_id),
        sa.delete(status_history).where(status_history.c.person_id == person_id),
        sa.delete(cycles).where(cycles.c.person_id == person_id),
        sa.delete(registrations).where(registrations.c.person_id == person_id),
        sa.delete(registration_applications).where(registration_applications.c.person_id == person_id),
        sa.delete(eligibility_notices).where(eligibility_notices.c.person_id == person_id),
        sa.delete(entry_notices).where(entry_notices.c.person_id == person_id),
        sa.delete(mail_outbox).where(mail_outbox.c.person_id == person_id),
        sa.delete(one_time_tokens).where(one_time_tokens.c.account_id == person_id),
        sa.delete(access_tokens).where(access_tokens.c.account_id == person_id),
        sa.delete(totp_enrollments).where(totp_enrollments.c.account_id == person_id),
        sa.delete(accounts).where(accounts.c.account_id == person_id),
        sa.delete(people).where(people.c.person_id == person_id),
    ]
    if email is not None:
        statements.append(sa.delete(login_throttle).where(login_throttle.c.email.in_({email, email.strip().lower()})))
        statements.append(sa.delete(mail_outbox).where(mail_outbox.c.to_address == email))
    for statement in statements:
        rows += await _deleted(session, statement)
    rows += await forget_in_kit_tables(session, [str(person_id), number or ""])
    return rows


async def _erase_logs_of(session: AsyncSession, person_id: uuid.UUID, email: str | None) -> int:
    """Delete the sign-in log's and the audit trail's rows that name the person: by account id, and by every
    address the account had (the current one, and those typed in sign-ins of this account; attempts with the
    same address before the account existed carry no account id). The erasure's own line is written after this,
    under the pseudonym."""
    typed = (
        await session.execute(
            sa.select(login_attempts.c.email).where(login_attempts.c.account_id == person_id).distinct()
        )
    ).scalars()
    emails = set(typed)
    if email is not None:
        emails |= {email, email.strip().lower()}
    subjects = [f"account:{person_id}", f"person:{person_id}", *(f"email:{address}" for address in emails)]
    # Erasure is the reason the logs may lose rows at all; the flag lives only for these two statements.
    async with allow_log_erasure(session):
        attempts = await _deleted(
            session,
            sa.delete(login_attempts).where(
                sa.or_(login_attempts.c.account_id == person_id, login_attempts.c.email.in_(emails))
            ),
        )
        trail = await _deleted(
            session,
            sa.delete(audit_trail).where(
                sa.or_(
                    audit_trail.c.person_id == person_id,
                    audit_trail.c.actor_account_id == person_id,
                    audit_trail.c.subject.in_(subjects),
                )
            ),
        )
    return attempts + trail


async def prune_logs(
    session: AsyncSession, *, before: datetime, limit: int, keep_actions: Sequence[str]
) -> tuple[int, int]:
    """Delete up to ``limit`` rows of each of the sign-in log and the audit trail written before ``before``,
    except audit lines of ``keep_actions``; returns (sign-in rows, audit trail rows) deleted."""
    old_attempts = (
        sa.select(login_attempts.c.attempt_id)
        .where(login_attempts.c.at < before)
        .order_by(login_attempts.c.attempt_id)
        .limit(limit)
    )
    old_trail = (
        sa.select(audit_trail.c.entry_id)
        .where(audit_trail.c.at < before, audit_trail.c.action.not_in(keep_actions))
        .order_by(audit_trail.c.entry_id)
        .limit(limit)
    )
    # Retention is the other reason the logs may lose rows; the flag lives only for these two statements.
    async with allow_log_erasure(session):
        attempts = await _deleted(
            session, sa.delete(login_attempts).where(login_attempts.c.attempt_id.in_(old_attempts.scalar_subquery()))
        )
        trail = await _deleted(
            session, sa.delete(audit_trail).where(audit_trail.c.entry_id.in_(old_trail.scalar_subquery()))
        )
    return attempts, trail
