"""The deadline of the request a task handles, as RpcServer sets it from the x-deadline-ms header."""

from __future__ import annotations

import asyncio

import pytest

from lklr_shared.kit.deadline import request_deadline, seconds_left

NOW = 1_700_000_000.0


def deadline_left() -> float | None:
    """The handled request's deadline as seconds after NOW (None without one)."""
    return seconds_left(lambda: NOW)


pytestmark = pytest.mark.unit


def test_a_request_with_a_deadline_knows_how_many_seconds_its_client_still_waits() -> None:
    assert seconds_left() is None
    with request_deadline(1_700_000_030_000):
        assert seconds_left(lambda: 1_700_000_000.0) == 30.0
        assert seconds_left(lambda: 1_700_000_040.0) == -10.0  # the client has given up
    assert seconds_left() is None


@pytest.mark.parametrize("header", [None, "1700000030000", 1.7e12, True])
def test_a_missing_or_malformed_deadline_header_means_no_deadline(header: object) -> None:
    with request_deadline(header):
        assert seconds_left() is None


async def test_each_request_task_sees_its_own_deadline() -> None:
    async def handle(deadline_ms: int) -> float | None:
        with request_deadline(deadline_ms):
            await asyncio.sleep(0)
            return deadline_left()

    assert await asyncio.gather(handle(1_700_000_001_000), handle(1_700_000_002_000)) == [1.0, 2.0]
