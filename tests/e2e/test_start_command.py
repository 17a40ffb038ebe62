"""The README's start command: brings up all five processes with demo data, reports ready, and Ctrl-C stops them
all without leaving a process behind."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.local_run import read_output_until, start_run_local

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "portfolio", "accreditation", "audit")


def _children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


async def test_start_command_brings_up_every_process_ready_and_ctrl_c_stops_them_all(amqp_url, broker_names, tmp_path):
    topology = broker_names.topology(consumers={"portfolio", "accreditation"}, services={*SERVICES})
    env = dict(os.environ, LKLR_AMQP_URL=amqp_url, LKLR_BROKER_PREFIX=topology.prefix)
    process, gateway_port = await start_run_local(env, tmp_path / "data")
    output: list[str] = []
    try:
        await read_output_until(process, "The register runs at", output)
        children = _children_of(process.pid)
        assert len(children) == 5, "four services and the gateway"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway_port}") as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 200
        checks = ready.json()["checks"]
        assert {name: checks[name]["status"] for name in ("broker", *SERVICES)} == dict.fromkeys(
            ("broker", *SERVICES), "ok"
        )
        assert "Demo data loaded" in "".join(output)
        if "as its own user" in "".join(output):
            # What the start command says, the broker shows: each process is connected under its own user.
            users = await _connected_users()
            assert {f"{topology.prefix}-{name}" for name in (*SERVICES, "gateway")} <= users, users

        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, "".join(output) + rest.decode()
        assert "Stopped." in rest.decode()
        assert not [pid for pid in children if _alive(pid)], "no process left behind"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if shutil.which("rabbitmqctl"):
            # The users the start command made for this test's prefix go with it.
            await _run(sys.executable, "-m", "lklr_shared.kit.broker_users", "--prefix", topology.prefix, "delete")


async def _run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, out.decode()
    return out.decode()


async def _connected_users() -> set[str]:
    listed = await _run("rabbitmqctl", "-q", "list_connections", "user", "--formatter", "json")
    return {connection["user"] for connection in json.loads(listed)}
