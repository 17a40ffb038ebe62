"""`python -m bench`: every measure of the performance table against its floor, measured in the same run.

    uv run python -m bench                                   # every measure at full size (about ten minutes)
    uv run python -m bench attendance portfolio-read         # only the named measures
    uv run python -m bench --quick                           # every measure at a small size (the harness works)

Measures (the floor is what the raw components do with the same work, on the same machine, in the same run; this
machine is shared, so absolute figures wander and the ratio is what counts):

| name | what | floor |
|---|---|---|
| attendance | 10,000 rows POSTed in batches of 1,000 until visible in every portfolio | asyncpg executemany of such rows |
| single-row | one attendance row, POST until visible in the portfolio (p99 over 200 posts) | - |
| events | 20,000 registry events (registrations and cycles) until applied in the portfolio and accreditation read models, per consumer | aio-pika consume + ack of the same messages |
| audit | 50,000 dossiers sampled and assigned by one audit worker, then by two | aio-pika consume + ack plus a confirmed publish of one event per message |
| portfolio-read | a professional's portfolio (60 activities) through the gateway's API, 32 concurrent clients | Litestar hello world under the same uvicorn setup |
| register-lookup | public register lookups by number and by name at 100,000 registrations, 200 requests/s | - |

The services run as separate processes (`python -m <service>`), configured by environment as in production, with
their own databases (`lklr_bench_<run>_*`) and broker prefix (`bench<run>`), removed at the end (`--keep` keeps
them). `bench.attendance` and `bench.audit` are its parts and still run on their own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aio_pika
import aiohttp
import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import audit as audit_bench
from bench import floors
from bench.attendance.__main__ import (
    Stage,
    System,
    end_to_end,
    log,
    machine,
    percentile,
    provider_and_course,
    quiet,
    raw_executemany,
    register_today,
    registration_events,
    running_system,
    single_row_latency,
)
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import wrap
from lklr_shared.registration_numbers import registration_number_for

MEASURES = ("attendance", "single-row", "events", "audit", "portfolio-read", "register-lookup")
SYSTEM_MEASURES = {"attendance", "single-row", "events", "portfolio-read", "register-lookup"}
PASSWORD = "wachtwoord-voor-de-benchmark"
SURNAMES = (
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Jong",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
)


@dataclass
class Sizes:
    """How much work each measure does (full size, or small with --quick)."""

    rows: int
    batch: int
    single: int
    events: int
    dossiers: int
    activities: int
    clients: int
    seconds: float
    registrations: int
    lookup_rate: int

    @classmethod
    def full(cls) -> Sizes:
        return cls(10_000, 1_000, 200, 20_000, 50_000, 60, 32, 15.0, 100_000, 200)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(200, 100, 10, 200, 200, 5, 4, 1.0, 1_000, 100)


@dataclass
class Row:
    """One line of the table."""

    measure: str
    floor: str
    today: str
    ratio: str
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


# --- events: registrations announced as the registry announces them ---------------------------------------------


async def announce(system: System, events: Sequence[Message], people: int) -> dict[str, float]:
    """Publish the events as the floor publishes its messages (aio-pika, persistent, confirmed, in windows of
    `floors.PUBLISH_WINDOW`; with the properties the registry's relay sets) and time until each read model holds
    all `people`: seconds from the first publish, per consumer. (Through the kit's Publisher, which waits for
    FastStream per message, publishing alone took about 8 s for 4,000 events: the measure was the publisher's.)"""
    envelopes = [wrap(event) for event in events]
    bodies = [envelope.to_bytes() for envelope in envelopes]
    connection = await aio_pika.connect(system.amqp_url)
    portfolio = await asyncpg.connect(system.dsn("portfolio"))
    accreditation = await asyncpg.connect(system.dsn("accreditation"))
    done: dict[str, float] = {}
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(system.topology.events_exchange, ensure=False)
        started = time.perf_counter()
        for offset in range(0, len(envelopes), floors.PUBLISH_WINDOW):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            content_type="application/json",
                            message_id=str(envelope.message_id),
                            correlation_id=str(envelope.correlation_id),
                            type=envelope.type,
                            timestamp=envelope.occurred_at,
                            headers={"x-message-version": envelope.version},
                        ),
                        routing_key=envelope.type,
                        mandatory=True,
                        timeout=60,
                    )
                    for envelope, body in zip(
                        envelopes[offset : offset + floors.PUBLISH_WINDOW],
                        bodies[offset : offset + floors.PUBLISH_WINDOW],
                        strict=True,
                    )
                )
            )
        log(f"published {len(events):,} events in {time.perf_counter() - started:.1f} s; waiting for the read models")
        deadline = time.monotonic() + 3600
        while len(done) < 2:
            if "portfolio" not in done and await portfolio.fetchval("SELECT count(*) FROM cycles") >= people:
                done["portfolio"] = time.perf_counter() - started
            if (
                "accreditation" not in done
                and await accreditation.fetchval("SELECT count(*) FROM registered_people") >= people
            ):
                done["accreditation"] = time.perf_counter() - started
            if time.monotonic() > deadline:
                raise RuntimeError(f"read models not complete after an hour: {done}")
            await asyncio.sleep(0.05)
    finally:
        await portfolio.close()
        await accreditation.close()
        await connection.close()
    return done


