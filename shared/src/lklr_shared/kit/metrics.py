"""Prometheus metrics of a process: every figure the register exports is defined here, in one registry per process.

The registry is made on first use (``process_metrics()``), never at import. The kit's hot paths record with one call
each (``rpc_answered``, ``rpc_called``, ``event_handled``, ``http_request``); figures that are read, not counted
(outbox backlog, queue sizes, database pool, audit cases, readiness) come from asynchronous *sources* that a
composition root registers with ``Metrics.add_source`` and that run at scrape time, just before ``exposition()``
renders the registry. A source that fails is logged and counted (``lklr_metrics_source_errors_total``); its gauges
keep their last value, so a scrape never fails because one figure could not be read.

Labels are bounded: request and event types are contract wire names, HTTP routes are Litestar path templates (never
the raw path), outcomes are a handful of words.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter as Counter_
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from lklr_shared.contracts.envelope import Envelope

log = logging.getLogger(__name__)

PREFIX: Final = "lklr"
# Request and handling durations: RPCs answer in milliseconds, a batch of attendance takes up to seconds.
DURATION_BUCKETS: Final = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SOURCE_TIMEOUT_SECONDS: Final = 5.0

Source = Callable[["Metrics"], Awaitable[None]]


class Metrics:
    """The metric objects of one process, registered in a registry of their own (not the client's global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._sources: dict[str, Source] = {}

        def counter(name: str, text: str, labels: list[str]) -> Counter:
            return Counter(f"{PREFIX}_{name}", text, labels, registry=self.registry)

        def histogram(name: str, text: str, labels: list[str]) -> Histogram:
            return Histogram(f"{PREFIX}_{name}", text, labels, buckets=DURATION_BUCKETS, registry=self.registry)

        def gauge(name: str, text: str, labels: list[str]) -> Gauge:
            return Gauge(f"{PREFIX}_{name}", text, labels, registry=self.registry)

        self.http_requests = counter(
            "http_requests", "HTTP requests answered by the gateway", ["method", "route", "status"]
        )
        self.http_duration = histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"]
        )
        self.rpc_requests = counter(
            "rpc_requests", "RPC requests answered by a service", ["service", "request", "outcome"]
        )
        self.rpc_duration = histogram(
            "rpc_request_duration_seconds", "Time a service took to answer an RPC request", ["service", "request"]
        )
        self.rpc_client_requests = counter(
            "rpc_client_requests", "RPC requests sent, by the asked service", ["service", "request", "outcome"]
        )
        self.rpc_client_duration = histogram(
            "rpc_client_request_duration_seconds",
            "Time from sending an RPC request to its reply (or failure), as the caller saw it",
            ["service", "request"],
        )
        self.events = counter("events_handled", "Event deliveries handled", ["consumer", "event", "outcome"])
        self.event_duration = histogram(
            "event_handling_duration_seconds", "Time to handle one event delivery", ["consumer", "event"]
        )
        self.outbox_unsent = gauge("outbox_unsent_messages", "Outbox rows not yet published", ["service"])
        self.outbox_oldest = gauge(
            "outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row (0 when none)", ["service"]
        )
        self.queue_messages = gauge(
            "queue_messages", "Messages ready in a queue, as the broker reports", ["service", "queue", "kind"]
        )
        self.queue_consumers = gauge(
            "queue_consumers", "Consumers of a queue, as the broker reports", ["service", "queue", "kind"]
        )
        self.db_pool = gauge(
            "db_pool_connections", "Database connections of the process's pool, by state", ["service", "state"]
        )
        self.ready = gauge("ready", "Whether a readiness check passes (1) or fails (0)", ["service", "check"])
        self.audit_cases = gauge("audit_cases", "Audit review cases by state", ["state"])
        self.source_errors = counter("metrics_source_errors", "Scrape-time figures that could not be read", ["source"])

    def add_source(self, name: str, source: Source) -> Callable[[], None]:
        """Run ``source`` at every scrape (it sets gauges); return a function that removes it again."""
        self._sources[name] = source
        return lambda: self.remove_source(name)

    def remove_source(self, name: str) -> None:
        """Stop running a source (a runtime that stops removes its own)."""
        self._sources.pop(name, None)

    async def refresh(self) -> None:
        """Run every source concurrently; one that fails or hangs is logged and counted, the others still count."""
        names = list(self._sources)
        results = await asyncio.gather(
            *(asyncio.wait_for(self._sources[name](self), SOURCE_TIMEOUT_SECONDS) for name in names),
            return_exceptions=True,
        )
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("metrics source %s failed", name, exc_info=result)
                self.source_errors.labels(source=name).inc()

    async def exposition(self) -> tuple[bytes, str]:
        """Refresh the sources and render the registry in Prometheus' text format: (body, content type)."""
        await self.refresh()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def record_readiness(self, service: str, checks: Mapping[str, bool]) -> None:
        """Set the readiness gauges of ``service`` from its checks."""
        for check, ok in checks.items():
            self.ready.labels(service=service, check=check).set(1 if ok else 0)


