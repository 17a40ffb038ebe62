"""A service with auto-migrate off serves only on a schema its release knows (lklr_shared.kit.migrations).

The portfolio's real migrations on SQLite files: the check reads Alembic's version table, the same on PostgreSQL.
"""

import asyncio
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.kit.migrations import wait_for_migrations
from portfolio.bootstrap import MIGRATIONS_DIR

pytestmark = pytest.mark.integration


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'portfolio.db'}"


async def _wait(url: str, timeout: float = 30) -> None:
    await wait_for_migrations(url, MIGRATIONS_DIR, service="portfolio", timeout_seconds=timeout, poll_seconds=0.05)


async def test_a_database_at_the_release_head_is_ready_at_once(tmp_path: Path) -> None:
    url = _url(tmp_path)
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR, service="portfolio")
    await _wait(url)


async def test_an_unmigrated_database_ends_the_wait_with_the_migrate_step_named(tmp_path: Path) -> None:
    with pytest.raises(
        RuntimeError, match=r"portfolio database is still at an empty schema .*python -m portfolio migrate"
    ):
        await _wait(_url(tmp_path), timeout=0.01)


async def test_a_database_newer_than_the_release_is_accepted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # An old pod restarting during a rolling update, after the new release's migrate step ran.
    url = _url(tmp_path)
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR, service="portfolio")
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE alembic_version SET version_num = 'from_a_newer_release'"))
    finally:
        await engine.dispose()
    with caplog.at_level(logging.WARNING, logger="lklr.migrations"):
        await _wait(url)
    assert "newer than this release" in caplog.text


async def test_the_wait_ends_when_another_process_has_migrated(tmp_path: Path) -> None:
    url = _url(tmp_path)
    waiting = asyncio.create_task(_wait(url))
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR, service="portfolio")
    await asyncio.wait_for(waiting, timeout=30)
