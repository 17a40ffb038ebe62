"""Erasure: an account erased on request, what has passed its retention erased by the scheduled jobs (and the
logs pruned), and the services' confirmations.

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

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import Conflict, NotFound, Problem, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories import applications as application_rows
from registry.adapters.repositories import erasure as erasure_rows
from registry.adapters.repositories import jobs as job_rows
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.repositories.security_log import record_action
from registry.adapters.sql import as_utc
from registry.adapters.unit_of_work import MailingUnitOfWork, RegistryUnitOfWork, UnitOfWorkFactory
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

log = logging.getLogger(__name__)

ERASE_ACTION = "erase_person"
CONFIRM_ACTION = "erasure_confirmed"
# The register's proof that it forgot someone: pseudonymous lines, kept when the logs around them are pruned.
ERASURE_ACTIONS = (ERASE_ACTION, CONFIRM_ACTION)
_ENDED = [status.value for status in ENDED]

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


async def _registration_state(session: Any, person_id: uuid.UUID) -> tuple[RegistrationStatus | None, str | None]:
    row = await erasure_rows.registration_state(session, person_id)
    return (RegistrationStatus(row.status), row.registration_number) if row is not None else (None, None)


async def ended_at(session: Any, person_id: uuid.UUID) -> datetime | None:
    """When the person's registration last moved to an ended status (None: no such move)."""
    at = await erasure_rows.last_moved_to(session, person_id, _ENDED)
    return as_utc(at) if at is not None else None


async def ended_on(session: Any, ctx: RegistryContext, person_id: uuid.UUID) -> date | None:
    """The register day the person's registration last moved to an ended status (None: no such move)."""
    at = await ended_at(session, person_id)
    return ctx.today(at) if at is not None else None