# --- portfolio read ------------------------------------------------------------------------------------------------


async def professional_with_activities(system: System, activities: int) -> str:
    """A professional with an account, a registration, `activities` self-entered activities; their API token."""
    email = f"bench-{uuid.uuid4().hex[:8]}@bench.example"
    account = await system.call(
        "registry",
        registry_contracts.CreateDemoAccount(email=email, password=PASSWORD, initials="B.", surname="Lezer"),
    )
    await system.call(
        "registry",
        registry_contracts.GrantDemoRegistration(
            initials="B.",
            surname="Lezer",
            roles=["leerplichtambtenaar"],
            employer_id="gemeente-bench",
            registered_since=register_today() - timedelta(days=365),
            person_id=account.account_id,
        ),
    )
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=60) as client:
        answer = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        if answer.status_code != 200:
            raise RuntimeError(f"token: {answer.status_code} {answer.text[:300]}")
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        deadline = time.monotonic() + 120
        while (mine := await client.get("/api/v1/me/portfolio", headers=headers)).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"portfolio not there: {mine.status_code} {mine.text[:300]}")
            await asyncio.sleep(0.2)
        for index in range(activities):
            fields = {
                "category": "A1" if index % 2 else "A2",
                "title": f"Activiteit {index}",
                "completion_date": str(register_today() - timedelta(days=index)),
                "study_load_hours": "2",
                "a2_type": "intervision",
                "quantity": "2",
                "hours_per_unit": "2",
            }
            entered = await client.post("/api/v1/me/activities", data=fields, headers=headers)
            if entered.status_code != 201:
                raise RuntimeError(f"activity: {entered.status_code} {entered.text[:300]}")
    return headers["Authorization"]


# --- register lookup -----------------------------------------------------------------------------------------------


async def fill_register(system: System, count: int) -> tuple[list[str], list[str]]:
    """`count` registrations written straight into the registry's tables (people, registrations, cycles), as its
    own grants leave them: the lookups read these tables, and granting 100,000 people one request at a time would
    take hours. Returns numbers and names (double surnames of about 50 people each) to look up."""
    rng = random.Random(14)
    now = datetime.now(UTC)
    since = register_today() - timedelta(days=400)
    people, registrations, cycles = [], [], []
    numbers, names = [], set()
    for index in range(count):
        person_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        sequence = 600_000 + index
        number = registration_number_for(sequence)
        surname = f"{rng.choice(SURNAMES)}-{rng.choice(SURNAMES)}"
        people.append((person_id, f"{chr(65 + index % 26)}.", surname, '["leerplichtambtenaar"]', now, now))
        registrations.append((person_id, sequence, number, since, "registered"))
        cycles.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                person_id,
                1,
                since,
                since + timedelta(days=1825),
                "2018.1",
            )
        )
        numbers.append(number)
        names.add(surname.lower())
    connection = await asyncpg.connect(system.dsn("registry"))
    try:
        async with connection.transaction():
            await connection.copy_records_to_table(
                "people",
                records=people,
                columns=["person_id", "initials", "surname", "roles", "created_at", "updated_at"],
            )
            await connection.copy_records_to_table(
                "registrations",
                records=registrations,
                columns=["person_id", "sequence", "registration_number", "registered_since", "status"],
            )
            await connection.copy_records_to_table(
                "cycles",
                records=cycles,
                columns=["cycle_id", "person_id", "sequence", "starts_on", "ends_on", "scheme_version"],
            )
        await connection.execute("ANALYZE people; ANALYZE registrations; ANALYZE cycles")
    finally:
        await connection.close()
    return numbers, sorted(names)


