"""Rate-limit counters in the registry's database, shared by every gateway process that asks the registry.

One row per (scope, client, fixed window). Counting is an atomic upsert: on PostgreSQL the row lock it takes
serialises concurrent requests of one client until their transaction ends, so two gateways can never both
see "one left" and both go ahead; SQLite allows one writer at a time anyway.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import rate_limit_counters

_T = rate_limit_counters


async def count_request(session: AsyncSession, *, scope: str, client_key: str, window_start: datetime) -> int:
    """Add one request to the client's counter for the window; return the count including it.

    The caller rolls back when it refuses the request, so refused requests are not counted.
    """
    dialect = session.get_bind().dialect.name
    values = {"scope": scope, "client_key": client_key, "window_start": window_start, "request_count": 1}
    if dialect == "postgresql":
        pg_insert = postgresql.insert(_T).values(**values)
        statement = pg_insert.on_conflict_do_update(
            index_elements=[_T.c.scope, _T.c.client_key, _T.c.window_start],
            set_={"request_count": _T.c.request_count + 1},
        ).returning(_T.c.request_count)
    elif dialect == "sqlite":
        sqlite_insert = sqlite.insert(_T).values(**values)
        statement = sqlite_insert.on_conflict_do_update(
            index_elements=[_T.c.scope, _T.c.client_key, _T.c.window_start],
            set_={"request_count": _T.c.request_count + 1},
        ).returning(_T.c.request_count)
    else:
        raise NotImplementedError(f"rate limiting has no upsert for the {dialect} dialect")
    return int((await session.execute(statement)).scalar_one())


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
