"""Alembic environment shared by every service's `migrations/env.py`, and the wait for another process's migration.

Each service keeps its own migration history in its own database; the kit's outbox and inbox tables are
part of every service's metadata so they are created by the service's first migration.

Several processes of one service may start at once with auto-migrate on (replicas of a Deployment, `--scale`).
On PostgreSQL the upgrade runs under a session advisory lock on a per-service key, taken on the very connection
Alembic migrates with: one process migrates, the others wait for the lock and then read a database that is already
at head. SQLite (one file, one local process) needs no lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from lklr_shared.kit.db import kit_metadata, make_engine

log = logging.getLogger("lklr.migrations")

# The name a migration lock falls back to when the caller names no service (the Alembic command line, tests).
# Advisory locks are scoped to one database and every service has its own, so a shared name is still correct.
DEFAULT_LOCK_NAME = "lklr"
LOCK_KEY_ATTRIBUTE = "migration_lock_key"
LOCK_NAME_ATTRIBUTE = "migration_lock_name"


def migration_lock_key(service: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit integer) under which `service`'s migrations run."""
    digest = hashlib.blake2b(f"lklr.{service}.migrations".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def alembic_config(url: str, migrations_dir: Path, *, service: str | None = None) -> Config:
    """The Alembic configuration of a service's migrations against `url` (with the lock the env.py takes)."""
    name = service or DEFAULT_LOCK_NAME
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    config.attributes[LOCK_NAME_ATTRIBUTE] = name
    config.attributes[LOCK_KEY_ATTRIBUTE] = migration_lock_key(name)
    return config


@contextmanager
def advisory_lock(connection: Connection, key: int, name: str) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock `key` on `connection` for the block (nothing on other databases).

    A session lock rather than a transaction lock: it also covers migrations that commit on their own (Alembic's
    per-migration transactions, `autocommit_block`). Each statement is committed at once, so the lock is not
    mistaken for the start of Alembic's transaction. A connection that dies releases the lock with it.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
    if not got:
        log.info("another process is migrating the %s database; waiting for it to finish", name)
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
    connection.commit()
    try:
        yield
    finally:
        # After a failed migration Alembic has rolled back; the unlock needs a clean transaction either way.
        connection.rollback()
        connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        connection.commit()


def _revisions(heads: tuple[str, ...]) -> str:
    return ", ".join(heads) if heads else "an empty schema"


def run_alembic_env(service_metadata: sa.MetaData) -> None:
    """Body of a service's env.py: run migrations online against the configured URL, under the migration lock."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set it in the alembic config or pass database_url")
    target: list[sa.MetaData] = [kit_metadata, service_metadata]
    name = config.attributes.get(LOCK_NAME_ATTRIBUTE, DEFAULT_LOCK_NAME)
    key = config.attributes.get(LOCK_KEY_ATTRIBUTE, migration_lock_key(name))

    def do_run(connection: Connection) -> None:
        options: dict[str, Any] = {"render_as_batch": connection.dialect.name == "sqlite"}
        with advisory_lock(connection, key, name):
            context.configure(connection=connection, target_metadata=target, **options)
            migration = context.get_context()
            # Read under the lock: a process that waited sees what the one before it committed.
            before = migration.get_current_heads()
            with context.begin_transaction():
                context.run_migrations()
            after = migration.get_current_heads()
            connection.commit()
        if before == after:
            log.info("nothing to migrate: the %s database is already at %s", name, _revisions(after))
        else:
            log.info("migrated the %s database from %s to %s", name, _revisions(before), _revisions(after))

    async def run_async() -> None:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run_async())


async def wait_for_migrations(
    url: str, migrations_dir: Path, *, service: str, timeout_seconds: float, poll_seconds: float = 2.0
) -> None:
    """Return once the database is at this release's head revision, migrated by another process (a Job).

    For a service started with auto-migrate off: it must not serve on a schema its code does not know. A database
    *ahead* of this release (an older pod during a rolling update) is accepted, since every migration stays
    compatible with the release before it. Raises RuntimeError when the migration has not come within the timeout.
    """
    script = ScriptDirectory.from_config(alembic_config(url, migrations_dir))
    expected = tuple(sorted(script.get_heads()))
    known = {revision.revision for revision in script.walk_revisions()}
    engine = make_engine(url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    reported: tuple[str, ...] | None = None
    try:
        while True:
            async with engine.connect() as connection:
                current = tuple(
                    sorted(await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads()))
                )
            if current == expected:
                return
            if current and not set(current) <= known:
                log.warning(
                    "the %s database is at %s, newer than this release (%s); starting, as migrations stay"
                    " compatible with the release before them",
                    service,
                    _revisions(current),
                    _revisions(expected),
                )
                return
            if current != reported:
                log.info(
                    "waiting for migrations: the %s database is at %s, this release needs %s (auto-migrate is off)",
                    service,
                    _revisions(current),
                    _revisions(expected),
                )
                reported = current
            if loop.time() >= deadline:
                raise RuntimeError(
                    f"the {service} database is still at {_revisions(current)} after {timeout_seconds:g} s, this"
                    f" release needs {_revisions(expected)}: run `python -m {service} migrate` (the migrate step) or"
                    " turn auto-migrate on"
                )
            await asyncio.sleep(poll_seconds)
    finally:
        await engine.dispose()
