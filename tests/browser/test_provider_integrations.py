"""A provider connects its own systems, in a real browser against the whole system.

The provider's contact registers a webhook endpoint (a local HTTP server) in the portal, copies the secret, sends a
test event and sees it delivered in the endpoint's delivery log; the message's signature checks out with the
`standardwebhooks` library. A second endpoint answers 500: the log shows the retries with their response code and the
endpoint disabled at the failure limit. The contact creates a sandbox key and posts the test numbers with it through
the JSON API: the answer is production's, and the edition's attendance stays empty. The edition page shows the
edition's xAPI IRI (the API's `xapi_activity_id`), and /aanbieders/koppelen (linked from /ontwikkelaars) explains it.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect
from standardwebhooks.webhooks import Webhook

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import utcnow
from tests.support.browser import Shots, chromium, new_context
from tests.support.rpc_setup import provider_with_contact
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
FAILURE_LIMIT = 3


def _today() -> date:
    return utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()


class _Receiver:
    """A local HTTP server: `/ok` answers 200, `/down` 500; it keeps every request."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.url = ""

    def at(self, path: str) -> list[tuple[str, dict[str, str], bytes]]:
        with self.lock:
            return [item for item in self.received if item[0] == path]


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    state = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200 if self.path == "/ok" else 500)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


