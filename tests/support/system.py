"""Start the register as real processes for cross-service tests: services (`python -m <name>`) and one or more
gateways, on PostgreSQL databases made for the test session and a broker prefix of their own.

    async with start_system(amqp_url, databases, broker_names, tmp_path) as system:
        await system.rpc("registry", contracts.CreateDemoAccount(...))
        httpx.get(system.gateway_url + "/register")

Every process gets the settings a test needs by default: demo commands on (CreateDemoAccount,
GrantDemoRegistration), mail written to a folder in `tmp_path` (listed on the gateway's /dev/mail page), mail links
pointing at the first gateway, a fast outbox and mail relay, and one GATEWAY_SECRET_KEY for every gateway (a
session made by one is valid on the others). `env` adds or overrides variables. Readiness: every gateway's
/readyz answers 200, which means the broker is up and every started service answers a ping over RPC.

Fault tests run the system on servers of their own: `postgres_url` (a server URL; the databases are made there, and
`databases` may be None) and `broker_names=None` (a fresh broker prefix on `amqp_url`, a private node that goes
away with the test); `process_amqp_urls` gives single processes another broker URL (a proxy the test can cut).
`await system.kill(name)` ends one process with SIGKILL (a crash), `await system.restart(name)` starts it again
with the same settings and log, and `await system.wait_ready()` waits for every gateway's /readyz.

`clock_offset_file=True` gives every process one clock offset file (`system.clock_offset_file`, as the demo's
time travel does); `await system.move_clock(days)` then moves every process's "today" together.

On leaving, every process gets SIGTERM and must stop with exit code 0 within 20 seconds (as in production).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy.engine import make_url

from lklr_shared.contracts.base import Message
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from scripts import time_travel
from scripts.time_travel import CLOCK_REFRESH_WAIT_SECONDS, read_offset, write_offset
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES: tuple[str, ...] = ("registry", "portfolio", "accreditation", "audit")
READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 20.0
TEST_SECRET_KEY = "test-only-secret-key-shared-by-every-gateway"


def service_env(name: str, database_url: str, amqp_url: str, topology: Topology) -> dict[str, str]:
    """The settings a service process `name` needs to run in a test: its database, the broker under the test's
    prefix, a health port the system picks, a quick outbox relay and the local environment."""
    upper = name.upper()
    return {
        f"{upper}_DATABASE_URL": database_url,
        f"{upper}_AMQP_URL": amqp_url,
        f"{upper}_BROKER_PREFIX": topology.prefix,
        f"{upper}_HEALTH_PORT": "0",
        f"{upper}_OUTBOX_POLL_SECONDS": "0.5",
        f"{upper}_ENVIRONMENT": "local",
    }


@dataclass
class RunningSystem:
    gateway_urls: list[str]
    database_urls: dict[str, str]
    topology: Topology
    amqp_url: str
    mail_dir: Path
    logs: Path
    clock_offset_file: Path | None = None
    _broker: RabbitBroker | None = field(default=None, repr=False)
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict, repr=False)
    # How each process is started (its environment), to start it again after a kill.
    process_env: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _log_files: list[IO[bytes]] = field(default_factory=list, repr=False)
    # Processes a test killed and did not start again: they are expected to be gone at the end.
    killed: set[str] = field(default_factory=set)

    @property
    def pids(self) -> dict[str, int]:
        """Process id of each running process by name ("portfolio", "gateway", ...), e.g. to measure its memory."""
        return {name: process.pid for name, process in self.processes.items()}

    @property
    def gateway_url(self) -> str:
        return self.gateway_urls[0]

    async def broker(self) -> RabbitBroker:
        """The test's own broker connection (made on first use; stopped with the system)."""
        if self._broker is None:
            self._broker = await connect_broker(self.amqp_url, name="test-system")
        return self._broker

    async def rpc(self, service: str, request: Message, *, timeout: float = 15) -> Message:
        """Ask a service directly over RabbitMQ (set-up that has no page, e.g. a demo account)."""
        return await RpcClient(
            await self.broker(), self.topology, timeout=timeout, credentials=operator_credentials()
        ).call(service, request)

    async def move_clock(self, days: int) -> None:
        """Move every process's clock `days` further (the offsets add up) and wait until they all read it."""
        if self.clock_offset_file is None:
            raise RuntimeError("start_system(..., clock_offset_file=True) gives the processes a clock to move")
        write_offset(self.clock_offset_file, read_offset(self.clock_offset_file) + days)
        await asyncio.sleep(CLOCK_REFRESH_WAIT_SECONDS)

    async def spawn(self, name: str) -> None:
        """Start the process `name` (a service or a gateway) with its settings, appending to its log."""
        log = (self.logs / f"{name}.log").open("ab")
        self._log_files.append(log)
        module = "gateway" if name.startswith("gateway") else name
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env=self.process_env[name], cwd=ROOT, stdout=log, stderr=log
        )
        self.killed.discard(name)

    async def kill(self, name: str) -> None:
        """End one process with SIGKILL (a crash: no shutdown, no acks, nothing flushed) and wait until it is gone."""
        process = self.processes[name]
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGKILL)
        await process.wait()
        self.killed.add(name)

    async def restart(self, name: str) -> None:
        """Start a killed (or exited) process again with the same settings, then wait until the system is ready."""
        if self.processes[name].returncode is None:
            raise RuntimeError(f"{name} still runs; kill it first")
        await self.spawn(name)
        await self.wait_ready()

    async def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Wait until every gateway's /readyz answers 200 (every service answers a ping over the broker)."""
        running = {name: p for name, p in self.processes.items() if name not in self.killed}
        await _wait_ready(self.gateway_urls, running, self, timeout=timeout)

    def log_tail(self, name: str, characters: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-characters:] if path.exists() else "(no log)"

    def mails(self) -> list[str]:
        """The raw text of every mail the registry wrote to its folder, oldest first."""
        if not self.mail_dir.exists():
            return []
        files = sorted(self.mail_dir.rglob("*.eml"), key=lambda path: path.stat().st_mtime)
        return [path.read_text(errors="replace") for path in files]


