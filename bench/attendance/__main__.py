"""Benchmark of provider attendance, end to end (a program that prints figures, not a test):

    uv run python -m bench.attendance [--rows 10000] [--batch 1000] [--single 200] [--posters 1] [--profile] [--keep]

Against the local PostgreSQL and RabbitMQ it creates its own databases and a unique broker prefix, starts the
registry, portfolio and accreditation services and the gateway as separate processes (`python -m <service>`,
configured by environment, as in production: each process has its own interpreter and event loop, and every hop
is a real socket), announces registrations as the registry does (`registry.RegistrationGranted` and `CycleOpened`
events, which the portfolio and accreditation services consume into their read models), and then measures:

(a) 10,000 attendance rows posted through the gateway's HTTP API in batches of 1,000 (by default one client, one
    post after the other, each with its own Idempotency-Key; `--posters 2` lets two clients post side by side):
    rows per second from the first POST until every row is visible in the portfolios (committed in the portfolio
    database, where `GetPortfolio` reads it);
(b) the raw rate of asyncpg `executemany` inserting 10,000 comparable rows (the accreditation `attendance` table's
    columns and indexes) into a scratch table of the same server, in the same run: the best of three;
(c) latency from sending a one-row POST until that row is visible in the portfolio, p50 and p99 over 200 posts
    (the portfolio database is polled every 2 ms, so figures carry up to 2 ms of polling granularity).

Targets: (a) at least 10% of (b); (c) p99 within 200 ms. Everything it made is removed at the end
(`--keep` leaves the databases and logs for inspection). Servers: LKLR_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) and LKLR_BENCH_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import asyncpg
import httpx
from faststream.rabbit import RabbitBroker
from sqlalchemy.engine import make_url

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology, all_names, declare_exchanges
from lklr_shared.registration_numbers import registration_number_for

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "portfolio", "accreditation")
CONSUMERS = ("registry", "portfolio", "accreditation")


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def register_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Amsterdam")).date()


# --- The machine -----------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


# --- The running system ----------------------------------------------------------------------------------------


@dataclass
class System:
    """Databases, broker names and processes of one benchmark run."""

    server_url: str
    amqp_url: str
    keep: bool
    profile: bool = False
    # Extra environment for every process (e.g. demo commands or a raised lookup limit for `python -m bench`).
    extra_env: dict[str, str] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lklr-bench-")))
    databases: dict[str, str] = field(default_factory=dict)
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    gateway_url: str = ""
    connection: aio_pika.abc.AbstractRobustConnection | None = None
    broker: RabbitBroker | None = None
    rpc: RpcClient | None = None

    @property
    def topology(self) -> Topology:
        return Topology(prefix=f"bench{self.run_id}")

    def dsn(self, name: str) -> str:
        return make_url(self.databases[name]).set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(make_url(self.server_url).set(drivername="postgresql").render_as_string(False))

    async def create_databases(self) -> None:
        connection = await self.admin()
        try:
            for name in (*SERVICES, "scratch"):
                database = f"lklr_bench_{self.run_id}_{name}"
                await connection.execute(f'CREATE DATABASE "{database}"')
                self.databases[name] = (
                    make_url(self.server_url)
                    .set(drivername="postgresql+asyncpg", database=database)
                    .render_as_string(hide_password=False)
                )
        finally:
            await connection.close()

    async def start(self) -> None:
        self.connection = await aio_pika.connect_robust(self.amqp_url)
        channel = await self.connection.channel()
        await declare_exchanges(channel, self.topology)
        self.broker = await connect_broker(self.amqp_url, name="bench-attendance")
        self.rpc = RpcClient(self.broker, self.topology, timeout=60, credentials=operator_credentials())

        port = free_port()
        self.gateway_url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for name in SERVICES:
            upper = name.upper()
            env |= {
                f"{upper}_DATABASE_URL": self.databases[name],
                f"{upper}_AMQP_URL": self.amqp_url,
                f"{upper}_BROKER_PREFIX": self.topology.prefix,
                f"{upper}_HEALTH_PORT": "0",
                f"{upper}_ENVIRONMENT": "local",
            }
        env |= {
            "REGISTRY_MAIL_DIR": str(self.workdir / "mail"),
            "PORTFOLIO_BLOB_DIR": str(self.workdir / "blobs"),
            "GATEWAY_AMQP_URL": self.amqp_url,
            "GATEWAY_BROKER_PREFIX": self.topology.prefix,
            "GATEWAY_PORT": str(port),
            "GATEWAY_SERVICES": json.dumps(list(SERVICES)),
            "GATEWAY_SECRET_KEY": "bench-secret",
            "GATEWAY_ENVIRONMENT": "local",
            "REGISTRY_ENVIRONMENT": "local",
        }
        env |= self.extra_env
        for name in (*SERVICES, "gateway"):
            out = (self.workdir / f"{name}.log").open("wb")
            # --profile: every process under cProfile, written to <workdir>/<name>.prof when it stops.
            profile = ["-m", "cProfile", "-o", str(self.workdir / f"{name}.prof")] if self.profile else []
            self.processes[name] = await asyncio.create_subprocess_exec(
                sys.executable, *profile, "-m", name, env=env, cwd=ROOT, stdout=out, stderr=out
            )
        async with httpx.AsyncClient(base_url=self.gateway_url, timeout=5) as client:
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                for name, process in self.processes.items():
                    if process.returncode is not None:
                        raise RuntimeError(f"{name} exited:\n{self.tail(name)}")
                if time.monotonic() > deadline:
                    raise RuntimeError("not ready in 120 s:\n" + "\n".join(self.tail(n) for n in self.processes))
                await asyncio.sleep(0.3)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each process has used so far (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for name, process in self.processes.items():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                used[name] = (int(fields[11]) + int(fields[12])) / ticks
        return used

    def tail(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return f"--- {name}\n" + (path.read_text(errors="replace")[-3000:] if path.exists() else "")

    async def call(self, service: str, request: Message) -> Any:
        assert self.rpc is not None
        return await self.rpc.call(service, request, timeout=60)

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                log(f"{name} did not stop in 30 s; killing it")
                process.kill()
        if self.connection is not None:
            with contextlib.suppress(Exception):
                channel = await self.connection.channel()
                names = all_names(self.topology, list(CONSUMERS), list(SERVICES))
                for queue in sorted(names.queues):
                    await channel.queue_delete(queue)
                for exchange in sorted(names.exchanges):
                    await channel.exchange_delete(exchange)
            await self.connection.close()
        if self.broker is not None:
            await self.broker.stop()
        if self.keep:
            log(f"kept: databases lklr_bench_{self.run_id}_*, logs in {self.workdir}")
            return
        connection = await self.admin()
        try:
            for name in self.databases:
                await connection.execute(f'DROP DATABASE IF EXISTS "lklr_bench_{self.run_id}_{name}" WITH (FORCE)')
        finally:
            await connection.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.asynccontextmanager
async def running_system(
    server_url: str, amqp_url: str, keep: bool, profile: bool = False, extra_env: dict[str, str] | None = None
) -> AsyncIterator[System]:
    system = System(server_url, amqp_url, keep, profile, dict(extra_env or {}))
    try:
        await system.create_databases()
        await system.start()
        yield system
    except BaseException:
        for name in system.processes:
            print(system.tail(name), file=sys.stderr)
        raise
    finally:
        await system.stop()


# --- Setting the stage -----------------------------------------------------------------------------------------


async def scalar(dsn: str, sql: str, *args: Any) -> Any:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def wait_until(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.25)


def registration_events(count: int, first: int = 900_000) -> tuple[list[str], list[Message]]:
    """`count` registrations with their first cycle: `registry.RegistrationGranted` and `CycleOpened` each."""
    since = register_today() - timedelta(days=365)
    numbers = [registration_number_for(first + index) for index in range(count)]
    events: list[Message] = []
    for number in numbers:
        person_id = uuid.uuid4()
        events.append(
            registry_contracts.RegistrationGranted(
                person_id=person_id,
                registration_number=number,
                initials="B.",
                surname=f"Bench {number}",
                roles=["leerplichtambtenaar"],
                employer_id="gemeente-bench",
                registered_since=since,
            )
        )
        events.append(
            registry_contracts.CycleOpened(
                person_id=person_id,
                registration_number=number,
                cycle_id=uuid.uuid4(),
                sequence=1,
                starts_on=since,
                ends_on=since.replace(year=since.year + 5) - timedelta(days=1),
                scheme_version="2018.1",
            )
        )
    return numbers, events


async def register_people(system: System, count: int) -> list[str]:
    """Announce `count` registrations (with their first cycle) exactly as the registry does, as
    `registry.RegistrationGranted` and `registry.CycleOpened` events, and wait until both consumers' read models
    hold all of them. (The registry's own `GrantDemoRegistration` does the same one person per request, at about
    20 a second on this kind of machine: too slow to set up 10,000 people; it is not what is measured here.)"""
    assert system.broker is not None
    publisher = Publisher(system.broker, system.topology.events_exchange, 30)
    numbers, events = registration_events(count)
    started = time.perf_counter()
    for offset in range(0, len(events), 500):
        await asyncio.gather(*(publisher.publish(e.wire_name, wrap(e)) for e in events[offset : offset + 500]))
    await publisher.close()
    log(f"announced {count:,} registrations in {time.perf_counter() - started:.1f} s; waiting for the read models")

    async def everywhere() -> bool:
        accreditation = await scalar(system.dsn("accreditation"), "SELECT count(*) FROM registered_people")
        portfolio = await scalar(system.dsn("portfolio"), "SELECT count(*) FROM cycles")
        return bool(accreditation >= count and portfolio >= count)

    await wait_until(everywhere, timeout=1800, what="registrations in the read models")
    log(f"read models complete after {time.perf_counter() - started:.1f} s")
    return numbers


@dataclass
class Stage:
    api_key: str
    editions: list[uuid.UUID]


async def provider_and_course(system: System, editions: int) -> Stage:
    provider = await system.call(
        "accreditation",
        accreditation_contracts.RegisterProvider(name=f"Bench {system.run_id}", registered_by="office:bench"),
    )
    key = await system.call(
        "accreditation",
        accreditation_contracts.CreateApiKey(provider_id=provider.provider_id, label="bench", created_by="bench"),
    )
    end = register_today() - timedelta(days=10)
    course = await system.call(
        "accreditation",
        accreditation_contracts.SubmitCourse(
            provider_id=provider.provider_id,
            submitted_by="bench",
            title="Benchmarkcursus",
            description="Voor de benchmark.",
            category="A1",
            study_load_hours=Decimal(8),
            editions=[
                accreditation_contracts.EditionInput(start_date=end - timedelta(days=1), end_date=end)
                for _ in range(editions)
            ],
        ),
    )
    await system.call(
        "accreditation",
        accreditation_contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by="committee:bench",
            reason="Benchmark.",
            points=Decimal(8),
            valid_from=end - timedelta(days=30),
        ),
    )
    return Stage(api_key=key.api_key, editions=[e.edition_id for e in course.editions])


async def quiet(system: System) -> None:
    """Wait until every outbox is drained and every event queue is empty: measure on an idle system. (Rows whose
    publish failed are left out: an unroutable event would keep failing; the service logs say which.)"""

    async def idle() -> bool:
        for name in SERVICES:
            unsent = "SELECT count(*) FROM kit_outbox WHERE sent_at IS NULL AND last_error IS NULL"
            if await scalar(system.dsn(name), unsent):
                return False
        assert system.connection is not None
        channel = await system.connection.channel()
        try:
            for consumer in CONSUMERS:
                queue = await channel.declare_queue(system.topology.consumer_queue(consumer), passive=True)
                if queue.declaration_result.message_count:
                    return False
        finally:
            await channel.close()
        return True

    await wait_until(idle, timeout=600, what="an idle system")


# --- The measurements ------------------------------------------------------------------------------------------


async def post(client: httpx.AsyncClient, stage: Stage, edition: uuid.UUID, numbers: Sequence[str]) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/provider/attendance",
        json={"edition_id": str(edition), "attendees": [{"registration_number": n} for n in numbers]},
        headers={"Authorization": f"Bearer {stage.api_key}", "Idempotency-Key": uuid.uuid4().hex},
    )
    if response.status_code != 200:
        raise RuntimeError(f"POST answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    if body["counts"]["recorded"] != len(numbers):
        raise RuntimeError(f"expected {len(numbers)} recorded rows, got {body['counts']}")
    return body


async def end_to_end(
    system: System, stage: Stage, numbers: Sequence[str], batch: int, posters: int
) -> dict[str, float]:
    """(a) Post all rows in batches (by `posters` clients, each one post after the other); stop the clock when
    all of them are in the portfolios."""
    edition = stage.editions[0]
    batches = [numbers[offset : offset + batch] for offset in range(0, len(numbers), batch)]
    portfolio = await asyncpg.connect(system.dsn("portfolio"))
    try:
        count = await portfolio.prepare("SELECT count(*) FROM activities WHERE edition_id = $1")
        async with httpx.AsyncClient(base_url=system.gateway_url, timeout=120) as client:

            async def poster() -> None:
                while batches:
                    await post(client, stage, edition, batches.pop(0))

            started = time.perf_counter()
            await asyncio.gather(*(poster() for _ in range(posters)))
            posted = time.perf_counter()
            # Polling is the measurement: the portfolio has no way to tell an outsider when a row lands.
            while True:
                if await count.fetchval(edition) >= len(numbers):
                    break
                await asyncio.sleep(0.01)
            visible = time.perf_counter()
    finally:
        await portfolio.close()
    return {"posted_s": posted - started, "visible_s": visible - started}


async def raw_executemany(system: System, rows: int, runs: int = 3) -> list[float]:
    """(b) asyncpg executemany of `rows` rows shaped like accreditation's `attendance`, in one transaction."""
    connection = await asyncpg.connect(system.dsn("scratch"))
    try:
        await connection.execute(
            """
            CREATE TABLE attendance_scratch (
                attendance_id uuid PRIMARY KEY,
                post_id uuid NOT NULL,
                provider_id uuid NOT NULL,
                course_id uuid NOT NULL,
                edition_id uuid NOT NULL,
                person_id uuid NOT NULL,
                registration_number varchar(16) NOT NULL,
                hours numeric(7, 2) NOT NULL,
                points numeric(7, 1) NOT NULL,
                completion_date date NOT NULL,
                channel varchar(10) NOT NULL,
                recorded_at timestamptz NOT NULL,
                voided_at timestamptz
            );
            CREATE INDEX ON attendance_scratch (post_id);
            CREATE INDEX ON attendance_scratch (edition_id);
            CREATE UNIQUE INDEX ON attendance_scratch (person_id, edition_id) WHERE voided_at IS NULL;
            """
        )
        statement = (
            "INSERT INTO attendance_scratch (attendance_id, post_id, provider_id, course_id, edition_id, person_id, "
            "registration_number, hours, points, completion_date, channel, recorded_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        )
        rates = []
        for _run in range(runs):
            await connection.execute("TRUNCATE attendance_scratch")
            post_id, provider_id, course_id, edition_id = (uuid.uuid4() for _ in range(4))
            now = datetime.now(UTC)
            values = [
                (
                    uuid.uuid4(),
                    post_id,
                    provider_id,
                    course_id,
                    edition_id,
                    uuid.uuid4(),
                    f"{n:07d}",
                    Decimal(8),
                    Decimal(8),
                    now.date(),
                    "api",
                    now,
                )
                for n in range(rows)
            ]
            started = time.perf_counter()
            async with connection.transaction():
                await connection.executemany(statement, values)
            rates.append(rows / (time.perf_counter() - started))
        return rates
    finally:
        await connection.close()


async def single_row_latency(
    system: System, stage: Stage, numbers: Sequence[str], warmup: Sequence[str]
) -> dict[str, list[float]]:
    """(c) One-row posts one after the other; each timed from sending the POST until its row is in the portfolio."""
    edition = stage.editions[1]
    portfolio = await asyncpg.connect(system.dsn("portfolio"))
    visible: list[float] = []
    answered: list[float] = []
    try:
        placed = await portfolio.prepare("SELECT 1 FROM activities WHERE attendance_id = $1")
        async with httpx.AsyncClient(base_url=system.gateway_url, timeout=60) as client:
            for index, number in enumerate([*warmup, *numbers]):
                started = time.perf_counter()
                body = await post(client, stage, edition if index >= len(warmup) else stage.editions[2], [number])
                answered_at = time.perf_counter()
                attendance_id = uuid.UUID(body["rows"][0]["attendance_id"])
                while True:
                    if await placed.fetchval(attendance_id) is not None:
                        break
                    await asyncio.sleep(0.002)
                if index >= len(warmup):
                    answered.append((answered_at - started) * 1000)
                    visible.append((time.perf_counter() - started) * 1000)
    finally:
        await portfolio.close()
    return {"visible_ms": visible, "answered_ms": answered}


async def key_check_cost(system: System, stage: Stage, samples: int = 200) -> list[float]:
    """What the gateway's API-key cache saves: one AuthenticateApiKey round trip, measured from here."""
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        await system.call("accreditation", accreditation_contracts.AuthenticateApiKey(api_key=stage.api_key))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# --- Main ------------------------------------------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


async def run(args: argparse.Namespace) -> int:
    facts = machine()
    load_before = load()
    async with running_system(args.postgres_url, args.amqp_url, args.keep or args.profile, args.profile) as system:
        pg_version = await scalar(system.dsn("scratch"), "SHOW server_version")
        assert system.connection is not None
        server = getattr(getattr(system.connection, "transport", None), "connection", None)
        properties = getattr(server, "server_properties", None) or {}
        raw_version = properties.get("version", b"?")
        rabbit_version = raw_version.decode() if isinstance(raw_version, bytes) else str(raw_version)
        log(f"system up (prefix {system.topology.prefix}, logs in {system.workdir})")

        warmup_count = 5
        total = args.rows + args.single + warmup_count
        numbers = await register_people(system, total)
        bulk, single, warmup = (
            numbers[: args.rows],
            numbers[args.rows : args.rows + args.single],
            numbers[args.rows + args.single :],
        )
        stage = await provider_and_course(system, editions=3)
        await quiet(system)

        log(f"(a) posting {args.rows:,} rows in batches of {args.batch:,}")
        cpu_before = system.cpu_seconds()
        e2e = await end_to_end(system, stage, bulk, args.batch, args.posters)
        cpu_during = {name: used - cpu_before.get(name, 0.0) for name, used in system.cpu_seconds().items()}
        e2e_rate = args.rows / e2e["visible_s"]
        log(f"(a) done: {e2e_rate:,.0f} rows/s end to end")
        await quiet(system)

        log("(b) raw asyncpg executemany")
        raw_rates = await raw_executemany(system, args.rows)
        raw_rate = max(raw_rates)

        log(f"(c) {args.single} single-row posts")
        latency = await single_row_latency(system, stage, single, warmup)
        key_check = await key_check_cost(system, stage)
        load_after = load()

    visible = latency["visible_ms"]
    answered = latency["answered_ms"]
    p50, p99 = percentile(visible, 0.50), percentile(visible, 0.99)
    share = 100 * e2e_rate / raw_rate
    print()
    print("=== bench.attendance " + "=" * 90)
    print(f"machine     {facts['cpu']}, {facts['cores']}, {facts['memory']} RAM, {facts['os']}")
    print(f"software    Python {facts['python']}, PostgreSQL {pg_version}, RabbitMQ {rabbit_version}")
    print("setup       registry, portfolio, accreditation and gateway as separate processes on this machine;")
    print(
        f"            PostgreSQL and RabbitMQ local; (a) by {args.posters} HTTP client(s), each posting one request "
        "after the other; (c) by one"
    )
    print(
        f"load        1/5/15-min load average {load_before} before, {load_after} after "
        f"(above {os.cpu_count()} means other work competed for the CPUs)"
    )
    print()
    print(
        f"(a) end to end  {e2e_rate:>9,.0f} rows/s   {args.rows:,} rows in batches of {args.batch:,}: all visible "
        f"in the portfolios after {e2e['visible_s']:.2f} s (POSTs answered after {e2e['posted_s']:.2f} s, "
        f"{args.rows / e2e['posted_s']:,.0f} rows/s)"
    )
    print(
        "    CPU seconds used during (a): "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in sorted(cpu_during.items(), key=lambda i: -i[1]))
    )
    print(
        f"(b) raw insert  {raw_rate:>9,.0f} rows/s   asyncpg executemany of {args.rows:,} rows, best of "
        f"{len(raw_rates)} ({', '.join(f'{r:,.0f}' for r in raw_rates)})"
    )
    print(
        f"(c) single row  p50 {p50:6.1f} ms, p99 {p99:6.1f} ms from POST to visible in the portfolio "
        f"({len(visible)} posts; max {max(visible):.1f} ms; the POST itself answered p50 "
        f"{percentile(answered, 0.5):.1f} ms, p99 {percentile(answered, 0.99):.1f} ms)"
    )
    print()
    print(f"target (a) >= 10% of (b): {share:.1f}% -> {'met' if share >= 10 else 'MISSED'}")
    print(f"target (c) p99 <= 200 ms: {p99:.1f} ms -> {'met' if p99 <= 200 else 'MISSED'}")
    print(
        f"api-key check (what the gateway's 5 s cache saves per request): p50 {percentile(key_check, 0.5):.1f} ms, "
        f"p99 {percentile(key_check, 0.99):.1f} ms per AuthenticateApiKey round trip"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attendance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows for (a) and (b)")
    parser.add_argument("--batch", type=int, default=1_000, help="rows per POST in (a)")
    parser.add_argument("--single", type=int, default=200, help="one-row posts in (c)")
    parser.add_argument("--posters", type=int, default=1, help="clients posting the batches of (a) side by side")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    parser.add_argument(
        "--profile", action="store_true", help="run every process under cProfile (files in the kept work directory)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LKLR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--amqp-url", default=os.environ.get("LKLR_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
