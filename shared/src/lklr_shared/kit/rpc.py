"""Request/reply between the gateway and the services over RabbitMQ, on FastStream.

Requests are envelopes published with `broker.publish` to a service's RPC queue (competing consumers: add
replicas to scale); replies come back over RabbitMQ's direct reply-to pseudo-queue to one FastStream subscriber
per broker (see `_ReplyRouter` for why not `broker.request`). A service answers with a FastStream subscriber
on its RPC queue (manual acknowledgement: the request is acked after its reply was published). The client maps failures to HTTP semantics:
the broker unreachable or no such service queue → 503; no answer in time → 504; a business error in the
reply → the status the service chose (4xx).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aio_pika
from aio_pika.exceptions import DeliveryError
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from faststream.rabbit.schemas import RABBIT_REPLY
from faststream.rabbit.subscriber import RabbitSubscriber
from pydantic import ValidationError

from lklr_shared.contracts.base import Message, UnknownMessageType, contract_for
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.errors import Problem, RpcError
from lklr_shared.kit import amqp_raw, metrics, request_log, retry, tracing
from lklr_shared.kit.access import AccessRefused, authorize
from lklr_shared.kit.actor import (
    ASSERTION_HEADER,
    ActorClaims,
    ActorVerifier,
    AssertionRefused,
    Credentials,
    reset_current_actor,
    set_current_actor,
)
from lklr_shared.kit.broker import current_message, leave_body
from lklr_shared.kit.causation import cause, current_correlation_id, current_origin
from lklr_shared.kit.deadline import request_deadline
from lklr_shared.kit.subscription import ManualSubscription
from lklr_shared.kit.topology import Topology

log = logging.getLogger(__name__)

REPLY_TO = "amq.rabbitmq.reply-to"
# Epoch milliseconds as an integer: AMQP tables may carry floats as 32-bit, far too coarse for a time.
DEADLINE_HEADER = "x-deadline-ms"


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
# Called with the message id of a request dropped unanswered because its client gave up (see RpcServer).
AbandonedHandler = Callable[[uuid.UUID], Awaitable[None]]


class RpcServer(ManualSubscription):
    """Answers requests on a service's RPC queue by dispatching on the contract type.

    Before a handler runs, the request's actor assertion is verified (``verifier``: 401 when missing, forged,
    expired or bound to another request) and the contract's declared access is enforced (401/403); the handler
    then finds the verified claims in ``kit.actor.current_actor()``.
    """

    def __init__(
        self,
        service: str,
        broker: RabbitBroker,
        topology: Topology,
        handlers: Mapping[type[Message], RpcHandler],
        *,
        verifier: ActorVerifier,
        on_abandoned: AbandonedHandler | None = None,
        prefetch_count: int = 16,
    ) -> None:
        super().__init__(
            service,
            broker,
            topology.rpc_queue_spec(service),
            prefetch_count=prefetch_count,
            title=f"{topology.rpc_queue(service)}:answer",
            description=f"{service} answers: " + ", ".join(sorted(c.wire_name for c in handlers)),
        )
        self.service = service
        self._verifier = verifier
        # A request redelivered after its deadline (its first attempt died with its process) is not answered; the
        # service may have left something held under its message id (an idempotency lease) that a retry of the
        # client's would otherwise wait for.
        self._on_abandoned = on_abandoned
        self._topology = topology
        self._handlers = dict(handlers)

    @property
    def queue_name(self) -> str:
        return self._topology.rpc_queue(self.service)

    async def handle(self, message: RabbitMessage) -> None:
        """Answer one request, then ack it."""
        with tracing.rpc_server_span(self.service, message.raw_message.type, message.headers):
            await self._answer(message)

    async def _answer(self, message: RabbitMessage) -> None:
        started = time.perf_counter()
        deadline = (message.headers or {}).get(DEADLINE_HEADER)
        if isinstance(deadline, int) and time.time() * 1000 > deadline:
            log.warning(
                "%s: request %s arrived after its client gave up; not answered",
                self.service,
                message.correlation_id,
            )
            await self._abandon(message)
            await message.ack()
            return
        body: dict[str, Any]
        payload: str | None = None
        envelope: Envelope | None = None
        try:
            envelope, request, claims = self._admit(message)
            handler = self._handlers[type(request)]
            actor_token = set_current_actor(claims)
            try:
                with cause(envelope), request_deadline(deadline):
                    reply = await request_log.once(message.headers, envelope, handler, request)
            finally:
                reset_current_actor(actor_token)
            body = {"ok": True, "type": reply.wire_name, "version": reply.wire_version}
            payload = reply.model_dump_json()
        except RpcError as exc:
            body = {"ok": False, "error": exc.as_dict()}
        except Exception as exc:
            kind = envelope.type if envelope is not None else "?"
            tracing.record_failure(exc)
            if retry.classify(exc) == "transient":
                # The database (or the broker) is unavailable for a moment: the client may try again shortly, and
                # a transaction that failed this way changed nothing.
                log.warning("%s: request %s failed for now: %s", self.service, kind, retry.describe(exc))
                unavailable = RpcError(
                    "service_unavailable", "Temporarily unavailable; try again shortly.", 503, retry_after=5
                )
                body = {"ok": False, "error": unavailable.as_dict()}
            else:
                log.exception("%s: request %s (%s) failed", self.service, kind, message.correlation_id)
                body = {"ok": False, "error": {"code": "internal", "message": type(exc).__name__, "status": 500}}
        metrics.rpc_answered(self.service, envelope, body, started)
        raw = message.raw_message
        if raw.reply_to:
            try:
                # Not mandatory: a caller that gave up has no reply queue any more, and that is no error here.
                await self._broker.publish(
                    _reply_bytes(body, payload),
                    routing_key=raw.reply_to,
                    correlation_id=raw.correlation_id,
                    content_type="application/json",
                    mandatory=False,
                    timeout=10,
                )
            except Exception:
                # The request is still acked below: answering it again would repeat its effect for a caller
                # that cannot be reached.
                log.exception("%s: reply to %s could not be sent", self.service, raw.correlation_id)
        await message.ack()

    async def _abandon(self, message: RabbitMessage) -> None:
        """Let the service release what a request dropped unanswered holds (only for a genuinely signed one)."""
        if self._on_abandoned is None:
            return
        try:
            envelope = Envelope.from_bytes(message.body)
            self._verifier.verify(
                (message.headers or {}).get(ASSERTION_HEADER), message_id=str(envelope.message_id), allow_expired=True
            )
        except (ValidationError, ValueError, AssertionRefused):
            return
        try:
            await self._on_abandoned(envelope.message_id)
        except Exception:
            # What it holds ends with its lease anyway; the drop itself must not fail.
            log.exception("%s: releasing what abandoned request %s held failed", self.service, envelope.message_id)

    def _admit(self, message: RabbitMessage) -> tuple[Envelope, Message, ActorClaims]:
        """The request, its envelope and its verified asker; RpcError otherwise.

        In this order: the envelope must parse (400), its actor assertion must be valid for it (401) before its
        payload is even looked at, the payload must parse into a request this service handles (400), and the
        asker must be allowed to send it (401/403, see ``kit.access``).
        """
        try:
            envelope = Envelope.from_bytes(message.body)
        except (ValidationError, ValueError) as exc:
            raise invalid_request(exc) from exc
        try:
            claims = self._verifier.verify(
                (message.headers or {}).get(ASSERTION_HEADER), message_id=str(envelope.message_id)
            )
        except AssertionRefused as refusal:
            log.warning("%s: %s refused: %s", self.service, envelope.type, refusal.message)
            raise RpcError(refusal.code, refusal.message, 401) from refusal
        try:
            request = envelope.open()
        except (ValidationError, UnknownMessageType, ValueError) as exc:
            raise invalid_request(exc) from exc
        if type(request) not in self._handlers:
            raise RpcError("unknown_request", f"{self.service} does not handle {envelope.type}", 400)
        try:
            authorize(claims, request)
        except AccessRefused as refusal:
            log.info("%s: %s refused: %s", self.service, envelope.type, refusal.message)
            raise RpcError(refusal.code, refusal.message, refusal.status) from refusal
        return envelope, request, claims


def _reply_bytes(body: dict[str, Any], payload: str | None) -> bytes:
    """The reply as sent: ``body`` with the reply contract's JSON as ``payload``.

    The payload is serialised once, by pydantic's own JSON serialiser, and put into the reply as it is: the same
    JSON values as ``model_dump(mode="json")`` passed through ``json.dumps``, in a fraction of the time (a portfolio
    of sixty activities is the largest reply a reader asks for again and again).
    """
    head = json.dumps(body)
    if payload is None:
        return head.encode()
    return f'{head[:-1]}, "payload": {payload}}}'.encode()


class _ReplyRouter:
    """One consumer of direct reply-to per broker, handing each reply to the call waiting for it.

    Why not `broker.request`: FastStream 0.7 serialises the requests of one broker behind a lock and consumes and
    cancels the reply pseudo-queue around every single request (two extra broker round trips each). Measured on
    this machine with Ping: 348 calls/s with 8 callers at once against 1,180/s for a kept consumer, and 60% more
    CPU per call; a gateway page asks several services at once. So the kit keeps one FastStream subscriber on
    `amq.rabbitmq.reply-to` (no-ack, as RabbitMQ requires for it) on the broker's default channel, and publishes
    requests with `broker.publish` on that same channel, as direct reply-to requires. A broker with an RpcClient
    must therefore not use `broker.request` as well (RabbitMQ allows one reply-to consumer per channel).
    """

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._subscriber: RabbitSubscriber | None = None
        self._lock = asyncio.Lock()

    @property
    def is_ready(self) -> bool:
        return self._subscriber is not None

    async def ready(self) -> None:
        async with self._lock:
            if self._subscriber is None:
                subscriber = self._broker.subscriber(
                    RABBIT_REPLY,
                    ack_policy=AckPolicy.ACK_FIRST,  # consumed with no-ack: direct reply-to requires it
                    no_reply=True,
                    include_in_schema=False,
                    persistent=False,
                )
                subscriber(self._on_reply, decoder=leave_body)
                await subscriber.start()
                self._subscriber = subscriber

    def expect(self, correlation_id: str) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        return future

    def forget(self, correlation_id: str) -> None:
        self._pending.pop(correlation_id, None)

    async def _on_reply(self, _body: None) -> None:
        message = current_message(self._broker)
        future = self._pending.pop(message.correlation_id or "", None)
        if future is None or future.done():
            log.info("late or unknown reply %s ignored (its caller timed out)", message.correlation_id)
            return
        future.set_result(message.body)


_routers: weakref.WeakKeyDictionary[RabbitBroker, _ReplyRouter] = weakref.WeakKeyDictionary()


class RpcClient:
    """Sends requests to services and waits for their replies (used by the gateway)."""

    def __init__(
        self,
        broker: RabbitBroker,
        topology: Topology,
        *,
        timeout: float = 5.0,
        credentials: Credentials | None = None,
    ) -> None:
        self._broker = broker
        self._topology = topology
        self._timeout = timeout
        # Who asks, signed into every request (services refuse requests without a valid assertion).
        self._credentials = credentials
        # Shared by every client of one broker: one reply consumer per channel.
        self._router = _routers.setdefault(broker, _ReplyRouter(broker))

    async def call(
        self,
        service: str,
        request: Message,
        *,
        timeout: float | None = None,
        correlation_id: uuid.UUID | None = None,
        request_id: str | None = None,
    ) -> Message:
        """Send a request and return the parsed reply contract; raise RpcError (or a 503/504 subclass).

        A command sent with a ``request_id`` is carried out once: a retry with the same id returns the first reply
        (``lklr_shared.kit.request_log``)."""
        reply = await self.call_raw(
            service, request, timeout=timeout, correlation_id=correlation_id, request_id=request_id
        )
        if not reply.get("ok"):
            raise RpcError.from_dict(reply.get("error") or {})
        return contract_for(reply["type"], int(reply.get("version", 1))).model_validate(reply["payload"])

    async def call_raw(
        self,
        service: str,
        request: Message,
        *,
        timeout: float | None = None,
        correlation_id: uuid.UUID | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Send a request and return the reply body as the service sent it (errors included, not raised)."""
        with (
            tracing.rpc_client_span(service, request.wire_name),
            metrics.rpc_called(service, request.wire_name) as call,
        ):
            reply = await self._send(
                service, request, timeout=timeout, correlation_id=correlation_id, request_id=request_id
            )
            call.replied(reply)
        return reply

    async def _send(
        self,
        service: str,
        request: Message,
        *,
        timeout: float | None,
        correlation_id: uuid.UUID | None,
        request_id: str | None,
    ) -> dict[str, Any]:
        timeout = timeout or self._timeout
        envelope = wrap(request, correlation_id=correlation_id or current_correlation_id(), origin=current_origin())
        key = str(envelope.message_id)
        if not await amqp_raw.connected(self._broker):
            raise ServiceUnavailable(f"broker unreachable: not connected (asking {service})")
        headers: dict[str, Any] = {DEADLINE_HEADER: int((time.time() + timeout) * 1000)}
        if request_id:
            headers[request_log.REQUEST_ID_HEADER] = request_id
        if self._credentials is not None:
            headers[ASSERTION_HEADER] = self._credentials.assertion(request, message_id=key, valid_seconds=timeout)
        tracing.inject(headers)  # the service's span continues this call's
        future = self._router.expect(key)
        try:
            try:
                if not self._router.is_ready:
                    await asyncio.wait_for(self._router.ready(), timeout=timeout)
                await self._broker.publish(
                    envelope.to_bytes(),
                    routing_key=self._topology.rpc_queue(service),
                    reply_to=REPLY_TO,
                    correlation_id=key,
                    content_type="application/json",
                    message_type=envelope.type,
                    headers=headers,
                    # An unroutable request (no such service queue) comes back and is raised: 503 below.
                    mandatory=True,
                    timeout=timeout,
                )
            except DeliveryError as exc:
                raise ServiceUnavailable(f"{service} has no request queue") from exc
            except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
                raise ServiceUnavailable(f"broker unreachable: {exc!r}") from exc
            try:
                body = await asyncio.wait_for(future, timeout=timeout)
            except TimeoutError as exc:
                raise ServiceTimeout(f"{service} did not answer {envelope.type} within {timeout}s") from exc
        finally:
            self._router.forget(key)
        try:
            reply: dict[str, Any] = json.loads(body)
        except ValueError as exc:
            raise RpcError("bad_reply", f"unparseable reply: {exc}", 502) from exc
        return reply
