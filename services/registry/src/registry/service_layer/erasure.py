"""Erasure: an account erased on request, what has passed its retention erased by the scheduled job, and the
services' confirmations.

The registry erases its own rows in the transaction that emits ``PersonErasureRequested``; every other service
erases its rows when the event reaches it and confirms with its ``PersonErased``, which lands in
``erasure_confirmations``. The security log (``audit_trail``) gets one line per erasure and per confirmation
under the person's pseudonym only: no actor, no person id, no name or number, so the append-only log never has
to be edited to forget someone.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import forget_in_kit_tables
from lklr_shared.kit.errors import Problem, RpcError
from lklr_shared.kit.outbox import UnitOfWork
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
from registry.adapters.repositories.security_log import record_action
from registry.adapters.sql import as_utc, claim
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import STAFF_ROLES, parse_account_roles
from registry.domain.retention import (
    AFTER_REGISTRATION,
    ENDED,
    LEGAL_GROUNDS,
    DataKind,
    ErasureRefusal,
    refusal_of_erasure_on_request,
    retention_overview,
)
from registry.domain.status import RegistrationStatus
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import unprocessable

log = logging.getLogger(__name__)

ERASE_ACTION = "erase_person"
CONFIRM_ACTION = "erasure_confirmed"
# The register's proof that it forgot someone: pseudonymous lines, kept when the logs around them are pruned.
ERASURE_ACTIONS = (ERASE_ACTION, CONFIRM_ACTION)

_REFUSAL_TEXTS = {
    ErasureRefusal.REGISTRATION_RUNNING: (
        "You are registered: a running registration cannot be erased. When it has ended, it is kept for its "
        "retention period and then erased by itself."
    ),
    ErasureRefusal.REGISTRATION_KEPT: (
        "Your registration has ended; it and its decisions are kept for their retention period (see your data "
        "download) and erased by themselves after it."
    ),
    ErasureRefusal.APPLICATION_PENDING: "Your application is being decided; withdraw it or wait for the decision.",
    ErasureRefusal.STAFF_ACCOUNT: "A staff account is erased after an administrator has taken its roles away.",
}


async def _registration_state(
    session: AsyncSession, person_id: uuid.UUID
) -> tuple[RegistrationStatus | None, str | None]:
    row = (
        await session.execute(
            sa.select(registrations.c.status, registrations.c.registration_number).where(
                registrations.c.person_id == person_id
            )
        )
    ).first()
    return (RegistrationStatus(row.status), row.registration_number) if row is not None else (None, None)


async def ended_at(session: AsyncSession, person_id: uuid.UUID) -> datetime | None:
    """When the person's registration last moved to an ended status (None: no such move)."""
    at: datetime | None = (
        await session.execute(
            sa.select(sa.func.max(status_history.c.at)).where(
                status_history.c.person_id == person_id,
                status_history.c.to_status.in_([status.value for status in ENDED]),
            )
        )
    ).scalar_one_or_none()
    return as_utc(at) if at is not None else None


async def ended_on(session: AsyncSession, ctx: RegistryContext, person_id: uuid.UUID) -> date | None:
    """The register day the person's registration last moved to an ended status (None: no such move)."""
    at = await ended_at(session, person_id)
    return ctx.today(at) if at is not None else None


async def erase_my_account(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.EraseMyAccount
) -> contracts.AccountErasureStarted:
    """Erase the actor's account on their request (only without a registration or an application waiting)."""
    session = uow.session
    person_id = command.actor_account_id
    account = (
        await session.execute(
            sa.select(accounts.c.account_roles).where(accounts.c.account_id == person_id).with_for_update()
        )
    ).first()
    if account is None:
        raise RpcError("not_found", "No such account.", 404)
    status, _number = await _registration_state(session, person_id)
    pending = (
        await session.execute(
            sa.select(sa.func.count())
            .select_from(registration_applications)
            .where(registration_applications.c.person_id == person_id, registration_applications.c.status == "pending")
        )
    ).scalar_one()
    staff = bool(parse_account_roles(account.account_roles) & STAFF_ROLES)
    refusal = refusal_of_erasure_on_request(status, application_pending=bool(pending), staff=staff)
    if refusal is not None:
        text = _REFUSAL_TEXTS[refusal]
        raise RpcError("erasure_refused", text, 409, problems=[Problem(refusal.value, text)])
    if not command.confirm:
        raise unprocessable("erasure_not_confirmed", "Confirm that the account and its data are to be erased.")
    now = ctx.now()
    erasure_id = await request_erasure(
        uow, ctx, person_id, [DataKind.ACCOUNT, *DataKind], reason="on_request", now=now, number=None
    )
    await uow.commit()
    return contracts.AccountErasureStarted(erasure_id=erasure_id, pseudonym=ctx.pseudonyms.of(person_id), erased_at=now)


