"""The one shape of a use case in every service, and its binding to the RPC server.

A use case is ``async def name(context: <Service>Context, request: <Contract>) -> <Reply>``: the service's
dependencies (built once in its composition root) and the typed request the kit parsed. It opens its own unit(s)
of work from ``context.unit_of_work()``. What the request's envelope carries reaches it without a parameter: the
RPC server handles each request inside ``causation.cause(envelope)``, so every unit of work the use case opens
stamps its events with the request's correlation id, and ``request_log`` claims the request id in the first one.
Refusals are the kit's ``errors.UseCaseError`` kinds; the RPC server answers them as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.rpc import RpcHandler

ContextT = TypeVar("ContextT")

UseCase = Callable[[ContextT, Any], Awaitable[Message]]


def bind_use_cases(
    context: ContextT, use_cases: Mapping[type[Message], UseCase[ContextT]]
) -> dict[type[Message], RpcHandler]:
    """The RPC handlers of a service: each request type answered by its use case, bound to the service's context."""
    return {contract: _bind(context, use_case) for contract, use_case in use_cases.items()}


def _bind(context: ContextT, use_case: UseCase[ContextT]) -> RpcHandler:
    async def handle(request: Message, _envelope: Envelope) -> Message:
        return await use_case(context, request)

    handle.__qualname__ = getattr(use_case, "__qualname__", handle.__qualname__)
    return handle
