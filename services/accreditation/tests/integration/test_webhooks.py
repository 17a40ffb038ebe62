"""Webhooks delivered to real HTTP endpoints on this machine, signed per Standard Webhooks, with retries after
failures, disabling after the failure limit, secret rotation, redelivery and test events; and sandbox posts.

The service runs with short retry delays and a failure limit of 3 (settings), so retries happen within the test.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accreditation.domain.sandbox import TEST_PEOPLE
from accreditation.service_layer import registrations
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork

pytestmark = pytest.mark.integration

FAILURE_LIMIT = 3


@pytest.fixture(scope="module")
def service_overrides() -> dict[str, Any]:
    return {
        "webhook_poll_seconds": 0.1,
        "webhook_first_retry_seconds": 0.2,
        "webhook_retry_factor": 1.5,
        "webhook_disable_after_failures": FAILURE_LIMIT,
        "webhook_timeout_seconds": 5.0,
    }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local HTTP server: each path answers the statuses scripted for it in turn (then the last one forever)."""

    base_url: str = ""
    scripts: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str, *statuses: int) -> str:
        self.scripts[path] = list(statuses) or [200]
        return f"{self.base_url}{path}"

    def answer(self, path: str) -> int:
        with self.lock:
            script = self.scripts.get(path, [404])
            return script.pop(0) if len(script) > 1 else script[0]

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if item.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 30) -> list[Received]:
        """The requests to ``path`` once at least ``count`` arrived (fails after ``timeout`` seconds)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found := self.at(path)) < count:
            assert asyncio.get_running_loop().time() < deadline, f"{len(found)} of {count} webhooks to {path}"
            await asyncio.sleep(0.05)
        return found


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = state.answer(self.path)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def verified(secret: str, received: Received) -> Any:
    """The payload, after the standardwebhooks library checked its signature."""
    return Webhook(secret).verify(received.body, received.headers)


async def _register(service: Any, provider_id: uuid.UUID, url: str, events: list[str], **extra: Any) -> Any:
    return await service.call(
        contracts.RegisterWebhookEndpoint(
            provider_id=provider_id, url=url, events=events, created_by="account:provider", **extra
        )
    )


async def _deliveries(service: Any, provider_id: uuid.UUID, endpoint_id: uuid.UUID) -> Any:
    return await service.call(contracts.ListWebhookDeliveries(provider_id=provider_id, endpoint_id=endpoint_id))


async def _wait_log(
    service: Any, provider_id: uuid.UUID, endpoint_id: uuid.UUID, done: Any, timeout: float = 30
) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        log = await _deliveries(service, provider_id, endpoint_id)
        if done(log):
            return log
        assert asyncio.get_running_loop().time() < deadline, f"delivery log never got there: {log}"
        await asyncio.sleep(0.1)


async def test_attendance_post_reaches_subscribed_endpoint_signed_per_standard_webhooks(service, receiver):
    provider = await service.provider()
    _course, edition_id = await service.approved_course(provider.provider_id)
    issued = await _register(service, provider.provider_id, receiver.url("/signed"), ["attendance.recorded"])
    other = await _register(service, provider.provider_id, receiver.url("/other-events"), ["course.decided"])
    numbers = await service.register_people(2)

    result = await service.post(provider.provider_id, edition_id, [(numbers[0], None), (numbers[1], None)])

    (message,) = await receiver.wait_for("/signed", 1)
    payload = verified(issued.secret, message)
    assert payload["type"] == "attendance.recorded" and payload["sandbox"] is False and payload["test"] is False
    assert payload["data"]["post_id"] == str(result.post_id)
    assert payload["data"]["counts"] == {"received": 2, "recorded": 2, "duplicate": 0, "rejected": 0}
    assert {row["registration_number"] for row in payload["data"]["recorded"]} == set(numbers)
    assert message.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(message.body, message.headers)
    assert receiver.at("/other-events") == []
    log = await _wait_log(
        service, provider.provider_id, issued.endpoint.endpoint_id, lambda log: log.deliveries[0].status == "delivered"
    )
    assert log.deliveries[0].attempts == 1 and log.deliveries[0].last_response_status == 200


async def test_a_failing_endpoint_is_retried_until_it_answers_with_the_same_message_id(service, receiver):
    provider = await service.provider()
    issued = await _register(service, provider.provider_id, receiver.url("/flaky", 500, 500, 200), ["course.decided"])

    await service.approved_course(provider.provider_id)

    attempts = await receiver.wait_for("/flaky", 3)
    assert len({attempt.headers["webhook-id"] for attempt in attempts}) == 1
    assert all(verified(issued.secret, attempt)["data"]["decision"] == "approved" for attempt in attempts)
    log = await _wait_log(
        service, provider.provider_id, issued.endpoint.endpoint_id, lambda log: log.deliveries[0].status == "delivered"
    )
    (delivery,) = log.deliveries
    assert delivery.attempts == 3 and delivery.last_response_status == 200
    assert log.endpoint.enabled and log.endpoint.consecutive_failures == 0


async def test_an_endpoint_that_keeps_failing_is_disabled_and_the_provider_told(service, receiver):
    provider = await service.provider()
    issued = await _register(service, provider.provider_id, receiver.url("/down", 500), ["course.decided"])
    endpoint_id = issued.endpoint.endpoint_id

    await service.approved_course(provider.provider_id)

    log = await _wait_log(service, provider.provider_id, endpoint_id, lambda log: not log.endpoint.enabled)
    assert log.endpoint.consecutive_failures == FAILURE_LIMIT and log.endpoint.disabled_at is not None
    (delivery,) = log.deliveries
    assert delivery.attempts == FAILURE_LIMIT and delivery.last_response_status == 500 and delivery.status == "pending"
    assert len(receiver.at("/down")) == FAILURE_LIMIT
    deadline = asyncio.get_running_loop().time() + 30
    while not (told := service.events.of(contracts.WebhookEndpointDisabled, lambda e: e.endpoint_id == endpoint_id)):
        assert asyncio.get_running_loop().time() < deadline, "no WebhookEndpointDisabled published"
        await asyncio.sleep(0.1)
    assert told[0].provider_id == provider.provider_id and told[0].failed_attempts == FAILURE_LIMIT

    # Once the receiver works again, enabling the endpoint sends what waited.
    receiver.scripts["/down"] = [200]
    enabled = await service.call(
        contracts.SetWebhookEndpointEnabled(
            provider_id=provider.provider_id, endpoint_id=endpoint_id, enabled=True, changed_by="account:provider"
        )
    )
    assert enabled.enabled and enabled.consecutive_failures == 0
    await _wait_log(service, provider.provider_id, endpoint_id, lambda log: log.deliveries[0].status == "delivered")


async def test_rotation_signs_with_old_and_new_secret_and_redelivery_and_test_events_go_out(service, receiver):
    provider = await service.provider()
    first = await _register(service, provider.provider_id, receiver.url("/rotating"), ["attendance.disputed"])
    endpoint_id = first.endpoint.endpoint_id

    rotated = await service.call(
        contracts.RotateWebhookSecret(
            provider_id=provider.provider_id, endpoint_id=endpoint_id, rotated_by="account:provider"
        )
    )
    assert rotated.secret != first.secret and rotated.endpoint.secret_rotated_at is not None

    for index, event_type in enumerate(contracts.WEBHOOK_EVENT_TYPES, start=1):
        sent = await service.call(
            contracts.SendTestWebhook(
                provider_id=provider.provider_id,
                endpoint_id=endpoint_id,
                event_type=event_type,
                requested_by="account:provider",
            )
        )
        assert sent.test and sent.event_type == event_type
        message = (await receiver.wait_for("/rotating", index))[-1]
        for secret in (first.secret, rotated.secret):
            payload = verified(secret, message)
            assert payload["type"] == event_type and payload["test"] is True

    log = await _wait_log(
        service, provider.provider_id, endpoint_id, lambda log: all(d.status == "delivered" for d in log.deliveries)
    )
    again = await service.call(
        contracts.RedeliverWebhook(
            provider_id=provider.provider_id,
            endpoint_id=endpoint_id,
            delivery_id=log.deliveries[0].delivery_id,
            requested_by="account:provider",
        )
    )
    assert again.status == "pending"
    repeated = (await receiver.wait_for("/rotating", len(contracts.WEBHOOK_EVENT_TYPES) + 1))[-1]
    assert repeated.headers["webhook-id"] == log.deliveries[0].message_id


async def test_another_providers_endpoint_is_not_found_and_bad_registrations_are_refused(service, receiver):
    owner = await service.provider()
    stranger = await service.provider()
    issued = await _register(service, owner.provider_id, receiver.url("/owned"), ["course.decided"])
    refused = await service.refusal(
        contracts.ListWebhookDeliveries(provider_id=stranger.provider_id, endpoint_id=issued.endpoint.endpoint_id)
    )
    assert (refused.status, refused.code) == (404, "webhook_endpoint_not_found")
    unknown = await service.refusal(
        contracts.RegisterWebhookEndpoint(
            provider_id=owner.provider_id, url=receiver.url("/x"), events=["course.exploded"], created_by="t"
        )
    )
    assert (unknown.status, unknown.code) == (422, "invalid_webhook_events")
    bad_url = await service.refusal(
        contracts.RegisterWebhookEndpoint(
            provider_id=owner.provider_id, url="ftp://example.org/hook", events=["course.decided"], created_by="t"
        )
    )
    assert (bad_url.status, bad_url.code) == (422, "invalid_webhook_url")


# --- The sandbox ---------------------------------------------------------------------------------------------------


async def _register_test_numbers_in_production(service: Any) -> None:
    """The test people with the same histories in this test database's production read model, so a production
    post can be compared with a sandbox post row by row."""
    engine = make_engine(service.database_url)
    try:
        async with UnitOfWork(make_session_factory(engine)) as uow:
            for test in TEST_PEOPLE:
                person_id = uuid.uuid4()
                granted = registry_contracts.RegistrationGranted(
                    person_id=person_id,
                    registration_number=test.registration_number,
                    initials="T.",
                    surname="Test",
                    roles=["leerplichtambtenaar"],
                    employer_id="gemeente-test",
                    registered_since=test.history[0].effective_on,
                )
                await registrations.record_registration(uow, granted, wrap(granted))
                for entry in test.history[1:]:
                    changed = registry_contracts.RegistrationStatusChanged(
                        person_id=person_id,
                        registration_number=test.registration_number,
                        old_status="registered",
                        new_status=entry.status,
                        effective_on=entry.effective_on,
                    )
                    await registrations.record_status_change(uow, changed, wrap(changed))
            await uow.commit()
    finally:
        await engine.dispose()


async def test_a_sandbox_post_answers_as_production_and_touches_no_portfolio(service, receiver):
    provider = await service.provider()
    _course, production_edition = await service.approved_course(provider.provider_id)
    _course, sandbox_edition = await service.approved_course(provider.provider_id)
    sandbox_key = await service.call(
        contracts.CreateApiKey(provider_id=provider.provider_id, created_by="account:provider", sandbox=True)
    )
    assert sandbox_key.key.sandbox
    sandbox_hook = await _register(
        service, provider.provider_id, receiver.url("/sandbox"), ["attendance.recorded"], sandbox=True
    )
    production_hook = await _register(
        service, provider.provider_id, receiver.url("/production"), ["attendance.recorded"]
    )
    numbers = [test.registration_number for test in TEST_PEOPLE]
    rows: list[tuple[str, Decimal | str | None]] = [(n, None) for n in numbers]
    rows += [(numbers[0], None), (numbers[0][:-1] + str((int(numbers[0][-1]) + 1) % 10), None), ("0000000", None)]
    rows += [(service.unused_numbers(1)[0], None), (numbers[1], "99")]

    recorded_before = len(service.events.of(contracts.AttendanceRecorded))
    sandbox_request = service.post_request(provider.provider_id, sandbox_edition, rows, key="same-key")
    sandbox_request = sandbox_request.model_copy(update={"posted_by": f"api-key:{sandbox_key.key.key_id}"})
    sandbox = await service.call(sandbox_request)
    again = await service.call(sandbox_request.model_copy(update={"idempotency_key": "other-key"}))

    assert await service.attendance_count(sandbox_edition) == 0
    assert len(service.events.of(contracts.AttendanceRecorded)) == recorded_before
    await receiver.wait_for("/sandbox", 1)
    assert verified(sandbox_hook.secret, receiver.at("/sandbox")[0])["sandbox"] is True

    await _register_test_numbers_in_production(service)
    production = await service.post(provider.provider_id, production_edition, rows, key="same-key")
    production_again = await service.post(provider.provider_id, production_edition, rows, key="other-key")

    def outcomes(result: contracts.AttendancePostResult) -> list[tuple[str, str, str | None]]:
        return [(row.registration_number, row.outcome, row.reason_code) for row in result.rows]

    assert outcomes(sandbox) == outcomes(production)
    assert outcomes(again) == outcomes(production_again)
    assert sandbox.counts == production.counts and sandbox.counts.recorded == 2
    assert next(row.outcome for row in again.rows if row.registration_number == numbers[0]) == "duplicate"
    assert await service.attendance_count(production_edition) == 2
    await receiver.wait_for("/production", 1)
    assert len(receiver.at("/sandbox")) == 1  # the production post went to the production endpoint only
    assert verified(production_hook.secret, receiver.at("/production")[0])["sandbox"] is False

    # A sandbox key voids its sandbox records as production voids real ones; a real record is unknown to it.
    as_sandbox = f"api-key:{sandbox_key.key.key_id}"
    sandbox_row = next(row for row in sandbox.rows if row.outcome == "recorded")
    void = contracts.VoidAttendance(
        provider_id=provider.provider_id,
        attendance_id=sandbox_row.attendance_id,
        reason="Dubbel.",
        voided_by=as_sandbox,
    )
    first_void, second_void = await service.call(void), await service.call(void)
    assert (first_void.newly_voided, second_void.newly_voided, second_void.reason) == (True, False, "Dubbel.")
    real_row = next(row for row in production.rows if row.outcome == "recorded")
    refused = await service.refusal(void.model_copy(update={"attendance_id": real_row.attendance_id}))
    assert (refused.status, refused.code) == (404, "attendance_not_found")
    assert await service.attendance_count(production_edition) == 2


async def test_a_sandbox_key_may_not_change_real_courses_or_records(service):
    provider = await service.provider()
    sandbox_key = await service.call(
        contracts.CreateApiKey(provider_id=provider.provider_id, created_by="account:provider", sandbox=True)
    )
    refusal = await service.refusal(
        contracts.SubmitCourse(
            provider_id=provider.provider_id,
            submitted_by=f"api-key:{sandbox_key.key.key_id}",
            title="Uit de sandbox",
            description="Mag niet.",
            category="A1",
            study_load_hours=Decimal(4),
            editions=[contracts.EditionInput(start_date=date(2030, 1, 1), end_date=date(2030, 1, 2))],
            trainers=["T."],
            target_group="Iedereen",
            programme="Niets.",
            allows_partial_attendance=False,
        )
    )
    assert (refusal.status, refusal.code) == (403, "sandbox_key_not_allowed")


async def test_test_events_of_every_type_are_signed_and_a_sandbox_key_reaches_only_sandbox_endpoints(service, receiver):
    provider = await service.provider()
    sandbox_key = await service.call(
        contracts.CreateApiKey(provider_id=provider.provider_id, created_by="account:provider", sandbox=True)
    )
    as_sandbox = f"api-key:{sandbox_key.key.key_id}"
    production = await _register(service, provider.provider_id, receiver.url("/all-production"), ["course.decided"])
    # Registered with the sandbox key: a sandbox endpoint, whatever the request says.
    sandbox = await service.call(
        contracts.RegisterWebhookEndpoint(
            provider_id=provider.provider_id,
            url=receiver.url("/all-sandbox"),
            events=["attendance.recorded"],
            created_by=as_sandbox,
        )
    )
    assert sandbox.endpoint.sandbox

    queued = await service.call(
        contracts.SendTestWebhooks(
            provider_id=provider.provider_id, endpoint_id=sandbox.endpoint.endpoint_id, requested_by=as_sandbox
        )
    )
    assert [d.event_type for d in queued.deliveries] == list(contracts.WEBHOOK_EVENT_TYPES)
    messages = await receiver.wait_for("/all-sandbox", len(contracts.WEBHOOK_EVENT_TYPES))
    payloads = [verified(sandbox.secret, message) for message in messages]
    assert sorted(p["type"] for p in payloads) == sorted(contracts.WEBHOOK_EVENT_TYPES)
    assert all(p["test"] is True and p["sandbox"] is True for p in payloads)
    assert len({message.headers["webhook-id"] for message in messages}) == len(messages)
    for message in messages:
        with pytest.raises(WebhookVerificationError):
            Webhook(production.secret).verify(message.body, message.headers)

    # The sandbox key neither sees nor fires at production's endpoints; a production key does both.
    listed = await service.call(contracts.ListWebhookEndpoints(provider_id=provider.provider_id))
    assert {e.endpoint_id for e in listed.endpoints} >= {production.endpoint.endpoint_id, sandbox.endpoint.endpoint_id}
    refused = await service.refusal(
        contracts.SendTestWebhooks(
            provider_id=provider.provider_id, endpoint_id=production.endpoint.endpoint_id, requested_by=as_sandbox
        )
    )
    assert (refused.status, refused.code) == (404, "webhook_endpoint_not_found")
    await service.call(
        contracts.SendTestWebhooks(
            provider_id=provider.provider_id,
            endpoint_id=production.endpoint.endpoint_id,
            requested_by="account:provider",
        )
    )
    real = await receiver.wait_for("/all-production", len(contracts.WEBHOOK_EVENT_TYPES))
    assert all(verified(production.secret, message)["sandbox"] is False for message in real)
