"""The security event log every service keeps of its own security-relevant actions (the fields the Dutch
government baseline, BIO, asks of a log): who acted, what they did, on which object, the result, from which
address, and when.

One append-only table per service database (``kit_security_log``), written in the transaction of the action it
records; the migrations that create it add triggers that refuse UPDATE and DELETE, so not even a bug in the
application can edit it. Every service answers ``system.ListSecurityEvents`` from it (the registry from its own
audit trail and sign-in log), and the administrator reads them together on one page.

The registry's audit trail and sign-in log are append-only and erasable (``append_only_statements(erasable=True)``):
a transaction inside ``allow_log_erasure`` may delete their rows (an erasure, the pruning after the logs'
retention), never update them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.contracts.system import ListSecurityEvents, SecurityEvent, SecurityEventList
from lklr_shared.kit.causation import current_origin
from lklr_shared.kit.db import kit_metadata

DONE: Final = "done"
REFUSED: Final = "refused"

security_log_table = sa.Table(
    "kit_security_log",
    kit_metadata,
    sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # Who: "account:<id>", "provider:<id>" (an API key), "system" for the services' own jobs.
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    # On what: "course:<id>", "api_key:<id>", "person:<id>", ...
    sa.Column("object", sa.String(200), nullable=False),
    sa.Column("result", sa.String(30), nullable=False),
    # From where: the client address the gateway saw ("" when the request did not come through it).
    sa.Column("origin", sa.String(64), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_kit_security_log_at", "at"),
)


# The one deliberate exception to append-only. The AVG wants a person's data gone when their retention has passed
# or they asked for erasure, and a log kept for ever would hold their e-mail address and account id for ever; so
# an erasable log lets rows be deleted, but only by a transaction that says so on purpose. PostgreSQL: a custom
# setting made with SET LOCAL, which dies with the transaction. SQLite has no such settings: a marker row that the
# same transaction inserts and removes again, invisible to every other connection while it exists (SQLite has one
# writer at a time). Anyone who can run SQL can set the flag (as they could drop the trigger): the guard is against
# a bug in the application, which only ever sets it in ``allow_log_erasure``.
LOG_ERASURE_SETTING: Final = "lklr.log_erasure"
LOG_ERASURE_MARKER: Final = "kit_log_erasure"


def append_only_statements(table: str, dialect: str, *, erasable: bool = False) -> list[str]:
    """DDL that makes ``table`` refuse UPDATE and DELETE (for migrations; PostgreSQL and SQLite).

    ``erasable`` lets a DELETE through in a transaction that has called ``allow_log_erasure`` (an erasure, or the
    pruning of log rows past their retention); UPDATE is refused always. The SQLite form needs the marker table
    of ``log_erasure_marker_statements`` created first.
    """
    message = f"{table} is append-only"
    if dialect == "postgresql":
        function = f"{table}_append_only"
        allow = (
            f"IF TG_OP = 'DELETE' AND current_setting('{LOG_ERASURE_SETTING}', true) = 'on' THEN RETURN OLD; END IF; "
            if erasable
            else ""
        )
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
            f"BEGIN {allow}RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]
    if dialect == "sqlite":
        when = f"WHEN NOT EXISTS (SELECT 1 FROM {LOG_ERASURE_MARKER}) " if erasable else ""
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {when}"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    raise NotImplementedError(f"no append-only triggers for the {dialect} dialect")


def drop_append_only_statements(table: str, dialect: str) -> list[str]:
    """The reverse of ``append_only_statements`` (for downgrades)."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def log_erasure_marker_statements(dialect: str) -> list[str]:
    """DDL of the SQLite marker table that ``append_only_statements(erasable=True)`` reads (none on PostgreSQL)."""
    if dialect == "sqlite":
        return [f"CREATE TABLE IF NOT EXISTS {LOG_ERASURE_MARKER} (flag INTEGER PRIMARY KEY CHECK (flag = 1))"]
    return []


def drop_log_erasure_marker_statements(dialect: str) -> list[str]:
    """The reverse of ``log_erasure_marker_statements``."""
    return [f"DROP TABLE IF EXISTS {LOG_ERASURE_MARKER}"] if dialect == "sqlite" else []


@asynccontextmanager
async def allow_log_erasure(session: AsyncSession) -> AsyncIterator[None]:
    """Inside the block, the caller's transaction may delete rows of erasable append-only logs; after it, not any
    more (the flag is cleared before the block's transaction goes on). Only erasure and retention pruning use it.

    An exception inside the block skips the clearing: the caller's transaction is to be rolled back then (the
    unit of work does), and the setting or the marker row goes with it.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(sa.text(f"SET LOCAL {LOG_ERASURE_SETTING} = 'on'"))
        yield
        await session.execute(sa.text(f"SET LOCAL {LOG_ERASURE_SETTING} = 'off'"))
    elif dialect == "sqlite":
        await session.execute(sa.text(f"INSERT INTO {LOG_ERASURE_MARKER} (flag) VALUES (1)"))
        yield
        await session.execute(sa.text(f"DELETE FROM {LOG_ERASURE_MARKER}"))
    else:
        raise NotImplementedError(f"no log erasure flag for the {dialect} dialect")


async def record_security_event(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object: str,
    result: str = DONE,
    origin: str = "",
    detail: Mapping[str, str] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an entry in the caller's transaction: it is kept exactly when the action it records is. ``origin``
    defaults to the client address of the request being handled."""
    origin = origin or current_origin() or ""
    await session.execute(
        sa.insert(security_log_table).values(
            at=at or utcnow(),
            actor=actor[:200],
            action=action[:60],
            object=object[:200],
            result=result[:30],
            origin=origin[:64],
            detail=dict(detail or {}),
        )
    )


async def record_security_refusal(session_factory: async_sessionmaker[AsyncSession], **entry: Any) -> None:
    """Add a refusal in a transaction of its own: the refused action rolls back, its log entry must not."""
    async with session_factory() as session, session.begin():
        await record_security_event(session, result=REFUSED, **entry)


async def list_security_events(
    session_factory: async_sessionmaker[AsyncSession], service: str, query: ListSecurityEvents
) -> SecurityEventList:
    """The newest entries first (optionally one action, before a time), at most ``query.limit``."""
    statement = sa.select(security_log_table).order_by(
        security_log_table.c.at.desc(), security_log_table.c.entry_id.desc()
    )
    if query.action:
        statement = statement.where(security_log_table.c.action == query.action)
    if query.before is not None:
        statement = statement.where(security_log_table.c.at < query.before)
    async with session_factory() as session:
        rows = (await session.execute(statement.limit(query.limit))).all()
    return SecurityEventList(
        events=[
            SecurityEvent(
                service=service,
                at=row.at,
                actor=row.actor,
                action=row.action,
                object=row.object,
                result=row.result,
                origin=row.origin,
                detail={str(key): str(value) for key, value in (row.detail or {}).items()},
            )
            for row in rows
        ]
    )
