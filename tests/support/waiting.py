"""Waiting in tests for what a service does asynchronously (an event consumed, a row written, a case assigned)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def wait_for(predicate: Any, *, timeout: float = 30.0, interval: float = 0.05, message: str = "condition") -> Any:
    """Poll a sync or async ``predicate`` until it returns something truthy, and return that; fail with
    ``message`` after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)


async def until(
    predicate: Callable[[], Awaitable[T]], message: str, *, timeout: float = 60, interval: float = 0.3
) -> T:
    """``wait_for`` with the end-to-end tests' pace: an async ``predicate`` polled every ``interval`` seconds for up
    to ``timeout`` (a whole system answers more slowly than one service)."""
    result: T = await wait_for(predicate, timeout=timeout, interval=interval, message=message)
    return result
