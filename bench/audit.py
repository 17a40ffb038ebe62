"""Benchmark: a cycle-end peak of re-registration applications through the audit service.

    uv run python -m bench.audit [--dossiers 50000] [--workers 1 2] [--batch 500] [--profile] [--keep]
    uv run python -m bench.audit --dossiers 5000 --workers 1 --peak 60000 --within 30   # workers for a peak

Per run (one for each worker count): a fresh PostgreSQL database and broker prefix; reviewers inserted directly into
the audit's table; ``--dossiers`` DossierFrozen events published in bulk straight to the events exchange (before any
worker runs, so the queue is full when they start); then N worker processes ``python -m audit`` configured through
AUDIT_* environment variables, as an operator would start them. Timed until every dossier is sampled and every
case of a sampled dossier is assigned (read from the database). The outbox relay keeps publishing the audit's own
events (DossierSampled, AuditConcluded) after that; the time until its outbox is empty is printed too. A queue
bound to `audit.#` stands in for their consumers. Everything is removed afterwards (unless --keep).

With ``--peak DOSSIERS --within MINUTES`` it ends with the measured rate per worker and the number of audit
workers (replicas, ``--scale audit=N``) that work through such a peak in that time, for sizing before a cycle end.

This is a benchmark, not a test: it prints figures and asserts nothing beyond completion.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
from sqlalchemy.engine import make_url

from audit.adapters.orm import reviewers
from audit.bootstrap import MIGRATIONS_DIR
from lklr_shared.contracts.portfolio import DossierFrozen
from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.kit.topology import Topology, all_names, declare_consumer_queue

DEFAULT_POSTGRES = os.environ.get("LKLR_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
DEFAULT_AMQP = os.environ.get("LKLR_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REVIEWERS = 40
EMPLOYERS = 300
PUBLISH_WINDOW = 2000


# --- the applications --------------------------------------------------------------------------------------------


def _activity(
    rng: random.Random, applied_on: date, *, category: str, kind: str, points: int, accredited: bool, own: bool
) -> dict[str, Any]:
    return {
        "activity_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "category": category,
        "activity_type": kind,
        "points": str(points),
        "accredited": accredited,
        "self_entered": own,
        "completion_date": (applied_on - timedelta(days=rng.randint(30, 1500))).isoformat(),
        "description": "",
        "title": kind.replace("_", " ").capitalize(),
        "evidence": [],
    }


def dossier_envelope(rng: random.Random, applied_on: date, activities: int) -> bytes:
    """One DossierFrozen in its envelope, as the portfolio publishes it: ``activities`` activities meeting the norm
    (3 accredited courses of 40 points, the rest self-entered A2 and A1 work)."""
    items = [
        _activity(rng, applied_on, category="A1", kind="accredited_course", points=40, accredited=True, own=False)
        for _ in range(3)
    ]
    for i in range(max(activities - 3, 0)):
        if i % 3 == 2:
            items.append(_activity(rng, applied_on, category="A1", kind="course", points=6, accredited=False, own=True))
        else:
            items.append(
                _activity(rng, applied_on, category="A2", kind="article", points=10, accredited=False, own=True)
            )
    total = sum(int(a["points"]) for a in items)
    a2 = sum(int(a["points"]) for a in items if a["category"] == "A2")
    payload = {
        "dossier_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "person_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "registration_number": f"{rng.randint(0, 9_999_999):07d}",
        "cycle_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "employer_id": f"gemeente-{rng.randrange(EMPLOYERS)}",
        "total_points": str(total),
        "accredited_points": "120",
        "a2_points": str(a2),
        "norm_met": total >= 160 and a2 >= 40,
        "activities": items,
        "round": 1,
        "applied_on": applied_on.isoformat(),
        "registered_since": (applied_on - timedelta(days=5 * 365)).isoformat(),
        "scheme_version": "2018.1",
        "cycle_starts_on": (applied_on - timedelta(days=5 * 365 - 60)).isoformat(),
        "cycle_ends_on": (applied_on + timedelta(days=60)).isoformat(),
    }
    envelope = {
        "message_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "type": DossierFrozen.wire_name,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "correlation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "causation_id": None,
        "payload": payload,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


async def publish_all(connection: aio_pika.abc.AbstractConnection, topology: Topology, bodies: list[bytes]) -> float:
    """Publish persistent, confirmed and mandatory, pipelined in windows; return the seconds it took."""
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await channel.get_exchange(topology.events_exchange)
    started = time.perf_counter()
    for start in range(0, len(bodies), PUBLISH_WINDOW):
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        body,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        content_type="application/json",
                        type=DossierFrozen.wire_name,
                    ),
                    routing_key=DossierFrozen.wire_name,
                    mandatory=True,
                    timeout=60,
                )
                for body in bodies[start : start + PUBLISH_WINDOW]
            )
        )
    elapsed = time.perf_counter() - started
    await channel.close()
    return elapsed


# --- one run -----------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    workers: int
    dossiers: int
    publish_seconds: float
    startup_seconds: float
    processing_seconds: float
    total_seconds: float
    relay_drain_seconds: float | None
    sampled: int
    cases: int
    load_spread: tuple[int, int]
    log_dir: Path
    cpu_at_done: float
    cpu_at_drained: float
    load_average: tuple[float, float]
    # How busy the machine's cores were (every process: workers, PostgreSQL, RabbitMQ, others) while the dossiers
    # were processed, as a share of all cores: near 100% one worker already has no idle core to give a second.
    machine_busy: float | None = None

    @property
    def rate(self) -> float:
        return self.dossiers / self.processing_seconds if self.processing_seconds else float("inf")


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _create_database(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(_plain(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def _drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(_plain(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _insert_reviewers(url: str) -> None:
    """40 reviewers of 40 different municipalities (some dossiers come from those: conflicts of interest occur)."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                reviewers.insert(),
                [
                    {
                        "reviewer_id": uuid.uuid4(),
                        "person_id": None,
                        "employer_id": f"gemeente-{i}",
                        "name": f"Reviewer {i}",
                        "active": True,
                        "registered_at": now,
                        "updated_at": now,
                    }
                    for i in range(REVIEWERS)
                ],
            )
    finally:
        await engine.dispose()


