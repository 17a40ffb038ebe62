"""A private PostgreSQL server for tests that stop and start the database (never the shared one at 5432).

    async with private_postgres_node() as node:
        url = node.url("postgres")     # postgresql+asyncpg://postgres@127.0.0.1:<port>/postgres
        await node.stop()              # `pg_ctl stop -m fast`: clients lose their connections, new ones are refused
        await node.start()             # the same cluster again, with its data

PostgreSQL refuses to run as root, so `initdb`, `pg_ctl` and the server run as the `postgres` user
(`runuser -u postgres --` when the test runs as root) on a data directory in a temporary directory owned by that
user, listening on 127.0.0.1 on a free port with its socket in the same directory, trust authentication. The server
is stopped and the directory removed in all cases when the context ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.rabbit_node import free_port

POSTGRES_BIN = Path(os.environ.get("LKLR_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "postgres"
START_TIMEOUT_SECONDS = 60


@dataclass
class PrivatePostgresNode:
    """One extra PostgreSQL server on this machine, started and stopped by a test."""

    base: Path
    port: int = field(default_factory=free_port)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server (asyncpg driver, as the services use)."""
        return f"postgresql+asyncpg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """The plain libpq DSN of a database on this server (for asyncpg.connect)."""
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    async def _run(self, *args: str, timeout: float = 60) -> str:
        """Run a PostgreSQL program as the postgres user; raise with its output when it fails."""
        command = [str(POSTGRES_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_USER, "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=self.base
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RuntimeError(f"{args[0]} timed out after {timeout}s") from None
        text = out.decode(errors="replace")
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({process.returncode}):\n{text}\n{self.log_tail()}")
        return text

    async def init(self) -> None:
        """Create the cluster (trust authentication, listening on 127.0.0.1 only)."""
        if os.geteuid() == 0:
            owner = pwd.getpwnam(POSTGRES_USER)
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        await self._run("initdb", "-D", str(self.data_dir), "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.base}'\n"
                # Five services and the tests' own connections; durability does not matter for a throwaway server.
                "max_connections = 200\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    async def start(self) -> None:
        """Start the server (again, with its data) and wait until it accepts connections."""
        await self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.base / "server.log"), "-w",
            "-t", str(START_TIMEOUT_SECONDS), "start", timeout=START_TIMEOUT_SECONDS + 10,
        )  # fmt: skip

    async def stop(self) -> None:
        """Stop the server with `-m fast`: every connection is cut, as in an outage; new connections are refused."""
        await self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", "fast", "stop")

    async def running(self) -> bool:
        """Whether the server is up (`pg_ctl status`)."""
        try:
            await self._run("pg_ctl", "-D", str(self.data_dir), "status", timeout=10)
        except RuntimeError:
            return False
        return True

    def log_tail(self, lines: int = 30) -> str:
        path = self.base / "server.log"
        if not path.exists():
            return "(no server log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.asynccontextmanager
async def private_postgres_node() -> AsyncIterator[PrivatePostgresNode]:
    """A started private server; stopped and removed afterwards whatever happens. Skips without PostgreSQL."""
    if not (POSTGRES_BIN / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL server programs in {POSTGRES_BIN}")
    base = Path(tempfile.mkdtemp(prefix="lklr-postgres-"))
    node = PrivatePostgresNode(base)
    try:
        await node.init()
        await node.start()
        yield node
    finally:
        try:
            if await node.running():
                await node.stop()
        finally:
            shutil.rmtree(base, ignore_errors=True)
