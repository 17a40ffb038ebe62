"""Move time in the local demo: every process `./scripts/start` runs reads one clock offset file in the data folder.

    uv run python -m scripts.time_travel --days 200    # 200 days further than now (offsets add up)
    uv run python -m scripts.time_travel --reset       # back to the real date
    uv run python -m scripts.time_travel               # show the offset

The offset is a whole number of days (`lklr_shared.kit.clock.FileOffsetClock`); the services read the file at most
once a second. After a move the command asks the registry to run its scheduled jobs at once (registrations whose
cycle ended expire, reminders before cycle ends go out) instead of waiting for the registry's own timer. The audit's
deadline jobs (unanswered questions, corrections not resubmitted) follow by themselves within a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import aio_pika

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology

ROOT = Path(__file__).resolve().parents[1]
OFFSET_FILE_NAME = "clock-offset-days"
# The services re-read the offset file at most once a second (FileOffsetClock); wait a little longer than that
# before asking the registry to judge by the new date.
CLOCK_REFRESH_WAIT_SECONDS = 1.5
SCHEDULED_JOBS_TIMEOUT_SECONDS = 120.0


def offset_file(data_dir: Path) -> Path:
    """The clock offset file of a local run's data folder (every process of `./scripts/start` reads it)."""
    return data_dir.resolve() / OFFSET_FILE_NAME


def read_offset(path: Path) -> int:
    """The offset in days the file holds (0 when there is no file)."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0
    return int(text) if text else 0


def write_offset(path: Path, days: int) -> None:
    """Write the offset atomically, so a service never reads half a number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(f"{days}\n")
    partial.replace(path)


def register_day(offset_days: int) -> date:
    """The register's day (Dutch calendar) for a clock shifted by ``offset_days``."""
    return register_today(lambda: system_clock() + timedelta(days=offset_days))


async def run_scheduled_jobs(
    amqp_url: str, prefix: str, *, timeout: float = SCHEDULED_JOBS_TIMEOUT_SECONDS
) -> contracts.ScheduledJobsReport:
    """Ask the registry to run its scheduled jobs now (as the system: needs demo commands on)."""
    broker = await connect_broker(amqp_url, connect_timeout=10)
    try:
        reply = await RpcClient(
            broker, Topology(prefix=prefix), timeout=timeout, credentials=operator_credentials()
        ).call("registry", contracts.RunScheduledJobs())
    finally:
        await broker.stop()
    if not isinstance(reply, contracts.ScheduledJobsReport):
        raise RpcError("bad_reply", f"unexpected reply {type(reply).__name__}", 502)
    return reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    move = parser.add_mutually_exclusive_group()
    move.add_argument("--days", type=int, help="move the clock this many days further (negative moves back)")
    move.add_argument("--reset", action="store_true", help="back to the real date (offset 0)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data", help="the data folder of ./scripts/start")
    parser.add_argument("--no-jobs", action="store_true", help="only move the clock; do not run the scheduled jobs")
    args = parser.parse_args(argv)

    path = offset_file(args.data_dir)
    before = read_offset(path)
    if args.days is None and not args.reset:
        print(f"Clock offset: {before:+d} days; the register's day is {register_day(before).isoformat()} ({path})")
        return 0
    after = 0 if args.reset else before + args.days
    write_offset(path, after)
    print(
        f"Clock offset: {before:+d} → {after:+d} days; the register's day is now {register_day(after).isoformat()} "
        f"(real date {register_day(0).isoformat()})"
    )
    if args.no_jobs:
        return 0

    amqp_url = os.environ.get("LKLR_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    prefix = os.environ.get("LKLR_BROKER_PREFIX", "lklr")
    asyncio.run(asyncio.sleep(CLOCK_REFRESH_WAIT_SECONDS))
    try:
        report = asyncio.run(run_scheduled_jobs(amqp_url, prefix))
    except (OSError, RpcError, aio_pika.exceptions.AMQPError) as exc:
        print(
            f"The offset is written, but the registry could not run its scheduled jobs now ({exc}).\n"
            "Is the register running (./scripts/start)? Its own timer runs them within a minute of starting.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Scheduled jobs ran for {report.register_day.isoformat()}: {report.expired} registration(s) expired, "
        f"{report.reminders_sent} reminder(s) sent, {report.entry_digests_sent} entry digest(s) sent, "
        f"{report.erasures} person(s) erased after their retention period, "
        f"{report.log_rows_pruned} log row(s) pruned after the logs' retention"
    )
    if report.register_day != register_day(after):
        print(
            f"Warning: the registry judged by {report.register_day.isoformat()}, not by the moved date: it does not "
            f"read {path}. Start the register with ./scripts/start --data-dir {args.data_dir}.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