def _spawn_worker(
    index: int, url: str, args: argparse.Namespace, prefix: str, log_dir: Path
) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "AUDIT_DATABASE_URL": url,
        "AUDIT_AMQP_URL": args.amqp_url,
        "AUDIT_BROKER_PREFIX": prefix,
        "AUDIT_HEALTH_PORT": "0",
        "AUDIT_ENVIRONMENT": "local",
        "AUDIT_AUTO_MIGRATE": "false",
        "AUDIT_EVENT_BATCH_SIZE": str(args.batch),
    }
    log = (log_dir / f"worker-{index}.log").open("wb")
    profile = ["-m", "cProfile", "-o", str(log_dir / f"worker-{index}.prof")] if args.profile else []
    command = [sys.executable, *profile, "-m", "audit", "serve"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def _cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
    """User + system CPU time the worker processes have used so far (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for process in processes:
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of every core since boot (Linux /proc/stat; None elsewhere)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(start: tuple[int, int] | None, end: tuple[int, int] | None) -> float | None:
    """The share of all cores' time that was busy between two `machine_cpu_ticks` readings."""
    if start is None or end is None or end[1] <= start[1]:
        return None
    return (end[0] - start[0]) / (end[1] - start[1])


async def _progress(connection: asyncpg.Connection) -> tuple[int, int, int]:
    row = await connection.fetchrow(
        "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM review_cases),"
        " (SELECT count(*) FROM review_cases WHERE status = 'unassigned')"
    )
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


async def run(args: argparse.Namespace, workers: int) -> RunResult:
    tag = uuid.uuid4().hex[:8]
    name, prefix = f"lklr_bench_audit_{tag}", f"bench{tag}"
    topology = Topology(prefix=prefix)
    url = await _create_database(args.postgres_url, name)
    connection = await aio_pika.connect_robust(args.amqp_url)
    processes: list[subprocess.Popen[bytes]] = []
    log_dir = Path(tempfile.mkdtemp(prefix=f"bench-audit-{tag}-"))
    try:
        await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
        await _insert_reviewers(url)
        channel = await connection.channel()
        # The audit's queue exactly as the workers declare it, so the applications wait there before they start.
        await declare_consumer_queue(channel, topology, "audit", [DossierFrozen.wire_name])
        sink = await channel.declare_queue(f"{prefix}.bench-sink", durable=False)
        await sink.bind(topology.events_exchange, routing_key="audit.#")

        rng = random.Random(args.seed)
        applied_on = date.today()
        bodies = [dossier_envelope(rng, applied_on, args.activities) for _ in range(args.dossiers)]
        DossierFrozen.model_validate(json.loads(bodies[0])["payload"])  # the generator speaks the contract
        publish_seconds = await publish_all(connection, topology, bodies)
        del bodies

        watcher = await asyncpg.connect(_plain(url))
        spawned = time.perf_counter()
        processes = [_spawn_worker(i, url, args, prefix, log_dir) for i in range(workers)]
        first_seen = done_at = None
        ticks_at_first: tuple[int, int] | None = None
        machine_busy: float | None = None
        cpu_at_done = cpu_at_drained = 0.0
        load_before = os.getloadavg()[0]
        while done_at is None:
            await asyncio.sleep(0.1)
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited with {process.returncode}; see {log_dir}")
            recorded, _cases, unassigned = await _progress(watcher)
            now = time.perf_counter()
            if recorded and first_seen is None:
                first_seen = now
                ticks_at_first = machine_cpu_ticks()
            if recorded >= args.dossiers and unassigned == 0:
                done_at = now
                cpu_at_done = _cpu_seconds(processes)
                machine_busy = busy_share(ticks_at_first, machine_cpu_ticks())
            elif now - spawned > args.timeout:
                raise TimeoutError(f"only {recorded} of {args.dossiers} dossiers after {args.timeout}s")
        assert first_seen is not None
        drained_at: float | None = None
        while drained_at is None and time.perf_counter() - done_at < args.drain_timeout:
            unsent = await watcher.fetchval("SELECT count(*) FROM kit_outbox WHERE sent_at IS NULL")
            if unsent == 0:
                drained_at = time.perf_counter()
                cpu_at_drained = _cpu_seconds(processes)
            else:
                await asyncio.sleep(0.25)
        sampled = int(await watcher.fetchval("SELECT count(*) FROM dossiers WHERE sampled"))
        _recorded, cases, _unassigned = await _progress(watcher)
        loads = [
            int(r[0])
            for r in await watcher.fetch(
                "SELECT count(c.case_id) FROM reviewers r LEFT JOIN review_cases c USING (reviewer_id) GROUP BY r.reviewer_id"
            )
        ]
        await watcher.close()
        return RunResult(
            workers=workers,
            dossiers=args.dossiers,
            publish_seconds=publish_seconds,
            startup_seconds=first_seen - spawned,
            processing_seconds=done_at - first_seen,
            total_seconds=done_at - spawned,
            relay_drain_seconds=None if drained_at is None else drained_at - done_at,
            sampled=sampled,
            cases=cases,
            load_spread=(min(loads), max(loads)),
            log_dir=log_dir,
            cpu_at_done=cpu_at_done,
            cpu_at_drained=cpu_at_drained,
            load_average=(load_before, os.getloadavg()[0]),
            machine_busy=machine_busy,
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            await _remove_broker_names(connection, topology)
            await _drop_database(args.postgres_url, name)
        await connection.close()


async def _remove_broker_names(connection: aio_pika.abc.AbstractConnection, topology: Topology) -> None:
    """Delete every queue and exchange of the run; each on its own channel, so one failure stops no other."""
    names = all_names(topology, ["audit"], ["audit"])
    for queue in sorted(names.queues | {f"{topology.prefix}.bench-sink"}):
        channel = await connection.channel()
        try:
            await channel.queue_delete(queue)
        except aio_pika.exceptions.AMQPError as exc:
            print(f"could not delete queue {queue}: {exc}", file=sys.stderr)
        finally:
            if not channel.is_closed:
                await channel.close()
    for exchange in sorted(names.exchanges):
        channel = await connection.channel()
        try:
            await channel.exchange_delete(exchange)
        except aio_pika.exceptions.AMQPError as exc:
            print(f"could not delete exchange {exchange}: {exc}", file=sys.stderr)
        finally:
            if not channel.is_closed:
                await channel.close()


def percent_busy(share: float | None) -> str:
    """A `busy_share` as a percentage for the printed figures."""
    return "n/a" if share is None else f"{100 * share:.0f}%"


# --- sizing ------------------------------------------------------------------------------------------------------


def per_worker_rate(results: list[RunResult]) -> float:
    """Dossiers per second that one worker handles: the slowest per-worker rate of the runs, so the sizing errs
    towards more workers (extra workers share the database and, on a small machine, the same cores)."""
    if not results:
        raise ValueError("no runs to take a rate from")
    return min(result.rate / result.workers for result in results)


def workers_needed(peak_dossiers: int, within_minutes: float, rate_per_worker: float) -> int:
    """Workers that sample and assign `peak_dossiers` within `within_minutes` at `rate_per_worker` dossiers/s each
    (the queue is full from the start, as at a cycle end; at least one)."""
    if peak_dossiers < 0 or within_minutes <= 0 or rate_per_worker <= 0:
        raise ValueError("the peak must be non-negative, the time and the rate positive")
    return max(1, math.ceil(peak_dossiers / (rate_per_worker * within_minutes * 60)))


# --- main --------------------------------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=50_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=500, help="DossierFrozen events per transaction")
    parser.add_argument("--activities", type=int, default=12, help="activities per dossier")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--amqp-url", default=DEFAULT_AMQP)
    parser.add_argument("--keep", action="store_true", help="keep the database and queues (for a look afterwards)")
    parser.add_argument("--profile", action="store_true", help="run the workers under cProfile (files in the log dir)")
    parser.add_argument("--peak", type=int, help="dossiers expected at the peak: print the workers it needs")
    parser.add_argument("--within", type=float, default=60, help="minutes in which the --peak must be handled")
    args = parser.parse_args(argv)
    if args.within <= 0:
        parser.error("--within must be positive")

    print(f"machine: {machine()}")
    print(
        f"{args.dossiers} DossierFrozen events of {args.activities} activities, share from config/scheme.toml, "
        f"{REVIEWERS} reviewers, batches of {args.batch}; PostgreSQL and RabbitMQ on this machine"
    )
    results = []
    for workers in args.workers:
        result = await run(args, workers)
        results.append(result)
        drain = "n/a" if result.relay_drain_seconds is None else f"{result.relay_drain_seconds:.1f} s"
        print(
            f"{workers} worker(s): {result.dossiers} sampled and assigned in {result.total_seconds:.1f} s from process"
            f" start ({result.startup_seconds:.1f} s start-up, {result.processing_seconds:.1f} s processing ="
            f" {result.rate:,.0f} dossiers/s); published in {result.publish_seconds:.1f} s beforehand;"
            f" {result.sampled} sampled, {result.cases} cases, load per reviewer {result.load_spread[0]}–"
            f"{result.load_spread[1]}; outbox drained {drain} after that\n"
            f"    worker CPU {result.cpu_at_done:.1f} s until done, {result.cpu_at_drained:.1f} s until drained;"
            f" cores busy {percent_busy(result.machine_busy)} while processing;"
            f" machine load average {result.load_average[0]:.1f} before, {result.load_average[1]:.1f} after"
            f" (other processes share these {os.cpu_count()} cores); logs: {result.log_dir}",
            flush=True,
        )
    rate = per_worker_rate(results)
    print(f"per worker: {rate:,.0f} dossiers/s ({rate * 60:,.0f} a minute), the slowest per-worker rate measured")
    if args.peak is not None:
        needed = workers_needed(args.peak, args.within, rate)
        print(
            f"a peak of {args.peak:,} dossiers within {args.within:g} minutes needs {needed} audit worker(s)"
            f" (replicas, --scale audit={needed}), assuming each worker gets a core of its own and the database"
            " keeps up"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
