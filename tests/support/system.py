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

`clock_offset_file=True` gives every process one clock offset file (`system.clock_offset_file`, as the demo's
time travel does); `await system.move_clock(days)` then moves every process's "today" together.

On leaving, every process gets SIGTERM and must stop with exit code 0 within 20 seconds (as in production).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from faststream.rabbit import RabbitBroker

from lklr_shared.contracts.base import Message
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from scripts import time_travel
from scripts.time_travel import CLOCK_REFRESH_WAIT_SECONDS, read_offset, write_offset

ROOT = Path(__file__).resolve().parents[2]
SERVICES: tuple[str, ...] = ("registry", "portfolio", "accreditation", "audit")
READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 20.0
TEST_SECRET_KEY = "test-only-secret-key-shared-by-every-gateway"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningSystem:
    gateway_urls: list[str]
    database_urls: dict[str, str]
    topology: Topology
    amqp_url: str
    mail_dir: Path
    logs: Path
    clock_offset_file: Path | None = None
    # Process id of each started process by name ("portfolio", "gateway", ...), e.g. to measure its memory.
    pids: dict[str, int] = field(default_factory=dict)
    _broker: RabbitBroker | None = field(default=None, repr=False)

    @property
    def gateway_url(self) -> str:
        return self.gateway_urls[0]

    async def rpc(self, service: str, request: Message, *, timeout: float = 15) -> Message:
        """Ask a service directly over RabbitMQ (set-up that has no page, e.g. a demo account)."""
        if self._broker is None:
            self._broker = await connect_broker(self.amqp_url, name="test-system")
        return await RpcClient(self._broker, self.topology, timeout=timeout, credentials=operator_credentials()).call(
            service, request
        )

    async def move_clock(self, days: int) -> None:
        """Move every process's clock `days` further (the offsets add up) and wait until they all read it."""
        if self.clock_offset_file is None:
            raise RuntimeError("start_system(..., clock_offset_file=True) gives the processes a clock to move")
        write_offset(self.clock_offset_file, read_offset(self.clock_offset_file) + days)
        await asyncio.sleep(CLOCK_REFRESH_WAIT_SECONDS)

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
    urls: Sequence[str], processes: Mapping[str, asyncio.subprocess.Process], system: RunningSystem
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_SECONDS
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
                pytest.fail(f"system not ready in {READY_TIMEOUT_SECONDS:.0f}s\n{dump}")
            await asyncio.sleep(0.3)


async def _stop(processes: Mapping[str, asyncio.subprocess.Process], system: RunningSystem) -> list[str]:
    for process in processes.values():
        if process.returncode is None:
            process.terminate()
    problems = []
    for name, process in processes.items():
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
) -> AsyncIterator[RunningSystem]:
    """Start `services` and `gateways` gateway processes; stop them all on exit (see the module docstring)."""
    topology = broker_names.topology(consumers=set(services), services=set(services))
    database_urls = {name: await databases.create(name) for name in services}
    ports = [free_port() for _ in range(gateways)]
    gateway_urls = [f"http://127.0.0.1:{port}" for port in ports]
    logs = tmp_path / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    mail_dir = tmp_path / "mail"
    clock_file = time_travel.offset_file(tmp_path) if clock_offset_file else None

    base = dict(os.environ)
    for name in services:
        upper = name.upper()
        base |= {
            f"{upper}_DATABASE_URL": database_urls[name],
            f"{upper}_AMQP_URL": amqp_url,
            f"{upper}_BROKER_PREFIX": topology.prefix,
            f"{upper}_HEALTH_PORT": "0",
            f"{upper}_OUTBOX_POLL_SECONDS": "0.5",
            f"{upper}_ENVIRONMENT": "local",
        }
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
    processes: dict[str, asyncio.subprocess.Process] = {}
    log_files = []
    try:
        for name in services:
            log = (logs / f"{name}.log").open("wb")
            log_files.append(log)
            processes[name] = await asyncio.create_subprocess_exec(
                sys.executable, "-m", name, env=base, cwd=ROOT, stdout=log, stderr=log
            )
        for index, port in enumerate(ports):
            name = "gateway" if index == 0 else f"gateway{index + 1}"
            log = (logs / f"{name}.log").open("wb")
            log_files.append(log)
            processes[name] = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "gateway",
                env=base | {"GATEWAY_PORT": str(port)},
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        system.pids = {name: process.pid for name, process in processes.items()}
        await _wait_ready(gateway_urls, processes, system)
        yield system
    finally:
        if system._broker is not None:
            await system._broker.stop()
        problems = await _stop(processes, system)
        for log in log_files:
            log.close()
        # The processes are gone: delete this system's queues now rather than at session end, so the broker never
        # holds the quorum queues of every system test at once.
        await broker_names.release(topology)
        if problems:
            pytest.fail("\n".join(problems))
