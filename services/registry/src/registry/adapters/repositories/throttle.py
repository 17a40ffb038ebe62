"""The sign-in throttle's rows: failures per address typed (account or not), locked for the whole attempt."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import login_throttle
from registry.adapters.sql import as_utc_or_none, insert_if_absent
from registry.domain.login_throttle import ThrottleState


async def lock_throttle(session: AsyncSession, email: str) -> ThrottleState:
    """Lock the address's throttle row for the whole attempt and read it: parallel guesses at one address queue
    behind each other instead of all reading "no failures yet"."""
    await insert_if_absent(session, login_throttle, {"email": email, "failures": 0}, [login_throttle.c.email])
    row = (
        await session.execute(sa.select(login_throttle).where(login_throttle.c.email == email).with_for_update())
    ).one()
    return ThrottleState(
        failures=row.failures,
        last_failure_at=as_utc_or_none(row.last_failure_at),
        locked_until=as_utc_or_none(row.locked_until),
    )


async def store_throttle(session: AsyncSession, email: str, state: ThrottleState) -> None:
    """Write the address's throttle state (after a failure was counted in it)."""
    await session.execute(
        sa.update(login_throttle)
        .where(login_throttle.c.email == email)
        .values(failures=state.failures, last_failure_at=state.last_failure_at, locked_until=state.locked_until)
    )


async def clear_throttle(session: AsyncSession, email: str) -> None:
    """Forget the address's failures (a successful sign-in, a new password)."""
    await session.execute(sa.delete(login_throttle).where(login_throttle.c.email == email))
