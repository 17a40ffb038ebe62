"""What the fakes share with the services' request log: a request id seen before gets its first reply again, and
the fake's answer (which may create something) is not asked again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lklr_shared.contracts.base import Message


@dataclass
class FirstReplies:
    """The first reply per request id (business errors are not kept: the fakes raise them anew)."""

    replies: dict[str, Message] = field(default_factory=dict)

    async def once(self, request_id: str | None, answer: Callable[[], Awaitable[Message]]) -> Message:
        """The reply kept for ``request_id``, else ``answer()`` (kept when it has a request id)."""
        if request_id is not None and request_id in self.replies:
            return self.replies[request_id]
        reply = await answer()
        if request_id is not None:
            self.replies[request_id] = reply
        return reply