async def paced_lookups(base: str, queries: Sequence[str], rate: int, seconds: float) -> floors.HttpRun:
    """Open-loop lookups: one request every 1/rate s whatever the answers do; latency per answered request."""
    latencies: list[float] = []
    failures: dict[str, int] = {}
    total = max(1, int(rate * seconds))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:

        async def one(query: str) -> None:
            started = time.perf_counter()
            try:
                async with session.get(f"{base}/api/v1/register", params={"q": query}) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                return
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                failures[str(status)] = failures.get(str(status), 0) + 1

        tasks = []
        started = time.perf_counter()
        for index in range(total):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(queries[index % len(queries)])))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return floors.HttpRun(len(latencies), elapsed, latencies, failures)


# --- the measures --------------------------------------------------------------------------------------------------


def _add(rows: list[Row], row: Row) -> None:
    """Keep a row for the table and log it at once (a long run that is stopped still shows what it measured)."""
    rows.append(row)
    log(
        f"{row.measure}: floor {row.floor}, today {row.today}, ratio {row.ratio}, target {row.target}; {'; '.join(row.notes)}"
    )


def _ratio(value: float, floor: float) -> str:
    return f"{100 * value / floor:.1f}%" if floor else "-"


async def run_system_measures(args: argparse.Namespace, sizes: Sizes, chosen: list[str]) -> list[Row]:
    rows: list[Row] = []
    extra_env = {
        "REGISTRY_ALLOW_DEMO_COMMANDS": "true",
        # The benchmark's client is the only one of this private register: its lookups may exceed the public limit.
        "REGISTRY_REGISTER_LOOKUPS_PER_WINDOW": str(10**9),
        "REGISTRY_ACCOUNT_REQUESTS_PER_WINDOW": str(10**6),
    }
    async with running_system(args.postgres_url, args.amqp_url, args.keep, extra_env=extra_env) as system:
        log(f"system up (prefix {system.topology.prefix}, logs in {system.workdir})")
        warmup = 5
        need = 0
        if "attendance" in chosen or "single-row" in chosen:
            need = sizes.rows + sizes.single + warmup
        if "events" in chosen:
            need = max(need, sizes.events // 2)
        numbers: list[str] = []
        if need:
            numbers, events = registration_events(need)
            done = await announce(system, events, need)
            if "events" in chosen:
                floor = await floors.consume_ack(
                    args.amqp_url, system.topology.prefix, [wrap(e).to_bytes() for e in events]
                )
                # The portfolio consumes both events of a person, accreditation only the registration.
                rates = {"portfolio": len(events) / done["portfolio"], "accreditation": need / done["accreditation"]}
                worst = min(rates.values())
                share = 100 * worst / floor
                _add(
                    rows,
                    Row(
                        "events",
                        f"{floor:,.0f} msg/s",
                        ", ".join(f"{name} {rate:,.0f}/s" for name, rate in rates.items()),
                        f"{share:.1f}%",
                        ">= 25% per consumer",
                        share >= 25,
                        [f"{len(events):,} events; " + ", ".join(f"{n} done after {s:.1f} s" for n, s in done.items())],
                    ),
                )
        stage: Stage | None = None
        if "attendance" in chosen or "single-row" in chosen:
            stage = await provider_and_course(system, editions=3)
            await quiet(system)
        if "attendance" in chosen:
            assert stage is not None
            log(f"attendance: {sizes.rows:,} rows in batches of {sizes.batch:,}")
            e2e = await end_to_end(system, stage, numbers[: sizes.rows], sizes.batch, 1)
            rate = sizes.rows / e2e["visible_s"]
            await quiet(system)
            floor = max(await raw_executemany(system, sizes.rows))
            _add(
                rows,
                Row(
                    "attendance",
                    f"{floor:,.0f} rows/s",
                    f"{rate:,.0f} rows/s",
                    _ratio(rate, floor),
                    ">= 15%",
                    100 * rate / floor >= 15,
                    [
                        f"{sizes.rows:,} rows visible after {e2e['visible_s']:.2f} s (answered after {e2e['posted_s']:.2f} s)"
                    ],
                ),
            )
        if "single-row" in chosen:
            assert stage is not None
            single = numbers[sizes.rows : sizes.rows + sizes.single]
            warmups = numbers[sizes.rows + sizes.single : sizes.rows + sizes.single + warmup]
            latency = await single_row_latency(system, stage, single, warmups)
            p50, p99 = percentile(latency["visible_ms"], 0.5), percentile(latency["visible_ms"], 0.99)
            _add(
                rows,
                Row(
                    "single-row",
                    "-",
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
                    "-",
                    f"p99 <= {args.single_before_ms:g} ms (before)",
                    p99 <= args.single_before_ms,
                    [f"{len(latency['visible_ms'])} one-row posts"],
                ),
            )
        if "portfolio-read" in chosen:
            token = await professional_with_activities(system, sizes.activities)
            await quiet(system)
            async with floors.hello_world(system.workdir / "hello.log") as hello:
                floor_run = await floors.http_rate(f"{hello}/hello", clients=sizes.clients, seconds=sizes.seconds)
            read = await floors.http_rate(
                f"{system.gateway_url}/api/v1/me/portfolio",
                clients=sizes.clients,
                seconds=sizes.seconds,
                headers={"Authorization": token},
            )
            p99 = percentile(read.latencies_ms, 0.99) if read.latencies_ms else float("inf")
            share = 100 * read.rate / floor_run.rate
            _add(
                rows,
                Row(
                    "portfolio-read",
                    f"{floor_run.rate:,.0f} req/s",
                    f"{read.rate:,.0f} req/s, p99 {p99:.0f} ms",
                    f"{share:.1f}%",
                    ">= 15%, p99 <= 50 ms",
                    share >= 15 and p99 <= 50,
                    [
                        f"{sizes.activities} activities, {sizes.clients} clients, {sizes.seconds:g} s each; "
                        f"p50 {percentile(read.latencies_ms, 0.5) if read.latencies_ms else 0:.0f} ms"
                        + (f"; failures {read.failures}" if read.failures else "")
                    ],
                ),
            )
        if "register-lookup" in chosen:
            log(f"register-lookup: {sizes.registrations:,} registrations")
            lookup_numbers, names = await fill_register(system, sizes.registrations)
            rng = random.Random(7)
            queries = [q for _ in range(500) for q in (rng.choice(lookup_numbers), rng.choice(names))]
            run = await paced_lookups(system.gateway_url, queries, sizes.lookup_rate, sizes.seconds)
            p99 = percentile(run.latencies_ms, 0.99) if run.latencies_ms else float("inf")
            _add(
                rows,
                Row(
                    "register-lookup",
                    "-",
                    f"p99 {p99:.1f} ms at {run.rate:,.0f} req/s",
                    "-",
                    f"p99 <= 20 ms at {sizes.lookup_rate}/s",
                    p99 <= 20 and not run.failures,
                    [
                        f"{sizes.registrations:,} registrations; half by number, half by name; p50 "
                        f"{percentile(run.latencies_ms, 0.5) if run.latencies_ms else 0:.1f} ms"
                        + (f"; failures {run.failures}" if run.failures else "")
                    ],
                ),
            )
    return rows


async def run_audit(args: argparse.Namespace, sizes: Sizes) -> list[Row]:
    audit_args = argparse.Namespace(
        amqp_url=args.amqp_url,
        postgres_url=make_url(args.postgres_url).set(drivername="postgresql+asyncpg").render_as_string(False),
        dossiers=sizes.dossiers,
        batch=500,
        activities=12,
        seed=2026,
        timeout=1800,
        drain_timeout=600,
        keep=args.keep,
        profile=False,
    )
    results = {}
    for workers in (1, 2):
        log(f"audit: {sizes.dossiers:,} dossiers, {workers} worker(s)")
        results[workers] = await audit_bench.run(audit_args, workers)
    rng = random.Random(2026)
    bodies = [audit_bench.dossier_envelope(rng, register_today(), 12) for _ in range(sizes.dossiers)]
    # One event of the size of a DossierSampled envelope per dossier.
    event = b'{"payload":' + b'"x"' * 150 + b"}"
    floor = await floors.consume_ack_publish(
        args.amqp_url, f"bench{uuid.uuid4().hex[:8]}", bodies, event, batch=audit_args.batch
    )
    one, two = results[1], results[2]
    share = 100 * one.rate / floor
    scale = two.rate / one.rate
    return [
        Row(
            "audit, one worker",
            f"{floor:,.0f} msg/s",
            f"{one.rate:,.0f} dossiers/s",
            f"{share:.1f}%",
            ">= 40%",
            share >= 40,
            [
                f"{sizes.dossiers:,} dossiers in {one.processing_seconds:.1f} s; worker CPU {one.cpu_at_done:.1f} s "
                f"({1000 * one.cpu_at_done / sizes.dossiers:.2f} ms a dossier, start-up included); {one.sampled} "
                f"sampled; all cores busy {audit_bench.percent_busy(one.machine_busy)} while it ran (near 100%: no idle core is left "
                "for a second worker on this machine)"
            ],
        ),
        Row(
            "audit, two workers",
            "one worker",
            f"{two.rate:,.0f} dossiers/s",
            f"{scale:.2f}x",
            ">= 1.7x",
            scale >= 1.7,
            [
                f"{two.processing_seconds:.1f} s; worker CPU {two.cpu_at_done:.1f} s; all cores busy "
                f"{audit_bench.percent_busy(two.machine_busy)} while they ran"
            ],
        ),
    ]


def print_table(rows: list[Row], facts: dict[str, str], before: str, after: str, quick: bool) -> None:
    print()
    print(f"machine  {facts['cpu']}, {facts['cores']}, {facts['memory']} RAM, {facts['os']}, Python {facts['python']}")
    print(
        f"load     1/5/15-min load average {before} before, {after} after (above the core count: other work competed)"
    )
    if quick:
        print("quick    small sizes: the harness runs; the figures and met/missed say nothing about the targets")
    print()
    header = ("measure", "floor", "today", "ratio", "target", "met")
    table = [header, *((r.measure, r.floor, r.today, r.ratio, r.target, _met(r.met)) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
    for row in rows:
        for note in row.notes:
            print(f"{row.measure}: {note}")


def _met(met: bool | None) -> str:
    return "-" if met is None else ("met" if met else "missed")


async def run(args: argparse.Namespace) -> int:
    # SIGTERM or SIGINT (ignored by default in a background job) cancel the run, so that its databases, queues and
    # processes are removed on the way out.
    main_task = asyncio.current_task()
    assert main_task is not None
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, main_task.cancel)
    chosen = list(dict.fromkeys(args.measures or MEASURES))
    sizes = Sizes.quick() if args.quick else Sizes.full()
    for name in ("rows", "events", "dossiers", "registrations", "seconds", "activities", "clients"):
        if getattr(args, name) is not None:
            setattr(sizes, name, getattr(args, name))
    facts = machine()
    before = _load()
    rows: list[Row] = []
    if SYSTEM_MEASURES & set(chosen):
        rows += await run_system_measures(args, sizes, chosen)
    if "audit" in chosen:
        rows += await run_audit(args, sizes)
    order = {name: index for index, name in enumerate(MEASURES)}
    rows.sort(key=lambda r: order[r.measure.split(",")[0]])
    print_table(rows, facts, before, _load(), args.quick)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen measures."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("measures", nargs="*", help=f"measures to run (default: all): {', '.join(MEASURES)}")
    parser.add_argument("--quick", action="store_true", help="every measure at a small size (checks the harness)")
    parser.add_argument("--keep", action="store_true", help="keep the databases, queues and logs")
    parser.add_argument("--rows", type=int, help="attendance rows (default 10,000)")
    parser.add_argument("--events", type=int, help="registry events (default 20,000)")
    parser.add_argument("--dossiers", type=int, help="audit dossiers (default 50,000)")
    parser.add_argument("--registrations", type=int, help="registrations for the lookups (default 100,000)")
    parser.add_argument("--activities", type=int, help="activities in the portfolio read (default 60)")
    parser.add_argument("--clients", type=int, help="concurrent clients of the portfolio read (default 32)")
    parser.add_argument("--seconds", type=float, help="seconds of each HTTP measure (default 15)")
    parser.add_argument(
        "--single-before-ms", type=float, default=40.0, help="the single row's p99 before the change (the target)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LKLR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--amqp-url", default=os.environ.get("LKLR_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.measures if name not in MEASURES]
    if unknown:
        parser.error(f"unknown measure(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    try:
        return asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
