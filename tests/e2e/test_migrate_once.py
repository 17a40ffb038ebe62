"""Migrations run once, however many processes of a service start together, and a service that does not migrate
itself waits for the one step that does.

Real processes (`python -m portfolio`) on a fresh PostgreSQL database. The proof that processes met at the lock is
not timing: the test holds the portfolio's migration lock itself until PostgreSQL shows all three processes waiting
for it, then lets go; each process logs whether it migrated or found nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from lklr_shared.kit.migrations import alembic_config, migration_lock_key
from portfolio.bootstrap import MIGRATIONS_DIR, SERVICE_NAME
from tests.support.ports import free_port
from tests.support.system import ROOT, STOP_TIMEOUT_SECONDS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MIGRATED = "migrated the portfolio database from an empty schema to"
NOTHING_TO_DO = "nothing to migrate: the portfolio database is already at"
WAITED_FOR_LOCK = "another process is migrating the portfolio database"
WAITING_FOR_JOB = "waiting for migrations: the portfolio database is at an empty schema"


@dataclass
class Process:
    name: str
    process: asyncio.subprocess.Process
    log: Path
    health_port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _head() -> str:
    (head,) = ScriptDirectory.from_config(alembic_config("sqlite://", MIGRATIONS_DIR)).get_heads()
    return head


@asynccontextmanager
async def _processes(
    count: int, database_url: str, amqp_url: str, prefix: str, tmp_path: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[list[Process]]:
    """`count` portfolio processes on one database, each with its own health port; SIGTERM and exit 0 at the end."""
    base = dict(os.environ) | {
        "PORTFOLIO_DATABASE_URL": database_url,
        "PORTFOLIO_AMQP_URL": amqp_url,
        "PORTFOLIO_BROKER_PREFIX": prefix,
        "PORTFOLIO_ENVIRONMENT": "local",
        "PORTFOLIO_BLOB_DIR": str(tmp_path / "blobs"),
    }
    base |= dict(env or {})
    started: list[Process] = []
    handles = []
    try:
        for index in range(count):
            port = free_port()
            log = tmp_path / f"portfolio-{index}.log"
            handle = log.open("wb")
            handles.append(handle)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                SERVICE_NAME,
                env=base | {"PORTFOLIO_HEALTH_PORT": str(port)},
                cwd=ROOT,
                stdout=handle,
                stderr=handle,
            )
            started.append(Process(f"portfolio-{index}", process, log, port))
        yield started
    finally:
        problems = []
        for item in started:
            if item.process.returncode is None:
                item.process.terminate()
        for item in started:
            try:
                code = await asyncio.wait_for(item.process.wait(), timeout=STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                item.process.kill()
                await item.process.wait()
                problems.append(f"{item.name} did not stop on SIGTERM")
                continue
            if code != 0:
                problems.append(f"{item.name} exited with {code}:\n{item.output()[-2000:]}")
        for handle in handles:
            handle.close()
        if problems:
            pytest.fail("\n".join(problems))


def _still_running(processes: list[Process]) -> None:
    for item in processes:
        if item.process.returncode is not None:
            pytest.fail(f"{item.name} exited with {item.process.returncode}:\n{item.output()[-3000:]}")


async def _all_ready(processes: list[Process], eventually: Any) -> None:
    async with httpx.AsyncClient(timeout=5) as client:

        async def ready() -> bool:
            _still_running(processes)
            for item in processes:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{item.health_port}/readyz")).status_code == 200:
                        continue
                return False
            return True

        await eventually(ready, timeout=90, interval=0.3, message="every portfolio process to answer /readyz")


async def _revisions(connection: asyncpg.Connection) -> list[str]:
    return [row["version_num"] for row in await connection.fetch("SELECT version_num FROM alembic_version")]


async def test_three_processes_started_at_once_on_an_empty_database_all_become_ready_and_migrate_once(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path, eventually: Any
) -> None:
    database_url = await databases.create("migrate_once")
    database = make_url(database_url).database
    topology = broker_names.topology(consumers={"portfolio"}, services={"portfolio"})
    holder = await asyncpg.connect(_plain(database_url))
    try:
        # The test takes the portfolio's migration lock first, so all three processes must meet at it.
        await holder.execute("SELECT pg_advisory_lock($1)", migration_lock_key(SERVICE_NAME))
        async with _processes(3, database_url, amqp_url, topology.prefix, tmp_path) as processes:

            async def all_three_wait_for_the_lock() -> bool:
                _still_running(processes)
                waiting = await holder.fetchval(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                    " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1",
                    database,
                )
                return int(waiting) == 3

            await eventually(all_three_wait_for_the_lock, timeout=60, interval=0.2, message="three lock waiters")
            assert await holder.fetchval("SELECT to_regclass('alembic_version')") is None, "migrated without the lock"
            await holder.execute("SELECT pg_advisory_unlock($1)", migration_lock_key(SERVICE_NAME))

            await _all_ready(processes, eventually)
            outputs = {item.name: item.output() for item in processes}
            migrated = [name for name, output in outputs.items() if MIGRATED in output]
            idle = [name for name, output in outputs.items() if NOTHING_TO_DO in output]
            assert len(migrated) == 1, outputs
            assert sorted(migrated + idle) == sorted(outputs), outputs
            assert all(WAITED_FOR_LOCK in output for output in outputs.values()), outputs
            assert await _revisions(holder) == [_head()]
    finally:
        await holder.close()
        await broker_names.release(topology)


async def test_a_service_with_auto_migrate_off_waits_for_the_migrate_step_then_serves(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path, eventually: Any
) -> None:
    database_url = await databases.create("migrate_job")
    topology = broker_names.topology(consumers={"portfolio"}, services={"portfolio"})
    env = {"PORTFOLIO_AUTO_MIGRATE": "false", "PORTFOLIO_MIGRATION_WAIT_SECONDS": "120"}
    try:
        async with _processes(1, database_url, amqp_url, topology.prefix, tmp_path, env) as (service,):

            def waiting() -> bool:
                _still_running([service])
                return WAITING_FOR_JOB in service.output()

            await eventually(waiting, timeout=60, interval=0.2, message="the service to wait for its migrations")
            connection = await asyncpg.connect(_plain(database_url))
            try:
                assert await connection.fetchval("SELECT to_regclass('alembic_version')") is None
            finally:
                await connection.close()

            # The migrate step, as the Job and the compose one-shot run it.
            job = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                SERVICE_NAME,
                "migrate",
                env=dict(os.environ) | {"PORTFOLIO_DATABASE_URL": database_url},
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            job_output, _ = await job.communicate()
            assert job.returncode == 0, job_output.decode(errors="replace")
            assert MIGRATED in job_output.decode(errors="replace")

            await _all_ready([service], eventually)
            assert MIGRATED not in service.output()
    finally:
        await broker_names.release(topology)