async def request_erasure(
    uow: UnitOfWork,
    ctx: RegistryContext,
    person_id: uuid.UUID,
    kinds: Sequence[DataKind],
    *,
    reason: contracts.ErasureReason,
    now: datetime,
    number: str | None,
) -> uuid.UUID:
    """Erase the registry's rows of ``kinds`` for the person, tell every service to do the same, and log it under
    the pseudonym. In the caller's transaction."""
    kinds = list(dict.fromkeys(kinds))
    pseudonym = ctx.pseudonyms.of(person_id)
    erasure_id = uuid.uuid4()
    rows = await _erase_here(uow.session, person_id, kinds, number=number, now=now)
    await uow.session.execute(
        sa.insert(erasures).values(
            erasure_id=erasure_id,
            pseudonym=pseudonym,
            kinds=[kind.value for kind in kinds],
            reason=reason,
            requested_at=now,
        )
    )
    uow.emit(
        contracts.PersonErasureRequested(
            erasure_id=erasure_id,
            person_id=person_id,
            pseudonym=pseudonym,
            kinds=[kind.value for kind in kinds],
            reason=reason,
        )
    )
    await record_action(
        uow,
        at=now,
        action=ERASE_ACTION,
        subject=pseudonym,
        client_ip="",
        actor_account_id=None,
        person_id=None,
        detail={
            "erasure_id": str(erasure_id),
            "reason": reason,
            "kinds": ",".join(kind.value for kind in kinds),
            "rows": str(rows),
        },
    )
    return erasure_id


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


async def _erase_here(
    session: AsyncSession, person_id: uuid.UUID, kinds: Sequence[DataKind], *, number: str | None, now: datetime
) -> int:
    """The registry's share of an erasure; returns the rows removed or stripped of the person."""
    rows = 0
    everything = DataKind.REGISTRATION in kinds or DataKind.ACCOUNT in kinds
    if DataKind.PORTFOLIO in kinds:
        rows += await _deleted(session, sa.delete(entry_notices).where(entry_notices.c.person_id == person_id))
    if DataKind.LOGS in kinds and not everything:
        # The registration's end was long ago: the mails about it and sign-ins that ended may go; an account
        # still in use keeps its live sessions.
        rows += await _deleted(
            session, sa.delete(mail_outbox).where(mail_outbox.c.person_id == person_id, mail_outbox.c.sent_at < now)
        )
        for table in (access_tokens, one_time_tokens):
            rows += await _deleted(
                session, sa.delete(table).where(table.c.account_id == person_id, table.c.expires_at < now)
            )
    if not everything:
        return rows
    # Credentials keep their row without the person, so their status bits stay set (revoked stays revoked).
    rows += await _deleted(
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


async def prune_logs(session: AsyncSession, *, before: datetime, limit: int) -> tuple[int, int]:
    """Delete up to ``limit`` rows of each of the sign-in log and the audit trail written before ``before`` (the
    logs' retention has passed for them), in the caller's transaction; returns (sign-in rows, audit trail rows)
    deleted. The erasure lines stay: pseudonymous, and the register's answer to whether it forgot someone."""
    old_attempts = (
        sa.select(login_attempts.c.attempt_id)
        .where(login_attempts.c.at < before)
        .order_by(login_attempts.c.attempt_id)
        .limit(limit)
    )
    old_trail = (
        sa.select(audit_trail.c.entry_id)
        .where(audit_trail.c.at < before, audit_trail.c.action.not_in(ERASURE_ACTIONS))
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


async def record_confirmation(uow: MailingUnitOfWork, ctx: RegistryContext, event: Any, _envelope: Envelope) -> None:
    """A service's PersonErased: kept once per erasure and service, and logged under the erasure's pseudonym."""
    session = uow.session
    pseudonym = (
        await session.execute(sa.select(erasures.c.pseudonym).where(erasures.c.erasure_id == event.erasure_id))
    ).scalar_one_or_none()
    if pseudonym is None:
        log.warning("confirmation of an unknown erasure %s from %s; ignored", event.erasure_id, event.owner)
        return
    now = ctx.now()
    first = await claim(
        session,
        erasure_confirmations,
        {
            "erasure_id": event.erasure_id,
            "service": event.owner,
            "kinds": list(event.kinds),
            "rows_erased": event.rows,
            "files_erased": event.files,
            "confirmed_at": now,
        },
        [erasure_confirmations.c.erasure_id, erasure_confirmations.c.service],
    )
    if first:
        await record_action(
            uow,
            at=now,
            action=CONFIRM_ACTION,
            subject=pseudonym,
            client_ip="",
            actor_account_id=None,
            person_id=None,
            detail={
                "erasure_id": str(event.erasure_id),
                "service": event.owner,
                "rows": str(event.rows),
                "files": str(event.files),
            },
        )


async def retention_of(
    session: AsyncSession, ctx: RegistryContext, person_id: uuid.UUID
) -> list[contracts.RetentionEntry]:
    """What the data download says is kept of the person, and until when."""
    status, _number = await _registration_state(session, person_id)
    ended = await ended_on(session, ctx, person_id) if status in ENDED else None
    return [
        contracts.RetentionEntry(
            data_kind=kind.value, period_days=days, kept_until=until, legal_ground=LEGAL_GROUNDS[kind]
        )
        for kind, days, until in retention_overview(ctx.retention, status, ended)
    ]


async def get_retention_schedule(
    _uow: UnitOfWork, ctx: RegistryContext, _query: contracts.GetRetentionSchedule
) -> contracts.RetentionSchedule:
    """The schedule in force: every kind, its period in days (the registration's: until the longest has passed)."""
    return contracts.RetentionSchedule(
        entries=[
            contracts.RetentionEntry(
                data_kind=kind.value,
                period_days=ctx.retention.kept_for(kind).days,
                kept_until=None,
                legal_ground=LEGAL_GROUNDS[kind],
            )
            for kind in (DataKind.ACCOUNT, *AFTER_REGISTRATION)
        ]
    )


async def get_my_retention(
    uow: UnitOfWork, ctx: RegistryContext, query: contracts.GetMyRetention
) -> contracts.RetentionSchedule:
    """What is kept of the actor and until when."""
    return contracts.RetentionSchedule(entries=await retention_of(uow.session, ctx, query.actor_account_id))
