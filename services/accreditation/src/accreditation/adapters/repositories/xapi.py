"""xAPI statements: production's, and a sandbox key's in a table of their own (``sandbox`` picks the table)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import sandbox_xapi_statements, xapi_statements
from accreditation.adapters.repositories.dialect import for_update, insert_ignoring_conflicts
from lklr_shared.contracts import accreditation as contracts


def _table(sandbox: bool) -> sa.Table:
    """Where a request's statements live: a sandbox key's apart from production's."""
    return sandbox_xapi_statements if sandbox else xapi_statements


def _own(table: sa.Table, provider_id: uuid.UUID) -> Any:
    return sa.select(table).where(table.c.provider_id == provider_id)


def _id_is(table: sa.Table, statement_id: uuid.UUID) -> Any:
    return table.c.statement_id == statement_id


async def insert(session: AsyncSession, *, sandbox: bool, **values: Any) -> int | None:
    """Store a statement under its (provider, statement id) key; its sequence, or None when the key was taken."""
    table = _table(sandbox)
    inserted = (
        await session.execute(
            insert_ignoring_conflicts(session, table, index_elements=["provider_id", "statement_id"])
            .values(**values)
            .returning(table.c.sequence)
        )
    ).scalar_one_or_none()
    return None if inserted is None else int(inserted)


async def statement(
    session: AsyncSession, *, sandbox: bool, provider_id: uuid.UUID, statement_id: uuid.UUID, lock: bool = False
) -> Any:
    """The provider's statement (locked until the transaction ends, if asked), or None."""
    table = _table(sandbox)
    query = _own(table, provider_id).where(_id_is(table, statement_id))
    return (await session.execute(for_update(query, session) if lock else query)).first()


async def update(session: AsyncSession, *, sandbox: bool, sequence: int, **values: Any) -> None:
    """Change a stored statement's columns (its effect, or that it is voided)."""
    table = _table(sandbox)
    await session.execute(sa.update(table).where(table.c.sequence == sequence).values(**values))


async def page(
    session: AsyncSession,
    query: contracts.QueryXapiStatements,
    *,
    sandbox: bool,
    agent_key: str | None,
    limit: int,
) -> Sequence[Any]:
    """One statement by id, or a page of the provider's statements matching the filters, one row more than
    ``limit`` (to tell whether more follow)."""
    table = _table(sandbox)
    select = _own(table, query.provider_id)
    single = query.statement_id or query.voided_statement_id
    if single is not None:
        select = select.where(_id_is(table, single), table.c.voided.is_(query.voided_statement_id is not None))
        limit = 1
    else:
        select = select.where(table.c.voided.is_(False))
        if agent_key is not None:
            select = select.where(sa.or_(table.c.actor_key == agent_key, table.c.object_agent_key == agent_key))
        if query.verb is not None:
            select = select.where(table.c.verb_id == query.verb)
        if query.activity is not None:
            select = select.where(table.c.activity_id == query.activity)
        if query.registration is not None:
            select = select.where(table.c.registration == query.registration)
        if query.since is not None:
            select = select.where(table.c.stored > query.since)
        if query.until is not None:
            select = select.where(table.c.stored <= query.until)
        if query.after_sequence is not None:
            select = select.where(
                table.c.sequence > query.after_sequence if query.ascending else table.c.sequence < query.after_sequence
            )
    order = table.c.sequence.asc() if query.ascending else table.c.sequence.desc()
    return list((await session.execute(select.order_by(order).limit(limit + 1))).all())
