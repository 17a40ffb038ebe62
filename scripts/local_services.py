"""Find, and if need be start, the RabbitMQ and PostgreSQL the system and its tests use locally.

Order of preference: already running → a local `rabbitmq-server` / PostgreSQL cluster → `docker compose`
(deploy/compose.yaml). Otherwise print exactly what to do.
"""

from __future__ import annotations

import argparse
import glob
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if reachable(host, port):
            return True
        time.sleep(0.5)
    return False


def _docker_compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    info = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return probe.returncode == 0 and info.returncode == 0


def ensure_rabbitmq(amqp_url: str) -> str | None:
    """Make the broker reachable; returns how it was started ("local", "compose") or None if it was up."""
    parsed = urlparse(amqp_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5672
    if reachable(host, port):
        return None
    if host in {"127.0.0.1", "localhost"} and shutil.which("rabbitmq-server"):
        print("RabbitMQ is not running; starting the local rabbitmq-server ...")
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        if _wait(host, port, 60):
            return "local"
    if _docker_compose_available():
        print("RabbitMQ is not running; starting it with docker compose ...")
        subprocess.run(
            ["docker", "compose", "-f", str(ROOT / "deploy/compose.yaml"), "up", "-d", "rabbitmq"], check=True
        )
        if _wait(host, port, 90):
            return "compose"
    sys.exit(
        f"RabbitMQ is not reachable at {host}:{port}, and neither rabbitmq-server nor a Docker engine is here.\n"
        "Install and start it, for example:\n"
        "  sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached\n"
        "or point LKLR_AMQP_URL at a running broker (amqp://user:password@host:5672/)."
    )


def ensure_postgres(host: str = "127.0.0.1", port: int = 5432) -> None:
    """Make the test PostgreSQL reachable (the suite's integration tests run on it)."""
    if reachable(host, port):
        return
    clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    if clusters and shutil.which("pg_ctlcluster"):
        version = Path(clusters[-1]).parent.name
        print(f"PostgreSQL is not running; starting cluster {version}/main ...")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        if _wait(host, port, 60):
            return
    if _docker_compose_available():
        print("Docker is available: the tests start PostgreSQL with testcontainers.")
        return
    sys.exit(
        f"PostgreSQL is not reachable at {host}:{port} and no Docker engine is here.\n"
        "Install and start it (sudo apt-get install -y postgresql), allowing trust auth for local connections,\n"
        "or set LKLR_TEST_POSTGRES_URL=postgresql+asyncpg://user:password@host:5432/postgres."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ensure", action="store_true", help="start missing services for the test suite")
    args = parser.parse_args()
    if args.ensure and not _docker_compose_available():
        ensure_rabbitmq("amqp://guest:guest@127.0.0.1:5672/")
        ensure_postgres()


if __name__ == "__main__":
    main()
