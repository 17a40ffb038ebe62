"""Alembic environment shared by every service's `migrations/env.py`.

Each service keeps its own migration history in its own database; the kit's outbox and inbox tables are
part of every service's metadata so they are created by the service's first migration.
"""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from lklr_shared.kit.db import kit_metadata, make_engine


def run_alembic_env(service_metadata: sa.MetaData) -> None:
    """Body of a service's env.py: run migrations online against the configured URL."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set it in the alembic config or pass database_url")
    target: list[sa.MetaData] = [kit_metadata, service_metadata]

    def do_run(connection: Connection) -> None:
        options: dict[str, Any] = {"render_as_batch": connection.dialect.name == "sqlite"}
        context.configure(connection=connection, target_metadata=target, **options)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = make_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run_async())
