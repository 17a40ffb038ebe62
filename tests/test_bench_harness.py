"""`python -m bench --quick` runs every measure of the performance table and prints every row, so the harness
never rots. It asserts nothing about the figures: performance is measured, never asserted by a test."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench.__main__ import MEASURES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(900)
def test_bench_quick_runs_every_measure_and_prints_its_row(postgres_url: str, amqp_url: str) -> None:
    server = make_url(postgres_url).set(drivername="postgresql")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--postgres-url",
            server.render_as_string(hide_password=False),
            "--amqp-url",
            amqp_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
    table = [line for line in completed.stdout.splitlines() if line.startswith("| ")]
    measures = {line.split("|")[1].strip().split(",")[0] for line in table[1:]}
    assert measures == set(MEASURES), table
    assert "load average" in completed.stdout
    assert "machine" in completed.stdout
