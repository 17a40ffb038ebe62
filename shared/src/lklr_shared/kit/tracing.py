"""OpenTelemetry traces: one trace per request, from the gateway's HTTP span through RPC, outbox and consumers.

The trace context travels where the work goes: in the AMQP headers of every request and event (W3C
``traceparent``/``tracestate``, written and read by OpenTelemetry's propagator), and in the outbox row between the
transaction that wrote an event and the relay that publishes it later (``kit_outbox.headers``). So one provider
post is one trace: the gateway's HTTP server span, its RPC client span, the service's RPC server span, the publish
of each event its transaction wrote, and every consumer's handling of those events (and of the events they emit).

The kit's hooks (rpc.py, outbox.py, consumer.py, batch_consumer.py) call the functions here and nothing else of
OpenTelemetry. Without an exporter (``<SVC>_OTLP_ENDPOINT`` empty, the default) no tracer provider is installed:
spans are OpenTelemetry's non-recording ones and cost a few microseconds a message. A context that arrives from
outside (an HTTP ``traceparent``) is still passed on, as W3C Trace Context asks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Final

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

log = logging.getLogger(__name__)

TRACER_NAME: Final = "lklr_shared.kit"
# Which of our processes a span belongs to, as an attribute: the resource's service.name says it per process, but a
# test runs several services in one process under one provider.
SERVICE_ATTRIBUTE: Final = "lklr.service"

# The kit's tracer. A proxy until a provider is installed (configure_tracing), so it needs no set-up at import.
_tracer: trace.Tracer = trace.get_tracer(TRACER_NAME)
# The provider configure_tracing installed, flushed and shut down at exit.
_configured: Any = None


def configure_tracing(service: str, otlp_endpoint: str) -> None:
    """Send this process's spans to an OTLP/HTTP collector at ``otlp_endpoint``; with none, trace nothing.

    ``otlp_endpoint`` is the collector's base URL (``http://collector:4318``); spans go to its ``/v1/traces`` in
    batches from a background thread. Call once at start-up, before serving; ``shutdown_tracing`` at the end.
    """
    global _configured
    if not otlp_endpoint:
        return
    # Imported here: a process without an exporter never loads the SDK.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _configured = provider
    log.info("traces go to %s", endpoint)


def shutdown_tracing() -> None:
    """Export the spans still buffered and stop the exporter (no-op without one)."""
    global _configured
    if _configured is not None:
        _configured.shutdown()
        _configured = None


@contextmanager
def use_tracer_provider(provider: trace.TracerProvider) -> Iterator[None]:
    """Make the kit record its spans with ``provider`` inside the block (tests: an in-memory exporter), without
    installing it process-wide (OpenTelemetry allows that once per process)."""
    global _tracer
    previous = _tracer
    _tracer = provider.get_tracer(TRACER_NAME)
    try:
        yield
    finally:
        _tracer = previous


class _HeaderGetter(Getter[Mapping[str, Any]]):
    """Reads a context from AMQP headers (values may arrive as bytes) or from a plain str mapping."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        value = carrier.get(key)
        if value is None:
            return None
        return [value.decode("latin-1") if isinstance(value, bytes) else str(value)]

    def keys(self, carrier: Mapping[str, Any]) -> list[str]:
        return list(carrier.keys())


_GETTER: Final = _HeaderGetter()


def _extract(headers: Mapping[str, Any] | None) -> Context:
    return propagate.extract(headers or {}, getter=_GETTER)


def context_headers() -> dict[str, str] | None:
    """The current trace context as headers (``traceparent``, ``tracestate``), or None outside any trace.

    The outbox stores them with each event its transaction writes, so the event is published in that context.
    """
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers or None


def inject(headers: MutableMapping[str, Any]) -> None:
    """Add the current trace context to outgoing AMQP headers."""
    propagate.inject(headers)


def record_failure(exc: BaseException) -> None:
    """Mark the current span failed with ``exc`` (for failures the kit settles itself instead of raising)."""
    span = trace.get_current_span()
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"[:500]))


@contextmanager
def http_server_span(service: str, method: str, route: str, headers: Mapping[str, str]) -> Iterator[Span]:
    """The server span of one HTTP request, continuing a ``traceparent`` the request brought (if any)."""
    with _tracer.start_as_current_span(
        f"{method} {route}",
        context=_extract(headers),
        kind=SpanKind.SERVER,
        attributes={SERVICE_ATTRIBUTE: service, "http.request.method": method, "http.route": route},
    ) as span:
        yield span


def set_http_status(span: Span, status: int | None) -> None:
    """Record the response status on an HTTP server span; a 5xx (or no response at all) fails it."""
    if status is None:
        span.set_status(Status(StatusCode.ERROR, "no response"))
        return
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def _rpc_attributes(service: str, request_type: str) -> dict[str, str]:
    return {"rpc.system": "lklr", "rpc.service": service, "rpc.method": request_type, "messaging.system": "rabbitmq"}


@contextmanager
def rpc_client_span(service: str, request_type: str) -> Iterator[Span]:
    """The client span of one request to ``service``; inject() inside it puts its context into the request."""
    with _tracer.start_as_current_span(
        request_type, kind=SpanKind.CLIENT, attributes=_rpc_attributes(service, request_type)
    ) as span:
        yield span


@contextmanager
def rpc_server_span(service: str, request_type: str | None, headers: Mapping[str, Any] | None) -> Iterator[Span]:
    """The server span of one request ``service`` answers, a child of the client's span in the request headers."""
    with _tracer.start_as_current_span(
        request_type or "rpc",
        context=_extract(headers),
        kind=SpanKind.SERVER,
        attributes={SERVICE_ATTRIBUTE: service, **_rpc_attributes(service, request_type or "?")},
    ) as span:
        yield span


@contextmanager
def publish_span(routing_key: str, stored: Mapping[str, Any] | None) -> Iterator[dict[str, str]]:
    """The producer span of one event the relay publishes, in the context its outbox row stored.

    Yields the headers to publish the event with: the context of this span, so consumers continue the trace.
    """
    with _tracer.start_as_current_span(
        f"{routing_key} publish",
        context=_extract(stored),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "rabbitmq", "messaging.destination.name": routing_key},
    ):
        headers: dict[str, str] = {}
        propagate.inject(headers)
        yield headers


@contextmanager
def consumer_span(consumer: str, message_type: str | None, headers: Mapping[str, Any] | None) -> Iterator[Span]:
    """The span of one event a consumer handles: a child of the publish span whose context the message carries."""
    with _tracer.start_as_current_span(
        f"{message_type or 'message'} process",
        context=_extract(headers),
        kind=SpanKind.CONSUMER,
        attributes={
            SERVICE_ATTRIBUTE: consumer,
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
        },
    ) as span:
        yield span


@contextmanager
def batch_consumer_span(consumer: str, headers: Iterable[Mapping[str, Any] | None]) -> Iterator[Span]:
    """The span of one batch a consumer applies in one transaction: its messages come from many traces, so the span
    links to each (a root span of its own) rather than choosing one parent."""
    carriers = list(headers)
    links = []
    for carrier in carriers:
        context = trace.get_current_span(_extract(carrier)).get_span_context()
        if context.is_valid:
            links.append(Link(context))
    with _tracer.start_as_current_span(
        f"{consumer} batch process",
        context=Context(),
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            SERVICE_ATTRIBUTE: consumer,
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": consumer,
            "messaging.batch.message_count": len(carriers),
        },
    ) as span:
        yield span
