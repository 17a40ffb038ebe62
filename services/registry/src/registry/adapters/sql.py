"""Small SQL helpers that differ per dialect (PostgreSQL in production, SQLite as the embedded default)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_if_absent(
    session: AsyncSession, table: sa.Table, values: Mapping[str, Any], key_columns: Sequence[sa.Column[Any]]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: make sure a row exists without failing when it already does."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(
            postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(key_columns))
        )
    elif dialect == "sqlite":
        await session.execute(
            sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(key_columns))
        )
    else:
        raise NotImplementedError(f"no insert-if-absent for the {dialect} dialect")
