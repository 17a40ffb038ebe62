"""Soak run under faults (a program that prints figures, not a test):

    uv run python -m bench.soak --minutes 10 --seed 7 [--rows 500] [--clients 2] [--readers 2] [--keep]

Starts the register on servers of its own (a private RabbitMQ node and a private PostgreSQL server, never the
machine's shared ones; the same rig as the fault tests in tests/faults) with a TCP proxy between the portfolio
service and the broker, then for `--minutes` runs a mixed load through the gateway:

- providers posting attendance (`--rows` rows per post, each post its own edition and Idempotency-Key, repeated
  under the same key until answered definitively),
- professionals entering self-entered activities (an indeterminate answer resolved by reading their portfolio),
- professionals reading their portfolios,

while injecting faults at random moments drawn from `--seed`: SIGKILL of one process of the register (restarted at
once), SIGKILL of the RabbitMQ node (started again), PostgreSQL stopped for 10-60 s, the portfolio's network to the
broker cut for 10-30 s. Re-registration applications and reviews are not part of the mix yet (their set-up needs a
cycle near its end and assessment-committee accounts; see bench/audit.py for that flow on its own).

At the end it lets the system settle and prints requests by status, p50/p99 latency per kind of request, the
faults injected and the ledger: lost and duplicated rows (both must be 0), indeterminate answers and how each was
resolved, dead letters. The exit status is 1 when the ledger does not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.fault_rig import FaultRig, fault_rig
from tests.support.ledger_check import LedgerReport, check_ledger, settle
from tests.support.load import Ledger, PostStream, Scenario

SERVICES = ("registry", "portfolio", "accreditation", "audit", "gateway")


@dataclass
class Fault:
    at: float  # seconds since the load started
    what: str
    seconds: float  # how long the fault lasted until the system was ready again


async def inject(rig: FaultRig, rng: random.Random) -> str:
    """Inject one fault drawn from `rng` and wait until the system is ready again; say what it was."""
    kind = rng.choice(["process", "process", "broker", "database", "network"])
    if kind == "process":
        name = rng.choice(SERVICES)
        await rig.system.kill(name)
        await rig.system.restart(name)
        return f"SIGKILL {name}"
    if kind == "broker":
        await rig.rabbit.kill()
        await rig.rabbit.start()
        await rig.system.wait_ready()
        return "SIGKILL RabbitMQ node"
    if kind == "database":
        outage = rng.uniform(10, 60)
        await rig.postgres.stop()
        await asyncio.sleep(outage)
        await rig.postgres.start()
        await rig.system.wait_ready(timeout=180)
        return f"PostgreSQL stopped {outage:.0f}s"
    assert rig.proxy is not None
    cut = rng.uniform(10, 30)
    await rig.proxy.cut()
    await asyncio.sleep(cut)
    await rig.proxy.restore()
    await rig.system.wait_ready(timeout=180)
    return f"portfolio-broker network cut {cut:.0f}s"


async def readers(scenario: Scenario, stop: asyncio.Event, count: int) -> None:
    """Professionals reading their portfolios, one read after the other each."""

    async def reader(index: int) -> None:
        while not stop.is_set():
            professional = scenario.professionals[index % len(scenario.professionals)]
            if await scenario.read_portfolio(professional) != 200:
                await asyncio.sleep(0.5)  # the system is recovering: do not spin

    await asyncio.gather(*(reader(index) for index in range(count)))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def print_report(ledger: Ledger, faults: list[Fault], report: LedgerReport, minutes: float, seed: int) -> None:
    print(f"\nsoak: {minutes:g} min, seed {seed}")
    print("\nrequests by status (every attempt)")
    for status, count in sorted(ledger.statuses().items()):
        print(f"  {status:<22} {count:>7}")
    print("\nlatency of answered requests     count     p50 (ms)   p99 (ms)")
    for kind, values in sorted(ledger.latencies.items()):
        print(
            f"  {kind:<28} {len(values):>7} {percentile(values, 0.5) * 1000:>12.0f} "
            f"{percentile(values, 0.99) * 1000:>10.0f}"
        )
    print(f"\nfaults injected: {len(faults)}")
    for fault in faults:
        print(f"  at {fault.at:>6.0f}s  {fault.what:<40} ready again after {fault.seconds:.0f}s")
    print("\nledger")
    print(f"  posts answered 200           {report.posts_ok} ({report.rows_recorded} rows)")
    print(f"  posts refused                {report.posts_refused}")
    print(f"  activities answered 201      {report.activities_ok}")
    print(f"  activities refused           {report.activities_refused}")
    print(f"  lost                         {report.lost}")
    print(f"  duplicated                   {report.duplicated}")
    print(f"  applied without a 2xx        {report.unexpected}")
    print(f"  events checked in inboxes    {report.events_checked}")
    print(f"  dead letters                 {report.dead_letters or 0}")
    indeterminate = sum(report.indeterminate.values())
    print(f"  indeterminate                {indeterminate}")
    for resolution, count in sorted(report.indeterminate.items()):
        print(f"    {resolution:<40} {count}")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")


async def soak(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="lklr-soak-"))
    try:
        async with fault_rig(base, cut_off="portfolio") as rig:
            scenario = rig.scenario
            print(f"servers: RabbitMQ {rig.rabbit.amqp_url}, PostgreSQL {rig.postgres.url}; logs in {base / 'logs'}")
            await scenario.prepare(people=args.rows, editions=10, professionals=max(2, args.readers))
            stream = PostStream(scenario, clients=args.clients, rows=args.rows, activity_every=2)
            stop_reading = asyncio.Event()
            reading = asyncio.create_task(readers(scenario, stop_reading, args.readers))
            started = time.monotonic()
            end = started + args.minutes * 60
            faults: list[Fault] = []
            while True:
                pause = rng.uniform(15, 45)
                if time.monotonic() + pause > end:
                    break
                await asyncio.sleep(pause)
                at = time.monotonic()
                what = await inject(rig, rng)
                faults.append(Fault(at - started, what, time.monotonic() - at))
                print(f"  {faults[-1].at:>6.0f}s  {what}", flush=True)
            await asyncio.sleep(max(0.0, end - time.monotonic()))
            stop_reading.set()
            await stream.stop()
            await reading
            await settle(rig.system, rig.rabbit)
            report = await check_ledger(rig.system, rig.rabbit, scenario.ledger, published=scenario.published)
            print_report(scenario.ledger, faults, report, args.minutes, args.seed)
            return 1 if report.problems or report.dead_letters else 0
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=500, help="rows per attendance post")
    parser.add_argument("--clients", type=int, default=2, help="provider clients posting side by side")
    parser.add_argument("--readers", type=int, default=2, help="professionals reading their portfolios")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    sys.exit(asyncio.run(soak(parser.parse_args())))


if __name__ == "__main__":
    main()
