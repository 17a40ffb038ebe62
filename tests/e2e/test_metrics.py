"""Every process's `/metrics` after a provider post, read with the Prometheus client's own parser.

The register runs as real processes (tests/support/system.py) with their health ports fixed, so each service's
`/metrics` can be scraped; the gateway serves its own. A provider posts attendance through the gateway's API, the
accreditation service answers the RPC and publishes AttendanceRecorded through its outbox, the portfolio consumes it.
Then the figures must be there with the right labels: the HTTP request by route template and status, the RPC on
both sides, the event handled, the outbox, queue, pool and readiness gauges, and the audit's case figures.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import accredited_edition, call
from tests.support.ports import free_port
from tests.support.rpc_setup import grant_registration
from tests.support.system import SERVICES, RunningSystem, start_system

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def scrape(url: str) -> dict[str, Metric]:
    """The metric families at `url`, by name, parsed by prometheus_client's parser."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def samples(families: dict[str, Metric], family: str, suffix: str = "", **labels: str) -> list[Sample]:
    """The samples of `family` (``_total``, ``_count`` ... by `suffix`) whose labels include `labels`."""
    assert family in families, f"{family} missing; there are {sorted(families)}"
    return [
        sample
        for sample in families[family].samples
        if sample.name == family + suffix and all(sample.labels.get(key) == value for key, value in labels.items())
    ]


def value(found: Iterable[Sample]) -> float:
    return sum(sample.value for sample in found)


async def provider_post(system: RunningSystem) -> str:
    """Set up a provider with an accredited, ended edition and a registered professional; post their attendance
    through the gateway's API. Returns the professional's registration number."""
    broker = await connect_broker(system.amqp_url, name="test-metrics")
    try:
        client = RpcClient(broker, system.topology, timeout=15, credentials=operator_credentials())
        today = register_today(system_clock)
        provider_id, edition_id = await accredited_edition(client, today)
        key = await call(
            client,
            "accreditation",
            accreditation_contracts.CreateApiKey(provider_id=provider_id, label="metrics", created_by="test"),
            accreditation_contracts.ApiKeyCreated,
        )
        receipt = await grant_registration(
            client.call,
            initials="M.",
            surname="Meter",
            employer_id="gemeente-metrics",
            registered_since=today - timedelta(days=400),
        )
    finally:
        await broker.stop()
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http:
        response = await http.post(
            "/api/v1/provider/attendance",
            headers={"Authorization": f"Bearer {key.api_key}", "Idempotency-Key": str(uuid.uuid4())},
            json={"edition_id": str(edition_id), "attendees": [{"registration_number": receipt.registration_number}]},
        )
    assert response.status_code == 200, response.text
    return receipt.registration_number


async def until_scraped(url: str, family: str, timeout: float = 60, **labels: str) -> dict[str, Metric]:
    """Scrape `url` until `family` has a sample with `labels` (events and outbox work after the reply)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        families = scrape(url)
        if family in families and samples(families, family, "_total", **labels):
            return families
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"no {family} with {labels} at {url} within {timeout}s")
        await asyncio.sleep(0.5)


async def test_every_process_exports_request_rpc_event_and_outbox_figures(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    ports = {service: free_port() for service in SERVICES}
    env = {f"{service.upper()}_HEALTH_PORT": str(port) for service, port in ports.items()}
    async with start_system(amqp_url, databases, broker_names, tmp_path, env=env) as system:
        await provider_post(system)
        url = {service: f"http://127.0.0.1:{port}/metrics" for service, port in ports.items()}
        url["gateway"] = f"{system.gateway_url}/metrics"

        # The portfolio consumed the accreditation's event (published through its outbox).
        portfolio = await until_scraped(
            url["portfolio"],
            "lklr_events_handled",
            consumer="portfolio",
            event="accreditation.AttendanceRecorded",
            outcome="applied",
        )
        assert samples(
            portfolio, "lklr_event_handling_duration_seconds", "_count", event="accreditation.AttendanceRecorded"
        )

        gateway = scrape(url["gateway"])
        post = {"method": "POST", "route": "/api/v1/provider/attendance"}
        assert value(samples(gateway, "lklr_http_requests", "_total", status="200", **post)) == 1
        assert value(samples(gateway, "lklr_http_request_duration_seconds", "_count", **post)) == 1
        # Raw paths never become labels: every route label is a template or "unmatched".
        routes = {sample.labels["route"] for sample in gateway["lklr_http_requests"].samples}
        assert not [route for route in routes if UUID_IN_PATH.search(route)], routes
        ok_post = {"service": "accreditation", "request": "accreditation.PostAttendance", "outcome": "ok"}
        assert value(samples(gateway, "lklr_rpc_client_requests", "_total", **ok_post)) == 1
        assert samples(gateway, "lklr_rpc_client_request_duration_seconds", "_count", service="accreditation")
        assert value(samples(gateway, "lklr_ready", service="gateway", check="broker")) == 1

        accreditation = scrape(url["accreditation"])
        assert value(samples(accreditation, "lklr_rpc_requests", "_total", **ok_post)) == 1
        assert samples(
            accreditation, "lklr_rpc_request_duration_seconds", "_bucket", request="accreditation.PostAttendance"
        )

        for service in SERVICES:
            families = portfolio if service == "portfolio" else scrape(url[service])
            assert samples(families, "lklr_outbox_unsent_messages", service=service), service
            assert samples(families, "lklr_outbox_oldest_unsent_age_seconds", service=service), service
            assert value(samples(families, "lklr_ready", service=service, check="database")) == 1, service
            assert samples(families, "lklr_db_pool_connections", service=service, state="in_use"), service
            rpc_queue = system.topology.rpc_queue(service)
            assert value(samples(families, "lklr_queue_consumers", queue=rpc_queue, kind="rpc")) >= 1, service
        events_queue = system.topology.consumer_queue("portfolio")
        dead_letters = system.topology.dead_letter_queue(events_queue)
        assert value(samples(portfolio, "lklr_queue_consumers", queue=events_queue, kind="events")) >= 1
        assert value(samples(portfolio, "lklr_queue_messages", queue=dead_letters, kind="dead_letters")) == 0

        audit = scrape(url["audit"])
        for state in ("open", "waiting_for_reviewer", "overdue"):
            assert samples(audit, "lklr_audit_cases", state=state), state
