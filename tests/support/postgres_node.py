"""A private PostgreSQL server for tests that stop and start the database (never the shared one at 5432).

    async with private_postgres() as server:
        engine = make_engine(server.url)
        await server.stop()      # `pg_ctl stop -m fast`: connections refused from now on
        await server.start()     # the same cluster again, with its data

The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port (and a socket in that directory),
trusts local connections and is made and run by the `postgres` user (PostgreSQL refuses to run as root; as root
the commands go through `runuser`). It is stopped and its directory removed in all cases when the context ends.
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

from tests.support.ports import free_port

POSTGRES_BIN = Path(os.environ.get("LKLR_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"


@dataclass
class PrivatePostgres:
    """One extra PostgreSQL cluster on this machine, started and stopped by a test."""

    base: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.base / "data"

    async def run(self, *args: str, timeout: float = 120) -> str:
        """Run a PostgreSQL program as the server user; raise with its output when it fails."""
        command = [str(POSTGRES_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, cwd=self.base, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RuntimeError(f"{args[0]} timed out after {timeout}s") from None
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({process.returncode}): {out.decode(errors='replace')}")
        return out.decode(errors="replace")

    async def init(self) -> None:
        # No fsync: a test cluster's durability across a machine crash does not matter; its speed does.
        await self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    async def start(self) -> None:
        """Start the cluster (again, with its data) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        await self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-o", options, "-w", "start"
        )

    async def stop(self) -> None:
        """Stop the cluster: open connections are closed and new ones refused until `start`."""
        await self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def stop_if_running(self) -> None:
        if (self.data / "postmaster.pid").exists():
            await self.stop()


@contextlib.asynccontextmanager
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A started private cluster; stopped and removed afterwards whatever happens. Skips without PostgreSQL."""
    if not (POSTGRES_BIN / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL server programs in {POSTGRES_BIN}")
    base = Path(tempfile.mkdtemp(prefix="lklr-postgres-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(base, user.pw_uid, user.pw_gid)
    server = PrivatePostgres(base)
    try:
        await server.init()
        await server.start()
        yield server
    finally:
        try:
            await server.stop_if_running()
        finally:
            shutil.rmtree(base, ignore_errors=True)
