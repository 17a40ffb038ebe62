"""What the repositories share: SQL that differs between PostgreSQL (production) and SQLite (local runs), reading
timestamps back, and committing where a unique index may refuse."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.kit.outbox import UnitOfWork

_Select = TypeVar("_Select", bound=sa.Select[Any])


def dialect_of(session: AsyncSession) -> str:
    """The session's database dialect name ("postgresql" or "sqlite")."""
    bind = session.get_bind()
    return bind.dialect.name


def insert_ignoring_conflicts(
    session: AsyncSession,
    table: sa.Table,
    *,
    index_elements: Sequence[str],
    index_where: sa.ColumnElement[bool] | None = None,
) -> Any:
    """An INSERT that skips rows clashing with the unique index on ``index_elements`` (ON CONFLICT DO NOTHING).

    Both dialects support it (SQLite since 3.24, RETURNING since 3.35); a partial index needs its WHERE repeated.
    Returns the dialect's Insert construct, to add ``.values(...)`` and ``.returning(...)`` to.
    """
    insert = postgresql.insert(table) if dialect_of(session) == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=list(index_elements), index_where=index_where)


def for_update(query: _Select, session: AsyncSession) -> _Select:
    """Lock the selected rows until the transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
    if dialect_of(session) == "postgresql":
        return query.with_for_update()
    return query


async def lock_until_commit(session: AsyncSession, namespace: str, key: uuid.UUID) -> None:
    """Serialise transactions about one thing (``namespace`` + ``key``) until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock, for things that may not have a row to lock yet. SQLite needs
    none: it admits one writer at a time, and a writer on a stale snapshot fails and is retried.
    """
    if dialect_of(session) != "postgresql":
        return
    digest = hashlib.blake2b(f"{namespace}:{key}".encode(), digest_size=8).digest()
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


async def lock_all_until_commit(session: AsyncSession, namespace: str, keys: Sequence[uuid.UUID]) -> None:
    """`lock_until_commit` for many keys in one statement, taken in sorted order (two transactions that lock
    overlapping sets cannot deadlock on each other)."""
    if dialect_of(session) != "postgresql":
        return
    locks = sorted(
        {
            int.from_bytes(hashlib.blake2b(f"{namespace}:{key}".encode(), digest_size=8).digest(), "big", signed=True)
            for key in keys
        }
    )
    if locks:
        # unnest yields the array in order and the function scan feeds the projection row by row: sorted locking.
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) AS key"), {"keys": locks}
        )


def as_utc(value: datetime) -> datetime:
    """A timestamp read back from the database, as an aware UTC datetime (SQLite returns naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def commit_unless_duplicate(uow: UnitOfWork) -> bool:
    """Commit; False (nothing written) when a unique index refused a row, as when two requests race for one name."""
    try:
        await uow.commit()
    except IntegrityError:
        return False
    return True


# What the service layer hands a repository: the unit of work's session, opaque to it.
Session: TypeAlias = AsyncSession
