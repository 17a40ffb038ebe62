"""xAPI statements: storing a provider's statements (all or none), what they do to attendance, and reading them.

A store runs in ONE transaction: every statement is validated first (nothing is written when one is broken), then
each is inserted under its (provider, statement id) key before its effect is applied, so a concurrent request with
the same id waits on that key and then sees the stored statement (same content: accepted, nothing applied again;
other content: 409). An "attended" statement goes through the same code as an attendance post (`record_post`),
with its statement id as the post's key; a voiding statement voids its target and the target's attendance.

A sandbox key's statements go through the same code against their own table (`sandbox_xapi_statements`): the same
validation, conflicts and voiding, attendance judged by the sandbox (the test registration numbers, records in
`sandbox_attendance`, no event), so the answer is production's and no portfolio or production statement is touched.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from accreditation.adapters.repositories import attendance as attendance_records
from accreditation.adapters.repositories import xapi as repository
from accreditation.adapters.repositories.dialect import as_utc
from accreditation.domain import xapi
from accreditation.service_layer import providers, webhooks
from accreditation.service_layer import sandbox as sandbox_posts
from accreditation.service_layer.attendance import record_post
from accreditation.service_layer.attendance_records import void_row
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Conflict, InvalidRequest, UseCaseError
from lklr_shared.kit.outbox import UnitOfWork

MAX_STATEMENTS_PER_REQUEST: Final = 500
MAX_PAGE: Final = 200


def xapi_timestamp(moment: datetime) -> str:
    """An xAPI timestamp: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def store_statements(
    ctx: AccreditationContext, command: contracts.StoreXapiStatements
) -> contracts.XapiStatementsStored:
    """Validate and store the statements, all or none, and apply their effects (see the module docstring)."""
    if not command.statements:
        raise InvalidRequest("no_statements", "Send at least one statement.")
    if len(command.statements) > MAX_STATEMENTS_PER_REQUEST:
        raise InvalidRequest(
            "too_many_statements", f"Send at most {MAX_STATEMENTS_PER_REQUEST} statements in one request."
        )
    ids = [xapi.check_statement(statement) for statement in command.statements]
    if len(set(ids)) != len(ids):
        raise InvalidRequest("invalid_statement", "The same statement id appears twice in one request.")
    now = ctx.now()
    async with ctx.unit_of_work() as uow:
        sandbox = await providers.asked_with_sandbox_key(uow.session)
        outcomes = [
            await _store_one(ctx, uow, command, statement_id, sent, now, sandbox=sandbox)
            for statement_id, sent in zip(ids, command.statements, strict=True)
        ]
        await uow.commit()
    return contracts.XapiStatementsStored(outcomes=outcomes)


def _as_stored(
    command: contracts.StoreXapiStatements, statement_id: uuid.UUID, sent: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The statement as the LRS keeps and returns it: `stored` and `authority` set, `timestamp` and `version`
    filled in when the client left them out."""
    stored = dict(sent)
    stored["id"] = str(statement_id)
    stored["stored"] = xapi_timestamp(now)
    stored.setdefault("timestamp", stored["stored"])
    stored.setdefault("version", command.default_version)
    stored["authority"] = command.authority
    return stored


async def _store_one(
    ctx: AccreditationContext,
    uow: UnitOfWork,
    command: contracts.StoreXapiStatements,
    statement_id: uuid.UUID,
    sent: dict[str, Any],
    now: datetime,
    *,
    sandbox: bool,
) -> contracts.XapiStatementOutcome:
    session = uow.session
    digest = xapi.content_digest(sent)
    inserted = await repository.insert(
        session,
        sandbox=sandbox,
        provider_id=command.provider_id,
        statement_id=statement_id,
        content_digest=digest,
        statement=_as_stored(command, statement_id, sent, now),
        actor_key=xapi.agent_key(sent["actor"]),
        object_agent_key=xapi.object_agent_key(sent),
        verb_id=sent["verb"]["id"],
        activity_id=xapi.activity_of(sent),
        registration=xapi.registration_of(sent),
        stored=now,
        voided=False,
        voids_statement_id=xapi.voided_target(sent),
        effect="none",
    )
    if inserted is None:
        existing = await repository.statement(
            session, sandbox=sandbox, provider_id=command.provider_id, statement_id=statement_id
        )
        if existing.content_digest != digest:
            raise Conflict("statement_conflict", f"Statement {statement_id} was stored before with other content.")
        return _outcome(existing, newly_stored=False)

    effect: dict[str, Any] = {"effect": "none"}
    target = xapi.voided_target(sent)
    claim = xapi.attendance_claim(sent, home_page=command.register_home_page, edition_prefix=command.edition_iri_prefix)
    if target is not None:
        effect = await _void_target(ctx, uow, command, statement_id, target, sandbox=sandbox)
    elif claim is not None:
        effect = await _record_attendance(ctx, uow, command, statement_id, claim, sandbox=sandbox)
    await repository.update(session, sandbox=sandbox, sequence=inserted, **effect)
    return contracts.XapiStatementOutcome(statement_id=statement_id, newly_stored=True, **effect)


async def _record_attendance(
    ctx: AccreditationContext,
    uow: UnitOfWork,
    command: contracts.StoreXapiStatements,
    statement_id: uuid.UUID,
    claim: xapi.AttendanceClaim,
    *,
    sandbox: bool,
) -> dict[str, Any]:
    """One attendance row by the attendance post's rules (the sandbox's for a sandbox key); a post the edition
    cannot take becomes this statement's rejection (it is still stored: the provider reads the reason back)."""
    post = contracts.PostAttendance(
        provider_id=command.provider_id,
        edition_id=claim.edition_id,
        idempotency_key=f"xapi:{statement_id}",
        attendees=[contracts.AttendeeInput(registration_number=claim.registration_number, hours=claim.hours)],
        channel="xapi",
        posted_by=command.stored_by,
    )
    try:
        if sandbox:
            result = await sandbox_posts.record(ctx, uow.session, post, post.idempotency_key)
        else:
            result = await record_post(ctx, uow.session, uow.emit, post, post.idempotency_key)
    except UseCaseError as refusal:
        # Both refuse before they write anything, so the transaction carries on cleanly.
        return {"effect": "rejected", "reason_code": refusal.code, "message": refusal.message}
    await webhooks.attendance_recorded(uow.session, result, sandbox=sandbox)
    (row,) = result.rows
    return {
        "effect": row.outcome,
        "attendance_id": row.attendance_id,
        "reason_code": row.reason_code,
        "message": row.message,
    }


