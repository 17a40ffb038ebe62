"""The kit's spans and how their context travels: outbox row -> publish -> AMQP headers -> consumer; the exporter."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from lklr_shared.kit import tracing


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with tracing.use_tracer_provider(provider):
        yield exporter


@pytest.mark.unit
def test_outside_any_span_there_is_no_context_to_store():
    assert tracing.context_headers() is None


@pytest.mark.unit
def test_an_event_is_published_in_its_transactions_trace_and_handled_as_a_child_of_the_publish(exporter):
    with tracing.rpc_server_span("accreditation", "accreditation.PostAttendance", {}) as request:
        stored = tracing.context_headers()  # what the outbox row keeps
    assert stored is not None and "traceparent" in stored
    with tracing.publish_span("accreditation.AttendanceRecorded", stored) as headers:
        pass
    # AMQP header values may arrive as bytes.
    amqp_headers = {key: value.encode() for key, value in headers.items()}
    with tracing.consumer_span("portfolio", "accreditation.AttendanceRecorded", amqp_headers):
        pass

    server, publish, consume = exporter.get_finished_spans()
    assert (publish.kind, consume.kind) == (SpanKind.PRODUCER, SpanKind.CONSUMER)
    assert {publish.context.trace_id, consume.context.trace_id} == {request.get_span_context().trace_id}
    assert publish.parent is not None and publish.parent.span_id == server.context.span_id
    assert consume.parent is not None and consume.parent.span_id == publish.context.span_id


@pytest.mark.unit
def test_a_failure_the_kit_settles_itself_marks_the_span_failed(exporter):
    with tracing.consumer_span("portfolio", "registry.CycleOpened", None):
        tracing.record_failure(RuntimeError("database down"))
    (span,) = exporter.get_finished_spans()
    assert not span.status.is_ok
    assert span.events[0].name == "exception"


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []  # one test's record of the requests

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"] or 0))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return None


@pytest.mark.integration
def test_with_an_otlp_endpoint_a_process_sends_its_spans_to_the_collector_by_the_end():
    collector = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=collector.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{collector.server_port}"
        # Its own process: the tracer provider is installed process-wide, once.
        script = textwrap.dedent(
            f"""
            from lklr_shared.kit import tracing
            tracing.configure_tracing("portfolio", {endpoint!r})
            with tracing.consumer_span("portfolio", "registry.CycleOpened", None):
                pass
            tracing.shutdown_tracing()
            """
        )
        subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    finally:
        collector.shutdown()
        thread.join()
    ((path, body),) = _Collector.received
    assert path == "/v1/traces"
    # The protobuf request names the service and the span (strings are stored as they are).
    assert b"portfolio" in body and b"registry.CycleOpened process" in body