async def erase_my_account(ctx: RegistryContext, command: contracts.EraseMyAccount) -> contracts.AccountErasureStarted:
    """Erase the actor's account on their request (only without a registration or an application waiting)."""
    async with ctx.unit_of_work() as uow:
        session = uow.session
        person_id = command.actor_account_id
        account = await erasure_rows.lock_account_roles(session, person_id)
        if account is None:
            raise NotFound("not_found", "No such account.")
        status, _number = await _registration_state(session, person_id)
        pending = await erasure_rows.pending_applications(session, person_id)
        staff = bool(parse_account_roles(account.account_roles) & STAFF_ROLES)
        refusal = refusal_of_erasure_on_request(status, application_pending=bool(pending), staff=staff)
        if refusal is not None:
            text = _REFUSAL_TEXTS[refusal]
            raise Conflict("erasure_refused", text, problems=[Problem(refusal.value, text)])
        if not command.confirm:
            raise RuleViolation("erasure_not_confirmed", "Confirm that the account and its data are to be erased.")
        now = ctx.now()
        erasure_id = await request_erasure(
            uow, ctx, person_id, [DataKind.ACCOUNT, *DataKind], reason="on_request", now=now, number=None
        )
        await uow.commit()
        return contracts.AccountErasureStarted(
            erasure_id=erasure_id, pseudonym=ctx.pseudonyms.of(person_id), erased_at=now
        )


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
    await erasure_rows.insert_erasure(
        uow.session, erasure_id, pseudonym=pseudonym, kinds=[kind.value for kind in kinds], reason=reason, at=now
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


async def _erase_here(
    session: Any, person_id: uuid.UUID, kinds: Sequence[DataKind], *, number: str | None, now: datetime
) -> int:
    """The registry's share of an erasure; returns the rows removed or stripped of the person."""
    rows = 0
    everything = DataKind.REGISTRATION in kinds or DataKind.ACCOUNT in kinds
    if DataKind.PORTFOLIO in kinds:
        rows += await erasure_rows.erase_portfolio_notices(session, person_id)
    if DataKind.LOGS in kinds and not everything:
        # The registration's end was long ago: the mails about it and sign-ins that ended may go; an account
        # still in use keeps its live sessions.
        rows += await erasure_rows.erase_ended_logs(session, person_id, now=now)
    if not everything:
        return rows
    return rows + await erasure_rows.erase_everything(session, person_id, number=number, now=now)


# --- the scheduled jobs: erasure after retention, and pruning the logs -------------------------------------------


async def erase_past_retention(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int
) -> int:
    """Erase, in every service, what has passed its retention: kinds of data of registrations that ended
    (the registration itself last, with whatever is left), and sign-ups never confirmed that are older than the
    account period. Returns how many people had something erased."""
    shortest = min(ctx.retention.period(kind) for kind in AFTER_REGISTRATION)
    erased = 0
    after: uuid.UUID | None = None
    while True:
        async with unit_of_work() as uow:
            page = await job_rows.ended_page(
                uow.session, statuses=_ENDED, ended_before=now - shortest, after=after, limit=batch_size
            )
            for person_id in page:
                erased += await _erase_if_due(uow, ctx, person_id, now=now)
            await uow.commit()
        if len(page) < batch_size:
            break
        after = page[-1]
    return erased + await _erase_unused_accounts(unit_of_work, ctx, now, batch_size=batch_size)


async def _erase_if_due(uow: RegistryUnitOfWork, ctx: RegistryContext, person_id: uuid.UUID, *, now: datetime) -> int:
    registration = await load_registration(uow.session, person_id, for_update=True)
    if registration is None or registration.status not in ENDED:
        return 0
    if await application_rows.has_pending_application(uow.session, person_id):
        return 0  # applying again after the end: the office is deciding on this very history
    ended = await ended_at(uow.session, person_id)
    if ended is None:
        return 0
    # Only erasures since this end count: a person who registered again and ended again has new data of
    # every kind, whatever was erased after an earlier end.
    done = await erasure_rows.kinds_erased_since(uow.session, ctx.pseudonyms.of(person_id), ended)
    already = {DataKind(kind) for kinds in done for kind in kinds}
    due = ctx.retention.due_after_registration(ctx.today(ended), ctx.today(now), already)
    if not due:
        return 0
    await request_erasure(
        uow, ctx, person_id, due, reason="retention_passed", now=now, number=registration.number.value
    )
    return 1


async def _erase_unused_accounts(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int
) -> int:
    """Accounts never confirmed, of people who never registered nor applied, older than the account period.

    A confirmed account without a registration is kept until its owner erases it: it may be a training
    provider's contact, who signs in rarely (the provider's systems use API keys), and which accounts act for a
    provider only the accreditation service knows."""
    created_before = now - ctx.retention.period(DataKind.ACCOUNT)
    erased = 0
    after: uuid.UUID | None = None
    while True:
        async with unit_of_work() as uow:
            rows = await job_rows.unconfirmed_accounts_page(
                uow.session, created_before=created_before, after=after, limit=batch_size
            )
            for row in rows:
                if parse_account_roles(row.account_roles) & STAFF_ROLES:
                    continue  # the register's own people: an administrator takes their roles away first
                await request_erasure(
                    uow, ctx, row.account_id, list(DataKind), reason="retention_passed", now=now, number=None
                )
                erased += 1
            await uow.commit()
        if len(rows) < batch_size:
            break
        after = rows[-1].account_id
    return erased


async def prune_logs(unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int) -> int:
    """Delete sign-in log and audit trail rows older than the logs' retention (a page per transaction);
    returns how many went. Counted from when each row was written, whoever it names: a person's rows of
    the last period stay until they age out too, or until the person is erased. The erasure lines stay:
    pseudonymous, and the register's answer to whether it forgot someone."""
    before = now - ctx.retention.period(DataKind.LOGS)
    pruned = 0
    while True:
        async with unit_of_work() as uow:
            attempts, trail = await erasure_rows.prune_logs(
                uow.session, before=before, limit=batch_size, keep_actions=ERASURE_ACTIONS
            )
            await uow.commit()
        pruned += attempts + trail
        if attempts < batch_size and trail < batch_size:
            return pruned


# --- the services' confirmations, and what is kept ------------------------------------------------------------------


async def record_confirmation(uow: MailingUnitOfWork, ctx: RegistryContext, event: Any, _envelope: Envelope) -> None:
    """A service's PersonErased: kept once per erasure and service, and logged under the erasure's pseudonym."""
    session = uow.session
    pseudonym = await erasure_rows.pseudonym_of_erasure(session, event.erasure_id)
    if pseudonym is None:
        log.warning("confirmation of an unknown erasure %s from %s; ignored", event.erasure_id, event.owner)
        return
    now = ctx.now()
    first = await erasure_rows.claim_confirmation(
        session,
        event.erasure_id,
        event.owner,
        kinds=list(event.kinds),
        rows_erased=event.rows,
        files_erased=event.files,
        confirmed_at=now,
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


async def retention_of(session: Any, ctx: RegistryContext, person_id: uuid.UUID) -> list[contracts.RetentionEntry]:
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
    ctx: RegistryContext, _query: contracts.GetRetentionSchedule
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


async def get_my_retention(ctx: RegistryContext, query: contracts.GetMyRetention) -> contracts.RetentionSchedule:
    """What is kept of the actor and until when."""
    async with ctx.unit_of_work() as uow:
        return contracts.RetentionSchedule(entries=await retention_of(uow.session, ctx, query.actor_account_id))