async def _reload_until(page: Page, check: Any, what: str, timeout: float = 30) -> None:
    """Reload the page until ``check(page)`` holds (deliveries happen in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check(page):
        assert asyncio.get_running_loop().time() < deadline, f"never saw {what}"
        await asyncio.sleep(0.3)
        await page.reload()


async def test_a_provider_sees_its_webhooks_delivered_retried_and_disabled_and_tries_the_sandbox(
    amqp_url, databases, broker_names, tmp_path, receiver
):
    shots = Shots(tmp_path, prefix="integrations-")
    today = _today()
    env = {
        "ACCREDITATION_WEBHOOK_POLL_SECONDS": "0.1",
        "ACCREDITATION_WEBHOOK_FIRST_RETRY_SECONDS": "0.2",
        "ACCREDITATION_WEBHOOK_RETRY_FACTOR": "1.5",
        "ACCREDITATION_WEBHOOK_DISABLE_AFTER_FAILURES": str(FAILURE_LIMIT),
    }
    async with start_system(amqp_url, databases, broker_names, tmp_path, env=env) as system, chromium() as browser:
        contact = await system.rpc(
            "registry",
            contracts.CreateDemoAccount(
                email="koppeling@aanbieder.example",
                password=PASSWORD,
                initials="K.",
                surname="Oppelaar",
                account_roles=["professional"],
            ),
        )
        assert isinstance(contact, contracts.DemoAccountReady)
        provider_id = await provider_with_contact(
            system.rpc, "Koppelbare Opleidingen", contact.account_id, by="office:test"
        )
        course = await system.rpc(
            "accreditation",
            accreditation_contracts.SubmitCourse(
                provider_id=provider_id,
                submitted_by="account:test",
                title="Koppelen in de praktijk",
                description="Een cursus voor de test.",
                category="A1",
                study_load_hours=Decimal(4),
                editions=[
                    accreditation_contracts.EditionInput(
                        start_date=today - timedelta(days=6), end_date=today - timedelta(days=5)
                    )
                ],
            ),
        )
        assert isinstance(course, accreditation_contracts.CourseDetails)
        await system.rpc(
            "accreditation",
            accreditation_contracts.ApproveCourse(
                course_id=course.course_id,
                decided_by="committee:test",
                reason="Voldoet.",
                points=Decimal(4),
                valid_from=today - timedelta(days=30),
            ),
        )
        edition_id = course.editions[0].edition_id

        context = await new_context(browser, system.gateway_url)
        page = await context.new_page()
        await page.goto("/aanbieder/webhooks")
        await page.get_by_label("E-mailadres").fill("koppeling@aanbieder.example")
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

        # --- A working endpoint: a test event is delivered, signed ---------------------------------------------
        await page.get_by_label("Adres (URL)").fill(f"{receiver.url}/ok")
        await page.get_by_label("Omschrijving").fill("Ons LMS")
        await page.get_by_role("button", name="Aanmelden").click()
        secret = (await page.get_by_test_id("webhook-secret").text_content() or "").strip()
        assert secret.startswith("whsec_")
        await shots.take(page, "webhook-registered")
        await page.get_by_role("link", name="Naar het afleverlogboek van dit endpoint").click()
        await expect(page.get_by_role("heading", name="Webhook-endpoint")).to_be_visible()
        await page.get_by_label("Soort bericht").select_option("course.decided")
        await page.get_by_role("button", name="Testbericht sturen").click()
        await expect(page.get_by_text("Het testbericht staat klaar")).to_be_visible()

        async def delivered(p: Page) -> bool:
            return await p.locator("[data-testid=delivery][data-status=delivered]").count() == 1

        await _reload_until(page, delivered, "the test event delivered")
        row = page.get_by_test_id("delivery").first
        await expect(row.get_by_test_id("attempts")).to_have_text("1")
        await expect(row.get_by_test_id("response")).to_have_text("200")
        await expect(row).to_contain_text("Afgeleverd")
        await shots.take(page, "webhook-delivered")
        ((_, headers, body),) = receiver.at("/ok")
        message = Webhook(secret).verify(body, headers)
        assert message["type"] == "course.decided" and message["test"] is True
        # Every kind at once: one signed test message of each event type.
        await page.get_by_role("button", name="Alle soorten testen").click()
        await expect(page.get_by_text("Van elke soort staat een testbericht klaar")).to_be_visible()
        kinds = accreditation_contracts.WEBHOOK_EVENT_TYPES

        async def all_delivered(p: Page) -> bool:
            return await p.locator("[data-testid=delivery][data-status=delivered]").count() == 1 + len(kinds)

        await _reload_until(page, all_delivered, "a test event of every kind delivered")
        assert sorted(Webhook(secret).verify(b, h)["type"] for _, h, b in receiver.at("/ok")[1:]) == sorted(kinds)

        # --- A failing endpoint: retried with its 500s in the log, then disabled -------------------------------
        await page.goto("/aanbieder/webhooks")
        await page.get_by_label("Adres (URL)").fill(f"{receiver.url}/down")
        await page.get_by_role("button", name="Aanmelden").click()
        await page.get_by_role("link", name="Naar het afleverlogboek van dit endpoint").click()
        await page.get_by_role("button", name="Testbericht sturen").click()

        async def disabled(p: Page) -> bool:
            return await p.get_by_test_id("endpoint-disabled").count() == 1

        await _reload_until(page, disabled, "the failing endpoint disabled")
        row = page.get_by_test_id("delivery").first
        await expect(row.get_by_test_id("attempts")).to_have_text(str(FAILURE_LIMIT))
        await expect(row.get_by_test_id("response")).to_have_text("500")
        await expect(page.get_by_test_id("endpoint-state")).to_have_text("Uitgeschakeld")
        assert len(receiver.at("/down")) == FAILURE_LIMIT
        await shots.take(page, "webhook-disabled")
        await row.get_by_role("button", name="Opnieuw sturen").click()
        await expect(page.get_by_text("Het bericht wordt opnieuw verstuurd.")).to_be_visible()

        # --- A sandbox key: production's answer for the test numbers, no portfolio touched ---------------------
        await page.goto("/aanbieder/api-sleutels")
        await page.get_by_label("Omschrijving").fill("Testomgeving")
        await page.get_by_label("Sandbox-sleutel").check()
        await page.get_by_role("button", name="Sleutel maken").click()
        sandbox_key = (await page.get_by_test_id("new-api-key").text_content() or "").strip()
        async with httpx.AsyncClient(base_url=system.gateway_url) as api:
            posted = await api.post(
                "/api/v1/provider/attendance",
                headers={"Authorization": f"Bearer {sandbox_key}", "Idempotency-Key": str(uuid.uuid4())},
                json={
                    "edition_id": str(edition_id),
                    "attendees": [{"registration_number": n} for n in ("9900018", "9900039", "9900019")],
                },
            )
            assert posted.status_code == 200, posted.text
            outcomes = [(row["outcome"], row.get("reason_code")) for row in posted.json()["rows"]]
            assert outcomes == [
                ("recorded", None),
                ("rejected", "not_registered_on_date"),
                ("rejected", "mistyped_number"),
            ]
            listed = await api.get(
                f"/api/v1/provider/editions/{edition_id}/attendance", headers={"Authorization": f"Bearer {sandbox_key}"}
            )
            # The sandbox key reads back its own sandbox record, as production would; production sees none of it.
            assert listed.status_code == 200
            assert [entry["registration_number"] for entry in listed.json()["entries"]] == ["9900018"]
            courses = await api.get("/api/v1/provider/courses", headers={"Authorization": f"Bearer {sandbox_key}"})
            iri = courses.json()["courses"][0]["editions"][0]["xapi_activity_id"]
        assert iri.endswith(f"/xapi/activities/editions/{edition_id}")

        # --- The edition's IRI in the portal, and the guide ------------------------------------------------------
        await page.goto(f"/aanbieder/opleidingen/{course.course_id}/edities/{edition_id}")
        await expect(page.get_by_test_id("edition-iri")).to_have_text(
            re.compile(rf"/xapi/activities/editions/{edition_id}$")
        )
        await page.goto("/ontwikkelaars")
        await page.get_by_role("link", name=re.compile("Koppelen voor opleiders")).click()
        await expect(page.get_by_role("heading", name="Koppelen met het register")).to_be_visible()
        for section in ("1. JSON-API", "2. xAPI (Learning Record Store)", "3. CSV in het portaal", "Webhooks"):
            await expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
        await expect(page.get_by_test_id("sandbox-numbers")).to_contain_text("9900018")
        await expect(page.get_by_role("button", name="Kopieer")).to_have_count(6)
        await shots.take(page, "guide")
        await page.goto("/aanbieders/koppelen?lang=en")
        await expect(page.get_by_role("heading", name="Connecting to the register")).to_be_visible()
