"""The port through which the gateway asks the services things: one `call` per request/reply round trip."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from lklr_shared.contracts.base import Message


class ServiceCaller(Protocol):
    """Sends a query or command to a service and returns its reply.

    Raises `lklr_shared.errors.RpcError` (or its `ServiceUnavailable`/`ServiceTimeout` subclasses) on failure;
    the gateway maps those to HTTP statuses. `lklr_shared.kit.rpc.RpcClient` satisfies this protocol.
    """

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message: ...


@runtime_checkable
class BrokerStatus(Protocol):
    """Optional: a caller that owns a broker connection can say whether it is up (used by /readyz)."""

    async def broker_ok(self) -> tuple[bool, str]: ...