async def _void_target(
    ctx: AccreditationContext,
    uow: UnitOfWork,
    command: contracts.StoreXapiStatements,
    statement_id: uuid.UUID,
    target_id: uuid.UUID,
    *,
    sandbox: bool,
) -> dict[str, Any]:
    """Void the target statement (of this provider) and its attendance. An unknown target is no reason to refuse
    the voiding statement (the standard says so); voiding a voiding statement is."""
    session = uow.session
    target = await repository.statement(
        session, sandbox=sandbox, provider_id=command.provider_id, statement_id=target_id, lock=True
    )
    if target is None:
        return {"effect": "none", "message": f"No statement {target_id} to void."}
    if target.voids_statement_id is not None:
        raise InvalidRequest("invalid_statement", "A voiding statement cannot itself be voided.")
    if target.voided:
        return {"effect": "none", "message": f"Statement {target_id} was voided already."}
    await repository.update(session, sandbox=sandbox, sequence=target.sequence, voided=True)
    if sandbox and target.attendance_id is not None and target.effect == "recorded":
        await sandbox_posts.void_record(
            session, target.attendance_id, reason=f"Voided by xAPI statement {statement_id}.", now=ctx.now()
        )
    elif target.attendance_id is not None and target.effect == "recorded":
        row = await attendance_records.record(session, target.attendance_id)
        if row.voided_at is None:
            await void_row(
                session,
                uow.emit,
                row,
                reason=f"Voided by xAPI statement {statement_id}.",
                voided_by=command.stored_by,
                now=ctx.now(),
            )
    return {"effect": "voided", "attendance_id": target.attendance_id}


def _outcome(row: Any, *, newly_stored: bool) -> contracts.XapiStatementOutcome:
    return contracts.XapiStatementOutcome(
        statement_id=row.statement_id,
        effect=row.effect,
        newly_stored=newly_stored,
        attendance_id=row.attendance_id,
        reason_code=row.reason_code,
        message=row.message,
    )


# --- Reading ---------------------------------------------------------------------------------------------------


async def query_statements(
    ctx: AccreditationContext, query: contracts.QueryXapiStatements
) -> contracts.XapiStatementPage:
    """One statement by id, or a page of the provider's statements matching the filters (see the contract)."""
    consistent_through = ctx.now()
    async with ctx.unit_of_work() as uow:
        # A sandbox key reads the sandbox's statements, every other key production's.
        sandbox = await providers.asked_with_sandbox_key(uow.session)
        rows = await repository.page(
            uow.session, query, sandbox=sandbox, agent_key=_agent_key(query), limit=_page_limit(query)
        )
    single = query.statement_id or query.voided_statement_id
    limit = 1 if single is not None else _page_limit(query)
    more = single is None and len(rows) > limit
    rows = rows[:limit]
    return contracts.XapiStatementPage(
        statements=[
            contracts.XapiStoredStatement(
                statement=row.statement, sequence=row.sequence, outcome=_outcome(row, newly_stored=False)
            )
            for row in rows
        ],
        next_sequence=rows[-1].sequence if more else None,
        consistent_through=as_utc(consistent_through),
    )


def _page_limit(query: contracts.QueryXapiStatements) -> int:
    return MAX_PAGE if query.limit <= 0 else min(query.limit, MAX_PAGE)


def _agent_key(query: contracts.QueryXapiStatements) -> str | None:
    """The agent filter's key (none for a single statement); 400 when the agent has no identifier."""
    if query.statement_id or query.voided_statement_id or query.agent is None:
        return None
    key = xapi.agent_key(query.agent, "agent")
    if key is None:
        raise InvalidRequest("invalid_agent", "The agent filter needs an inverse functional identifier.")
    return key
