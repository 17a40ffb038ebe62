"""Database plumbing shared by every service: engines, sessions, the kit's own tables, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# The outbox and inbox live in every service's own database, beside its own tables, so that a state change,
# the events it emits and the record of the message that caused it commit in one transaction.
kit_metadata = sa.MetaData()

outbox_table = sa.Table(
    "kit_outbox",
    kit_metadata,
    # An integer key keeps publishing in commit order; SQLite autoincrements only an INTEGER primary key.
    sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("routing_key", sa.String(200), nullable=False),
    sa.Column("message_type", sa.String(200), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    # Set when a row can never be published (its body does not parse, or publishing it fails for a reason other
    # than the broker): it stays with its error for an operator, and the rows behind it go on.
    sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
    # AMQP headers to publish the row with: the trace context (traceparent, tracestate) of the transaction that
    # wrote it, so the event continues that trace (kit/tracing.py). Null when there was none.
    sa.Column("headers", sa.JSON(none_as_null=True), nullable=True),
    sa.Index("ix_kit_outbox_unsent", "sent_at", "next_attempt_at"),
)

inbox_table = sa.Table(
    "kit_inbox",
    kit_metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("message_id", sa.Uuid, primary_key=True),
    sa.Column("message_type", sa.String(200), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs (the embedded default for local runs)."""
    return make_url(url).get_backend_name() == "sqlite"


# Connections one engine (one service process) keeps open at most; the RPC server answers 16 requests at once.
POOL_SIZE: Final = 15


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build an async engine: SQLite in WAL mode with foreign keys on, or PostgreSQL through asyncpg."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite allows one writer; a generous busy timeout makes concurrent writers wait instead of failing.
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # As many connections as before at most (SQLAlchemy's 5 kept plus 10 overflow), but all of them kept: an overflow
    # connection is closed when it is returned, so a service answering more than five requests at once opened a new
    # PostgreSQL connection (a backend process, authentication, type introspection) for nearly every request.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (we never rely on lazy refreshes)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_ok(engine: AsyncEngine) -> bool:
    """Readiness probe: can we run a trivial query?"""
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not ready"; the caller reports it
        return False
    return True


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed on success, rolled back on any exception (re-raised)."""
    async with factory() as session, session.begin():
        yield session


def run_migrations(url: str, migrations_dir: Path, *, service: str | None = None) -> None:
    """Upgrade a service database to the newest Alembic revision (synchronous; call before serving).

    On PostgreSQL it runs under the service's migration lock (kit/migrations.py), so processes that start together
    migrate once: the first upgrades, the others wait and find nothing to do.
    """
    from alembic import command

    from lklr_shared.kit.migrations import alembic_config

    command.upgrade(alembic_config(url, migrations_dir, service=service), "head")


def dialect_insert(session: AsyncSession, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT for ``table``: the one with ON CONFLICT clauses, which PostgreSQL and SQLite (since
    3.24; RETURNING since 3.35) write alike."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for the {dialect} dialect")  # pragma: no cover


async def insert_if_absent(session: AsyncSession, table: sa.Table, values: Mapping[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: True when this transaction inserted the row.

    The unique key decides who does a one-time thing: a concurrent transaction inserting the same key waits on it
    until this one commits (then it gets False) or rolls back (then it inserts the row itself).
    """
    statement = dialect_insert(session, table).values(**values).on_conflict_do_nothing()
    inserted = await session.execute(statement.returning(*table.primary_key.columns))
    return inserted.first() is not None


async def upsert(session: AsyncSession, table: sa.Table, values: dict[str, Any], key: list[str]) -> None:
    """Insert a row, or update it in place when a row with the same key exists (PostgreSQL and SQLite).

    Read models fed by events use it, so an event that legitimately repeats a fact under a new message id
    (a re-entry granting the same person again, say) updates instead of failing until dead-lettered.
    """
    statement = dialect_insert(session, table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in key}
    await session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))


async def upsert_many(
    session: AsyncSession, table: sa.Table, rows: Sequence[Mapping[str, Any]], key: list[str]
) -> None:
    """`upsert` for many rows with the same columns in one executemany (one prepared statement, pipelined): what a
    batch of events writes to a read model. At most one row per key (the last one wins is the caller's to decide)."""
    if not rows:
        return
    statement = dialect_insert(session, table)
    changes = {name: statement.excluded[name] for name in rows[0] if name not in key}
    await session.execute(
        statement.on_conflict_do_update(index_elements=key, set_=changes), [dict(row) for row in rows]
    )
