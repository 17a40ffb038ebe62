"""Waiting in a test for what the system does asynchronously (an event applied, a case assigned)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(
    predicate: Callable[[], Awaitable[T]], message: str, *, timeout: float = 60, interval: float = 0.3
) -> T:
    """Await `predicate` every `interval` seconds until it returns something truthy, and return that; fail the
    test with `message` when `timeout` seconds pass first."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await predicate()):
        assert asyncio.get_running_loop().time() < deadline, message
        await asyncio.sleep(interval)
    return result
