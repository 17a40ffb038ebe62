"""A short memory of positive answers, for the checks the gateway makes on every request (sessions, API tokens,
API keys): kept per process for a few seconds, keyed by a digest of the secret (never the secret itself),
bounded (the oldest entries go first). Refusals are never put in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


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