async def _wait_ready(
    urls: Sequence[str],
    processes: Mapping[str, asyncio.subprocess.Process],
    system: RunningSystem,
    *,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(urls)
    async with httpx.AsyncClient(timeout=5) as client:
        while pending:
            for url in list(pending):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        pending.remove(url)
            for name, process in processes.items():
                if process.returncode is not None:
                    pytest.fail(f"{name} exited with {process.returncode}:\n{system.log_tail(name)}")
            if not pending:
                return
            if loop.time() > deadline:
                dump = "\n".join(f"--- {name}\n{system.log_tail(name, 1500)}" for name in processes)
                pytest.fail(f"system not ready in {timeout:.0f}s\n{dump}")
            await asyncio.sleep(0.3)


async def _stop(processes: Mapping[str, asyncio.subprocess.Process], system: RunningSystem) -> list[str]:
    for process in processes.values():
        if process.returncode is None:
            process.terminate()
    problems = []
    for name, process in processes.items():
        if name in system.killed:
            continue
        try:
            code = await asyncio.wait_for(process.wait(), timeout=STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            problems.append(f"{name} did not stop within {STOP_TIMEOUT_SECONDS:.0f}s of SIGTERM")
            continue
        if code != 0:
            problems.append(f"{name} exited with {code} on SIGTERM:\n{system.log_tail(name, 2000)}")
    return problems


async def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url` (a private one); return the database's URL."""
    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def start_system(
    amqp_url: str,
    databases: Any,
    broker_names: Any,
    tmp_path: Path,
    *,
    services: Sequence[str] = SERVICES,
    gateways: int = 1,
    env: Mapping[str, str] | None = None,
    clock_offset_file: bool = False,
    postgres_url: str | None = None,
    process_amqp_urls: Mapping[str, str] | None = None,
) -> AsyncIterator[RunningSystem]:
    """Start `services` and `gateways` gateway processes; stop them all on exit (see the module docstring)."""
    if broker_names is None:
        topology = Topology(prefix=f"f{uuid.uuid4().hex[:10]}")
    else:
        topology = broker_names.topology(consumers=set(services), services=set(services))
    if postgres_url is None:
        database_urls = {name: await databases.create(name) for name in services}
    else:
        database_urls = {name: await create_database(postgres_url, f"lklr_{name}") for name in services}
    ports = [free_port() for _ in range(gateways)]
    gateway_urls = [f"http://127.0.0.1:{port}" for port in ports]
    logs = tmp_path / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    mail_dir = tmp_path / "mail"
    clock_file = time_travel.offset_file(tmp_path) if clock_offset_file else None

    base = dict(os.environ)
    for name in services:
        upper = name.upper()
        base |= service_env(name, database_urls[name], amqp_url, topology)
        if clock_file is not None:
            base[f"{upper}_CLOCK_OFFSET_FILE"] = str(clock_file)
    if clock_file is not None:
        base["GATEWAY_CLOCK_OFFSET_FILE"] = str(clock_file)
    base |= {
        "REGISTRY_ALLOW_DEMO_COMMANDS": "true",
        "ACCREDITATION_ALLOW_DEMO_COMMANDS": "true",
        "REGISTRY_MAIL_BACKEND": "folder",
        "REGISTRY_MAIL_DIR": str(mail_dir),
        "REGISTRY_DEV_MAILBOX": "true",
        # Every test client signs in from 127.0.0.1; the per-address limit has its own test.
        "REGISTRY_ACCOUNT_REQUESTS_PER_WINDOW": "100000",
        "REGISTRY_MAIL_POLL_SECONDS": "0.5",
        "REGISTRY_PUBLIC_BASE_URL": gateway_urls[0],
        "GATEWAY_AMQP_URL": amqp_url,
        "GATEWAY_BROKER_PREFIX": topology.prefix,
        "GATEWAY_SECRET_KEY": TEST_SECRET_KEY,
        "GATEWAY_DEV_PAGES": "true",
        "GATEWAY_HSTS_MAX_AGE_SECONDS": "0",
        "GATEWAY_ENVIRONMENT": "local",
        "REGISTRY_ENVIRONMENT": "local",
        "GATEWAY_SERVICES": json.dumps(list(services)),
    }
    base |= dict(env or {})

    system = RunningSystem(gateway_urls, database_urls, topology, amqp_url, mail_dir, logs, clock_file)
    own_amqp = dict(process_amqp_urls or {})
    for name in services:
        system.process_env[name] = base | ({f"{name.upper()}_AMQP_URL": own_amqp[name]} if name in own_amqp else {})
    for index, port in enumerate(ports):
        name = "gateway" if index == 0 else f"gateway{index + 1}"
        system.process_env[name] = base | {"GATEWAY_PORT": str(port)}
        if name in own_amqp:
            system.process_env[name]["GATEWAY_AMQP_URL"] = own_amqp[name]
    try:
        for name in system.process_env:
            await system.spawn(name)
        await system.wait_ready()
        yield system
    finally:
        if system._broker is not None:
            await system._broker.stop()
        problems = await _stop(system.processes, system)
        for log in system._log_files:
            log.close()
        # The processes are gone: delete this system's queues now rather than at session end, so the broker never
        # holds the quorum queues of every system test at once.
        if broker_names is not None:
            await broker_names.release(topology)
        if problems:
            pytest.fail("\n".join(problems))
