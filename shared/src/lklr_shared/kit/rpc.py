"""Request/reply between the gateway and the services over RabbitMQ.

Requests are envelopes published to a service's RPC queue (competing consumers: add replicas to scale);
replies go to RabbitMQ's direct reply-to pseudo-queue. The client maps failures to HTTP semantics:
the broker unreachable or no such service queue → 503; no answer in time → 504; a business error in the
reply → the status the service chose (4xx).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import DeliveryError
from pydantic import ValidationError

from lklr_shared.contracts.base import Message, UnknownMessageType, contract_for
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.kit.causation import cause, current_correlation_id, current_origin
from lklr_shared.kit.topology import Topology

log = logging.getLogger(__name__)

REPLY_TO = "amq.rabbitmq.reply-to"
# Epoch milliseconds as an integer: AMQP tables may carry floats as 32-bit, far too coarse for a time.
DEADLINE_HEADER = "x-deadline-ms"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: a stable code, an English text, and the request field it concerns."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


class RpcError(Exception):
    """A failure with an HTTP status: raised by handlers for business errors, and by the client.

    The reply carries it as a problem body: ``status``, ``code``, ``message``, the list of ``problems`` (every
    broken rule at once, each with its code and field) and, for 429 and 503, ``retry_after`` in seconds. The gateway
    turns that into RFC 9457 JSON for the API and into field messages for forms, without parsing any text.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        problems: Sequence[Problem] = (),
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.problems = tuple(problems)
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        """The error as it travels in a reply."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.problems:
            body["problems"] = [problem.as_dict() for problem in self.problems]
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body

    @classmethod
    def from_dict(cls, error: Mapping[str, Any]) -> RpcError:
        """The error a reply carries (unknown keys ignored, missing ones defaulted: older services answer too)."""
        problems = [
            Problem(str(item.get("code", "")), str(item.get("message", "")), item.get("field"))
            for item in error.get("problems") or ()
            if isinstance(item, Mapping)
        ]
        retry_after = error.get("retry_after")
        return cls(
            str(error.get("code", "error")),
            str(error.get("message", "")),
            int(error.get("status", 500)),
            problems=problems,
            retry_after=int(retry_after) if isinstance(retry_after, int | float) else None,
        )


def invalid_request(exc: ValidationError | UnknownMessageType | ValueError) -> RpcError:
    """400 bad_request for a request that does not parse, with a problem per invalid field."""
    if isinstance(exc, ValidationError):
        problems = [
            Problem(
                error["type"], error["msg"], ".".join(str(part) for part in error["loc"] if part != "payload") or None
            )
            for error in exc.errors(include_url=False)
        ]
        return RpcError("bad_request", "The request does not match its contract.", 400, problems=problems)
    return RpcError("bad_request", str(exc), 400)


class ServiceUnavailable(RpcError):
    """The broker cannot be reached or the service has no queue: HTTP 503."""

    def __init__(self, message: str) -> None:
        super().__init__("service_unavailable", message, 503)


class ServiceTimeout(RpcError):
    """The service did not answer in time: HTTP 504."""

    def __init__(self, message: str) -> None:
        super().__init__("service_timeout", message, 504)


RpcHandler = Callable[[Any, Envelope], Awaitable[Message]]


class RpcServer:
    """Answers requests on a service's RPC queue by dispatching on the contract type."""

    def __init__(
        self,
        service: str,
        connection: AbstractRobustConnection,
        topology: Topology,
        handlers: Mapping[type[Message], RpcHandler],
        *,
        prefetch_count: int = 16,
    ) -> None:
        self.service = service
        self._connection = connection
        self._topology = topology
        self._handlers = dict(handlers)
        self._prefetch_count = prefetch_count
        self._channel: AbstractChannel | None = None
        self._consumer_tag: str | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Declare the RPC queue and start answering."""
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self._prefetch_count)
        queue = await self._channel.declare_queue(
            self._topology.rpc_queue(self.service),
            durable=True,
            arguments={"x-queue-type": "quorum", "x-delivery-limit": self._topology.delivery_limit},
        )
        self._consumer_tag = await queue.consume(self._on_request)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking requests and finish the ones in flight."""
        if self._channel is None or self._channel.is_closed:
            return
        if self._consumer_tag is not None:
            queue = await self._channel.get_queue(self._topology.rpc_queue(self.service), ensure=False)
            await queue.cancel(self._consumer_tag)
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=grace_seconds)
        await self._channel.close()

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self._answer(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _answer(self, message: AbstractIncomingMessage) -> None:
        deadline = (message.headers or {}).get(DEADLINE_HEADER)
        if isinstance(deadline, int) and time.time() * 1000 > deadline:
            log.warning(
                "%s: request %s arrived after its client gave up; not answered",
                self.service,
                message.correlation_id,
            )
            await message.ack()
            return
        body: dict[str, Any]
        try:
            envelope = Envelope.from_bytes(message.body)
            request = envelope.open()
        except (ValidationError, UnknownMessageType, ValueError) as exc:
            # Only a request that does not parse is the caller's fault; the same exceptions from a handler are bugs.
            body = {"ok": False, "error": invalid_request(exc).as_dict()}
        else:
            try:
                handler = self._handlers.get(type(request))
                if handler is None:
                    raise RpcError("unknown_request", f"{self.service} does not handle {envelope.type}", 400)
                with cause(envelope):
                    reply = await handler(request, envelope)
                body = {
                    "ok": True,
                    "type": reply.wire_name,
                    "version": reply.wire_version,
                    "payload": reply.model_dump(mode="json"),
                }
            except RpcError as exc:
                body = {"ok": False, "error": exc.as_dict()}
            except Exception as exc:
                log.exception("%s: request %s (%s) failed", self.service, envelope.type, message.correlation_id)
                body = {"ok": False, "error": {"code": "internal", "message": type(exc).__name__, "status": 500}}
        if message.reply_to and self._channel is not None:
            await self._channel.default_exchange.publish(
                aio_pika.Message(
                    json.dumps(body).encode(),
                    correlation_id=message.correlation_id,
                    content_type="application/json",
                ),
                routing_key=message.reply_to,
            )
        await message.ack()


class RpcClient:
    """Sends requests to services and waits for their replies (used by the gateway)."""

    def __init__(self, connection: AbstractRobustConnection, topology: Topology, *, timeout: float = 5.0) -> None:
        self._connection = connection
        self._topology = topology
        self._timeout = timeout
        self._channel: AbstractChannel | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._lock = asyncio.Lock()

    async def _ready(self) -> AbstractChannel:
        async with self._lock:
            if self._channel is None or self._channel.is_closed:
                channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
                reply_queue = await channel.get_queue(REPLY_TO, ensure=False)
                await reply_queue.consume(self._on_reply, no_ack=True)
                self._channel = channel
            return self._channel

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is None or future.done():
            log.info("late or unknown reply %s ignored (its caller timed out)", message.correlation_id)
            return
        try:
            future.set_result(json.loads(message.body))
        except ValueError as exc:
            future.set_exception(RpcError("bad_reply", f"unparseable reply: {exc}", 502))

    async def call(
        self,
        service: str,
        request: Message,
        *,
        timeout: float | None = None,
        correlation_id: uuid.UUID | None = None,
    ) -> Message:
        """Send a request and return the parsed reply contract; raise RpcError (or a 503/504 subclass)."""
        timeout = timeout or self._timeout
        envelope = wrap(request, correlation_id=correlation_id or current_correlation_id(), origin=current_origin())
        key = str(envelope.message_id)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            try:
                channel = await asyncio.wait_for(self._ready(), timeout=timeout)
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        envelope.to_bytes(),
                        content_type="application/json",
                        correlation_id=key,
                        reply_to=REPLY_TO,
                        type=envelope.type,
                        headers={DEADLINE_HEADER: int((time.time() + timeout) * 1000)},
                    ),
                    routing_key=self._topology.rpc_queue(service),
                    mandatory=True,
                    timeout=timeout,
                )
            except DeliveryError as exc:
                raise ServiceUnavailable(f"{service} has no request queue") from exc
            except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
                self._channel = None
                raise ServiceUnavailable(f"broker unreachable: {exc!r}") from exc
            try:
                reply = await asyncio.wait_for(future, timeout=timeout)
            except TimeoutError as exc:
                raise ServiceTimeout(f"{service} did not answer {envelope.type} within {timeout}s") from exc
        finally:
            self._pending.pop(key, None)
        if not reply.get("ok"):
            raise RpcError.from_dict(reply.get("error") or {})
        return contract_for(reply["type"], int(reply.get("version", 1))).model_validate(reply["payload"])
