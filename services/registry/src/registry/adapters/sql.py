"""Small SQL helpers that differ per dialect (PostgreSQL in production, SQLite as the embedded default)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime: SQLite hands back naive ones (all stored times are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc_or_none(value: datetime | None) -> datetime | None:
    """:func:`as_utc`, passing None through (a time not set yet)."""
    return None if value is None else as_utc(value)


def may_hold_role(roles: sa.ColumnElement[Any], role: str) -> sa.ColumnElement[bool]:
    """Narrow to rows whose JSON list of roles may hold ``role``: its text form holds ``"role"`` on PostgreSQL and
    SQLite alike. Only a narrowing: the parsed list decides."""
    return sa.cast(roles, sa.Text).like(f'%"{role}"%')


def _insert(session: AsyncSession, table: sa.Table, what: str) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT (the one with ON CONFLICT) for ``table``."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no {what} for the {dialect} dialect")


async def insert_if_absent(
    session: AsyncSession, table: sa.Table, values: Mapping[str, Any], key_columns: Sequence[sa.Column[Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: make sure a row exists without failing when it already does."""
    statement = _insert(session, table, "insert-if-absent")
    await session.execute(statement.values(**values).on_conflict_do_nothing(index_elements=list(key_columns)))


async def insert_many_if_absent(
    session: AsyncSession,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[sa.Column[Any]],
) -> None:
    """Multi-row INSERT ... ON CONFLICT DO NOTHING (one statement, compiled once, for a whole batch of rows)."""
    if not rows:
        return
    statement = _insert(session, table, "insert-if-absent")
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=list(key_columns)), [dict(row) for row in rows]
    )


async def claim(
    session: AsyncSession, table: sa.Table, values: Mapping[str, Any], key_columns: Sequence[sa.Column[Any]]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: True when this transaction inserted the row.

    The unique key decides who does a one-time thing (send a reminder): a concurrent transaction inserting the
    same key waits for this one and then gets False, so exactly one of them acts.
    """
    statement = _insert(session, table, "claim")
    inserted = await session.execute(
        statement.values(**values).on_conflict_do_nothing(index_elements=list(key_columns)).returning(key_columns[0])
    )
    return inserted.first() is not None


def lock_rows_skipping_locked(query: sa.Select[Any], session: AsyncSession, *tables: sa.Table) -> sa.Select[Any]:
    """Lock the selected rows of ``tables`` until the commit, skipping rows another transaction holds.

    Scheduled jobs on several replicas each take rows no other replica is working on. PostgreSQL only: SQLite
    admits one writer at a time, which serialises the jobs anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=list(tables))
    return query
