"""What every repository module needs: times with their zone, and statements in the database's own dialect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession


def as_utc(moment: datetime) -> datetime:
    """The moment with its UTC zone (SQLite stores aware times but returns them naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def maybe_utc(moment: datetime | None) -> datetime | None:
    """The moment with its UTC zone, or None."""
    return None if moment is None else as_utc(moment)


def dialect(session: AsyncSession) -> str:
    """The database's dialect name (``postgresql`` or ``sqlite``)."""
    return session.get_bind().dialect.name


def has_single_writer(session: AsyncSession) -> bool:
    """Whether the database lets one transaction write at a time (SQLite: a local run), so a second transaction
    would wait for the lock the session's own transaction holds."""
    return session.bind is not None and session.bind.dialect.name == "sqlite"
