"""Rate-limit counters in the registry's database, shared by every gateway process that asks the registry.

One row per (scope, client, fixed window). Counting is one conditional upsert ("add one if the count stays within
the limit"), so two gateways can never both see "one left" and both go ahead; it runs in autocommit, so the row
lock lasts for the statement only, not for the request (see ``count_within``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import rate_limit_counters

_T = rate_limit_counters


async def autocommit(session: AsyncSession) -> None:
    """Give a fresh session a connection on which every statement commits on its own (the counters' session)."""
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


async def count_within(
    session: AsyncSession, *, scope: str, client_key: str, window_start: datetime, most: int
) -> int | None:
    """Add one request to the client's counter for the window if the count stays at or below ``most``; return the
    count including it, or None when it would exceed ``most`` (nothing is counted then).

    One statement, on a session in autocommit (``autocommit``): the row lock it takes lasts only while PostgreSQL
    runs the statement, not for a round trip to the service, so one client's concurrent requests queue for
    microseconds instead of for each other's transactions (and a refused request leaves no count behind).
    """
    if most < 1:
        return None
    dialect = session.get_bind().dialect.name
    values = {"scope": scope, "client_key": client_key, "window_start": window_start, "request_count": 1}
    under_the_limit = _T.c.request_count < most
    if dialect == "postgresql":
        pg_insert = postgresql.insert(_T).values(**values)
        statement = pg_insert.on_conflict_do_update(
            index_elements=[_T.c.scope, _T.c.client_key, _T.c.window_start],
            set_={"request_count": _T.c.request_count + 1},
            where=under_the_limit,
        ).returning(_T.c.request_count)
    elif dialect == "sqlite":
        sqlite_insert = sqlite.insert(_T).values(**values)
        statement = sqlite_insert.on_conflict_do_update(
            index_elements=[_T.c.scope, _T.c.client_key, _T.c.window_start],
            set_={"request_count": _T.c.request_count + 1},
            where=under_the_limit,
        ).returning(_T.c.request_count)
    else:
        raise NotImplementedError(f"rate limiting has no upsert for the {dialect} dialect")
    counted = (await session.execute(statement)).scalar_one_or_none()
    return None if counted is None else int(counted)


async def requests_in_window(session: AsyncSession, *, scope: str, client_key: str, window_start: datetime) -> int:
    """Requests counted for the client in one window (0 when none)."""
    found = await session.execute(
        sa.select(_T.c.request_count).where(
            _T.c.scope == scope, _T.c.client_key == client_key, _T.c.window_start == window_start
        )
    )
    return int(found.scalar_one_or_none() or 0)


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete counters of windows that started before ``cutoff`` (no estimate reads them any more)."""
    result = await session.execute(sa.delete(_T).where(_T.c.window_start < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
