"""Typed requests: ``await ask(caller, request)`` sends a command or query to the service that owns it and returns
the reply its contract declares (``class GetCourse(Query["CourseDetails"])`` answers ``CourseDetails``).

No call site names a service or casts a reply: the contract says both. A service that answers with another contract
is a bad gateway (502), never a silently wrong type.
"""

from __future__ import annotations

from typing import Protocol, cast

from lklr_shared.contracts.base import Message, ReplyT, Request
from lklr_shared.errors import RpcError


class Caller(Protocol):
    """Anything that sends a request to a named service and returns its reply (the RPC client, a test double)."""

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message: ...


async def ask(
    caller: Caller, request: Request[ReplyT], *, timeout: float | None = None, request_id: str | None = None
) -> ReplyT:
    """Send ``request`` to its owning service and return its declared reply; raises RpcError as ``call`` does.

    A command sent with a ``request_id`` is carried out once: sent again with the same id (a retry after a timeout,
    a form submitted twice) it returns the first reply and changes nothing (``lklr_shared.kit.request_log``).
    """
    contract = type(request)
    reply = await caller.call(contract.service(), request, timeout=timeout, request_id=request_id)
    expected = contract.reply_type()
    if not isinstance(reply, expected):
        raise RpcError(
            "bad_reply", f"{contract.service()} answered {reply.wire_name}, expected {expected.wire_name}", 502
        )
    return cast(ReplyT, reply)
