"""A short memory of positive answers, for the checks the gateway makes on every request (sessions, API tokens,
API keys): kept per process for a few seconds, keyed by a digest of the secret (never the secret itself),
bounded (the oldest entries go first). Refusals are never put in. Requests that miss the same key at the same
time share one question to the service (the first asks, the others wait for its answer), so a client with many
connections open does not ask once per connection whenever its entry runs out.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from gateway.caller import ServiceCaller

V = TypeVar("V")
T = TypeVar("T")


class AnswerCache(Generic[V]):
    """Answers by key for `seconds` after they were given (0: nothing is kept), at most `max_entries` of them."""

    def __init__(self, *, seconds: float, max_entries: int) -> None:
        self.seconds = seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[float, V]] = OrderedDict()

    def get(self, key: bytes, now: float) -> V | None:
        """The answer kept under `key` if it is still fresh at `now`; a stale one is dropped."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if now < expires_at:
            return value
        del self._entries[key]
        return None

    def put(self, key: bytes, value: V, now: float) -> None:
        """Keep `value`, given at `now`, under `key` (nothing when the cache is off)."""
        if self.seconds <= 0:
            return
        self._entries[key] = (now + self.seconds, value)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget(self, key: bytes) -> None:
        """Drop what is kept under `key`, if anything."""
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._entries)


class CachedAuthenticator(Generic[V]):
    """The frame of an authenticator that asks a service about a secret and keeps its positive answers a while.

    A subclass names its defaults (`default_cache_seconds`, `default_max_entries`); `cache_seconds=0` turns the
    cache off, and `clock` is what the cache reads the time from (a test's fake clock).
    """

    default_cache_seconds: ClassVar[float]
    default_max_entries: ClassVar[int]

    def __init__(
        self,
        caller: ServiceCaller,
        *,
        cache_seconds: float | None = None,
        max_entries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._caller = caller
        self._clock = clock
        self._cache: AnswerCache[V] = AnswerCache(
            seconds=self.default_cache_seconds if cache_seconds is None else cache_seconds,
            max_entries=self.default_max_entries if max_entries is None else max_entries,
        )
        self._in_flight: dict[bytes, asyncio.Future[Any]] = {}

    async def _shared(self, key: bytes, ask: Callable[[], Awaitable[T]]) -> T:
        """The answer of ``ask()``, asked once for all the requests that want ``key`` at the same time.

        Its answer or error goes to every one of them; a request that gives up (a client gone) does not cancel
        the question for the others. ``key`` names the kind of question too (different kinds never share).
        """
        pending = self._in_flight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(ask())
            self._in_flight[key] = pending
            pending.add_done_callback(lambda _done: self._in_flight.pop(key, None))
        answer: T = await asyncio.shield(pending)
        return answer
