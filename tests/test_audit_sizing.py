"""The audit benchmark's sizing: how many workers a cycle-end peak needs at a measured rate per worker."""

from pathlib import Path

import pytest

from bench.audit import RunResult, per_worker_rate, workers_needed

pytestmark = pytest.mark.unit


def _run(workers: int, dossiers: int, seconds: float) -> RunResult:
    return RunResult(
        workers=workers,
        dossiers=dossiers,
        publish_seconds=0,
        startup_seconds=0,
        processing_seconds=seconds,
        total_seconds=seconds,
        relay_drain_seconds=None,
        sampled=0,
        cases=0,
        load_spread=(0, 0),
        log_dir=Path("."),
        cpu_at_done=0,
        cpu_at_drained=0,
        load_average=(0, 0),
    )


def test_a_peak_needs_enough_workers_to_finish_within_the_time() -> None:
    # 1,000 dossiers/s a worker is 60,000 a minute: 600,000 in 5 minutes takes two, one more dossier three.
    assert workers_needed(600_000, 5, 1_000) == 2
    assert workers_needed(600_001, 5, 1_000) == 3


def test_a_small_or_empty_peak_still_needs_one_worker() -> None:
    assert workers_needed(0, 60, 1_000) == 1
    assert workers_needed(10, 60, 1_000) == 1


def test_sizing_refuses_a_time_or_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError):
        workers_needed(1_000, 0, 1_000)
    with pytest.raises(ValueError):
        workers_needed(1_000, 5, 0)


def test_the_rate_per_worker_is_the_slowest_measured() -> None:
    # One worker: 2,000/s; two workers sharing the machine: 3,000/s together, 1,500/s each.
    assert per_worker_rate([_run(1, 10_000, 5), _run(2, 10_000, 10_000 / 3_000)]) == pytest.approx(1_500)
