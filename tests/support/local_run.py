"""The README's start command (`python -m scripts.run_local`) as a test starts it: on free ports, with a fresh
data folder, its output read as a person at the terminal reads it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.support.ports import consecutive_free_ports, free_port
from tests.support.system import ROOT


async def start_run_local(env: dict[str, str], data_dir: Path, *options: str) -> tuple[asyncio.subprocess.Process, int]:
    """Start the start command with `env` and any further `options`, its output on a pipe; returns the process
    and the gateway's port."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scripts.run_local",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--health-port-base",
        str(consecutive_free_ports(4)),
        "--fresh",
        *options,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    return process, port


async def read_output_until(
    process: asyncio.subprocess.Process, marker: str, output: list[str], *, timeout: float = 120
) -> None:
    """Append the process's output lines to `output` until a line contains `marker`; fail if the output ends
    first or `timeout` seconds pass."""
    assert process.stdout is not None

    async def read() -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            output.append(line.decode())
            if marker in line.decode():
                return
        raise AssertionError("start command ended early:\n" + "".join(output))

    await asyncio.wait_for(read(), timeout=timeout)