_process_metrics: Metrics | None = None


def process_metrics() -> Metrics:
    """The metrics of this process, made on first use."""
    global _process_metrics
    if _process_metrics is None:
        _process_metrics = Metrics()
    return _process_metrics


def rpc_answered(service: str, envelope: Envelope | None, body: Mapping[str, Any], started: float) -> None:
    """Count one request a service answered: ``ok``, ``error`` (a 4xx it refused) or ``failed`` (5xx); a request
    whose envelope did not parse counts as ``unknown``."""
    request_type = envelope.type if envelope is not None else "unknown"
    if body.get("ok"):
        outcome = "ok"
    else:
        outcome = "failed" if int((body.get("error") or {}).get("status", 500)) >= 500 else "error"
    metrics = process_metrics()
    metrics.rpc_requests.labels(service=service, request=request_type, outcome=outcome).inc()
    metrics.rpc_duration.labels(service=service, request=request_type).observe(time.perf_counter() - started)


class _Call:
    """The outcome of one RPC call being timed (see ``rpc_called``)."""

    outcome = "ok"

    def replied(self, reply: Mapping[str, Any]) -> None:
        """A reply arrived; one carrying a business error counts as ``error``."""
        if not reply.get("ok"):
            self.outcome = "error"


@contextmanager
def rpc_called(service: str, request_type: str) -> Iterator[_Call]:
    """Time one RPC call as the caller sees it; the outcome is ``ok``, ``error`` (the reply carried an error),
    ``unavailable`` (503: broker or queue missing) or ``timeout`` (504)."""
    started = time.perf_counter()
    call = _Call()
    try:
        yield call
    except Exception as exc:
        call.outcome = {503: "unavailable", 504: "timeout"}.get(getattr(exc, "status", 500), "error")
        raise
    finally:
        metrics = process_metrics()
        metrics.rpc_client_requests.labels(service=service, request=request_type, outcome=call.outcome).inc()
        metrics.rpc_client_duration.labels(service=service, request=request_type).observe(time.perf_counter() - started)


# Consumer stats keys that are not a delivery's outcome: "failed" is always followed by its settlement (retried,
# requeued, dead_lettered ...), the others count batches.
_NOT_OUTCOMES: Final = frozenset({"failed", "batches", "batch_retried"})


@contextmanager
def handling(consumer: str, event_types: Sequence[str | None], stats: Counter_[str]) -> Iterator[None]:
    """Time the handling of deliveries and count their outcomes by event type.

    The consumers already count each delivery's outcome in their ``stats`` (applied, duplicate, retried, requeued,
    dead_lettered, rejected, unacked ...); what this block added to it is what these deliveries came to. A batch
    whose deliveries are of more than one type and came to more than one outcome counts under ``event="mixed"``:
    which delivery came to what is not known here.
    """
    started = time.perf_counter()
    before = stats.copy()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        outcomes = {key: count for key, count in (stats - before).items() if key not in _NOT_OUTCOMES}
        types = Counter_(event_type or "unknown" for event_type in event_types)
        metrics = process_metrics()
        if len(types) == 1 or len(outcomes) == 1:
            for event_type, deliveries in types.items():
                for outcome, count in outcomes.items():
                    share = count if len(types) == 1 else deliveries
                    metrics.events.labels(consumer=consumer, event=event_type, outcome=outcome).inc(share)
                metrics.event_duration.labels(consumer=consumer, event=event_type).observe(elapsed)
        else:
            for outcome, count in outcomes.items():
                metrics.events.labels(consumer=consumer, event="mixed", outcome=outcome).inc(count)
            metrics.event_duration.labels(consumer=consumer, event="mixed").observe(elapsed)


def http_request(method: str, route: str, status: int, started: float) -> None:
    """Count one HTTP request by its route template (never the raw path: labels must stay bounded)."""
    metrics = process_metrics()
    metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
    metrics.http_duration.labels(method=method, route=route).observe(time.perf_counter() - started)
