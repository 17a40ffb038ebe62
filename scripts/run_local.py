"""Run the whole register on this machine: four services and the gateway, with demo data.

    ./scripts/start [--port 8000] [--data-dir .data] [--fresh]

Each service is its own process with its own SQLite database in the data folder; they talk over RabbitMQ
(started if it is not running). Ctrl-C (or SIGTERM) stops every process gracefully, then forcibly after a grace
period; children are also told by the kernel to stop if this supervisor dies, so none is left orphaned.

Each process connects to RabbitMQ as its own broker user (`<prefix>-registry`, ..., `<prefix>-gateway`, see
lklr_shared.kit.broker_users) when the broker runs on this machine and rabbitmqctl may change it; the passwords are
generated once into `<data-dir>/broker-users.json`. Otherwise every process uses LKLR_AMQP_URL, with a warning.

Every process reads one clock offset file in the data folder, so `python -m scripts.time_travel --days N` moves
the whole register's "today" together (see scripts/time_travel.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import aio_pika

from lklr_shared.kit.amqp_raw import check_reachable
from lklr_shared.kit.broker_users import (
    ALL_SERVICES,
    BrokerUsersError,
    RabbitCtl,
    load_or_create_passwords,
    provision,
)
from lklr_shared.kit.topology import Topology
from scripts.local_services import ensure_rabbitmq
from scripts.time_travel import offset_file, read_offset, register_day

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("registry", "portfolio", "accreditation", "audit")
GRACE_SECONDS = 15


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: the kernel sends SIGTERM to the child when the supervisor dies, even by SIGKILL.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _spawn(name: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", name],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )


def _ready(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200, response.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        body = exc.read().decode() if isinstance(exc, urllib.error.HTTPError) else str(exc)
        return False, body


def _wait_ready(urls: dict[str, str], processes: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending:
        for name, url in list(pending.items()):
            if processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited with code {processes[name].returncode}; see its log")
            ok, _ = _ready(url)
            if ok:
                print(f"  {name:<14} ready")
                del pending[name]
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {timeout}s: {', '.join(pending)}")
        time.sleep(0.3)


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"  {name} did not stop within {GRACE_SECONDS}s; killing it")
            process.kill()
            process.wait()


def service_amqp_urls(amqp_url: str, prefix: str, data_dir: Path) -> dict[str, str]:
    """Each process's AMQP URL: its own broker user where rabbitmqctl can create the users, else `amqp_url`."""
    given = dict.fromkeys(ALL_SERVICES, amqp_url)
    if urlparse(amqp_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        print(
            "warning: the broker is not on this machine, so no broker user per service was made; every process "
            "connects with LKLR_AMQP_URL (apply them there with `python -m lklr_shared.kit.broker_users`)"
        )
        return given
    try:
        passwords = load_or_create_passwords(data_dir / "broker-users.json", ALL_SERVICES)
        urls = provision(RabbitCtl.local(), Topology(prefix=prefix), amqp_url, passwords)
        # rabbitmqctl talks to its default node: make sure that node is the broker at amqp_url.
        asyncio.run(check_reachable(urls["gateway"], timeout=10))
    except (BrokerUsersError, OSError, aio_pika.exceptions.AMQPError, TimeoutError) as exc:
        print(f"warning: no broker user per service ({exc}); every process connects with LKLR_AMQP_URL")
        return given
    print(f"Each process connects to RabbitMQ as its own user ({prefix}-registry, ..., {prefix}-gateway).")
    return urls


def _print_time_travel(data_dir: Path, clock_file: Path) -> None:
    offset = read_offset(clock_file)
    where = "" if data_dir.resolve() == (ROOT / ".data").resolve() else f" --data-dir {data_dir}"
    print(
        f"Time travel: the register's day is {register_day(offset).isoformat()} (clock offset {offset:+d} days).\n"
        f"  Move it:  uv run python -m scripts.time_travel --days 200{where}   (then expiry and reminders run)\n"
        f"  Back:     uv run python -m scripts.time_travel --reset{where}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LKLR_PORT", "8000")))
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data")
    parser.add_argument("--fresh", action="store_true", help="delete the data folder first")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
    parser.add_argument(
        "--health-port-base",
        type=int,
        default=8101,
        help="services' health ports are this and the next three (registry, portfolio, ...)",
    )
    args = parser.parse_args()

    amqp_url = os.environ.get("LKLR_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    prefix = os.environ.get("LKLR_BROKER_PREFIX", "lklr")
    started_broker = ensure_rabbitmq(amqp_url)
    if args.fresh and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    (args.data_dir / "logs").mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    # One clock for the whole demo: every process shifts its clock by the days in this file (time travel).
    clock_file = offset_file(args.data_dir)
    health_ports = {name: args.health_port_base + index for index, name in enumerate(SERVICES)}
    amqp_urls = service_amqp_urls(amqp_url, prefix, args.data_dir)
    for name, port in health_ports.items():
        upper = name.upper()
        env[f"{upper}_DATABASE_URL"] = f"sqlite+aiosqlite:///{args.data_dir.resolve()}/{name}.db"
        env[f"{upper}_AMQP_URL"] = amqp_urls[name]
        env[f"{upper}_BROKER_PREFIX"] = prefix
        env[f"{upper}_HEALTH_PORT"] = str(port)
        env[f"{upper}_CLOCK_OFFSET_FILE"] = str(clock_file)
    env.update(
        GATEWAY_AMQP_URL=amqp_urls["gateway"],
        GATEWAY_BROKER_PREFIX=prefix,
        GATEWAY_PORT=str(args.port),
        GATEWAY_DATA_DIR=str(args.data_dir.resolve()),
        GATEWAY_CLOCK_OFFSET_FILE=str(clock_file),
    )
    # A local run is a demo: demo accounts, mail into a folder listed at /dev/mail, mail links to this gateway.
    # Explicit environment variables win; production deploy files leave all of these off.
    for name, value in {
        "REGISTRY_ALLOW_DEMO_COMMANDS": "true",
        "ACCREDITATION_ALLOW_DEMO_COMMANDS": "true",
        "REGISTRY_MAIL_DIR": str(args.data_dir.resolve() / "mail"),
        "REGISTRY_DEV_MAILBOX": "true",
        "REGISTRY_PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
        "GATEWAY_DEV_PAGES": "true",
        # Plain http on 127.0.0.1: no Strict-Transport-Security, which would pin the address to https.
        "GATEWAY_HSTS_MAX_AGE_SECONDS": "0",
        # The production refusals (placeholder keys, dev switches) and Secure-only cookies are for deployments.
        "GATEWAY_ENVIRONMENT": "local",
        "REGISTRY_ENVIRONMENT": "local",
        "PORTFOLIO_ENVIRONMENT": "local",
        "ACCREDITATION_ENVIRONMENT": "local",
        "AUDIT_ENVIRONMENT": "local",
    }.items():
        env.setdefault(name, value)

    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        print(f"Starting the register (logs in {args.data_dir / 'logs'}) ...")
        for name in SERVICES:
            processes[name] = _spawn(name, env, args.data_dir / "logs")
        processes["gateway"] = _spawn("gateway", env, args.data_dir / "logs")
        urls = {name: f"http://127.0.0.1:{port}/readyz" for name, port in health_ports.items()}
        urls["gateway"] = f"http://127.0.0.1:{args.port}/readyz"
        _wait_ready(urls, processes, timeout=90)
        if not args.no_demo:
            from scripts.demo_data import load_demo_data

            # The demo loader is an operator tool: it asks with LKLR_AMQP_URL, not as the gateway.
            # The demo provider's webhooks go to the gateway's development receiver (/dev/webhooks).
            print(asyncio.run(load_demo_data(amqp_url, prefix, f"http://127.0.0.1:{args.port}/dev/webhooks")))
        print(f"\nThe register runs at http://127.0.0.1:{args.port}/  (Ctrl-C stops everything)")
        print(f"Readiness: http://127.0.0.1:{args.port}/readyz   API docs: http://127.0.0.1:{args.port}/schema")
        _print_time_travel(args.data_dir, clock_file)
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited unexpectedly (code {process.returncode}); stopping everything")
                    stopping = True
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        for name in processes:
            tail = (args.data_dir / "logs" / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
            print(f"--- {name}.log (last lines)\n" + "\n".join(tail), file=sys.stderr)
        return 1
    finally:
        print("Stopping ...")
        _stop_all(processes)
        if started_broker == "local":
            subprocess.run(["rabbitmqctl", "stop"], check=False, capture_output=True)
        print("Stopped.")


if __name__ == "__main__":
    raise SystemExit(main())
