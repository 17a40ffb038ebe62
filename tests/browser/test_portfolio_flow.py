"""The digital portfolio in a real browser against the whole system.

A registered professional signs in, adds an A2 activity with a PDF as evidence and sees the progress bars move;
a training provider posts their attendance through the provider API, and the entry shows up highlighted as new;
the professional disputes it (first without a reason, which is refused, then with one) and the portfolio
publishes ActivityDisputed on the events exchange (a queue of this test's own is bound to it). Finally an
evidence file of 10 MiB + 1 byte, streamed through the gateway's API to the real portfolio service, gets 413.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder) for a look at the pages.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import FilePayload, Page, expect

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts.envelope import Envelope, utcnow
from lklr_shared.kit.broker import connect_broker, event_tap
from tests.support.browser import Shots, chromium, new_context
from tests.support.rpc_setup import provider_with_api_key, registered_account
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

EMAIL = "r.dekker@gemeente-deventer.example"
PASSWORD = "een veilig wachtwoord 2026"
COURSE_TITLE = "Verzuimgesprekken met jongeren en ouders"
DISPUTE_REASON = "Ik heb deze cursus niet gevolgd; op die dag was ik op vakantie."
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def today() -> date:
    """The register's calendar day (the services judge dates in the Netherlands)."""
    return utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()


async def _reload_until(page: Page, path: str, locator_text: str, *, timeout: float = 60) -> None:
    """Reload `path` until `locator_text` shows (events between the services take a moment)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await page.goto(path)
        if await page.get_by_text(locator_text).count():
            return
        assert asyncio.get_running_loop().time() < deadline, f"{locator_text!r} did not appear on {path}"
        await page.wait_for_timeout(500)


async def _provider_course(system: Any, http: httpx.AsyncClient) -> tuple[dict[str, str], uuid.UUID]:
    """A provider with an API key and an approved course whose edition ended ten days ago."""
    _, api_key = await provider_with_api_key(
        system.rpc, name="Kenniscentrum Verzuim", registered_by="e2e", label="browser test", created_by="e2e"
    )
    auth = {"Authorization": f"Bearer {api_key}"}
    end = today() - timedelta(days=10)
    response = await http.post(
        "/api/v1/provider/courses",
        json={
            "title": COURSE_TITLE,
            "description": "Een dag oefenen met gesprekken over verzuim.",
            "category": "A1",
            "study_load_hours": 6,
            "editions": [{"start_date": str(end), "end_date": str(end), "location": "Deventer"}],
            "trainers": ["J. de Wit"],
            "target_group": "Leerplichtambtenaren",
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    course = response.json()
    await system.rpc(
        "accreditation",
        accreditation_contracts.ApproveCourse(
            course_id=uuid.UUID(course["course_id"]),
            decided_by="committee:e2e",
            reason="Voldoet aan de kwaliteitscriteria.",
            points=Decimal(6),
            valid_from=end - timedelta(days=30),
        ),
    )
    return auth, uuid.UUID(course["editions"][0]["edition_id"])


async def test_a_professional_keeps_the_portfolio_and_disputes_a_provider_entry(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    shots = Shots(tmp_path)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        # The test's own queue on the events exchange, to see the portfolio publish the dispute.
        broker = await connect_broker(system.amqp_url, name="browser-portfolio")
        disputes: list[Envelope] = []
        await event_tap(
            broker,
            system.topology,
            queue=f"{system.topology.prefix}.browser-disputes",
            routing_key="portfolio.ActivityDisputed",
            on_envelope=disputes.append,
        )

        # --- A registered professional (registered two months ago) --------------------------------------------
        receipt = await registered_account(
            system.rpc,
            EMAIL,
            PASSWORD,
            initials="R.",
            surname="Dekker",
            employer_id="gemeente-deventer",
            registered_since=today() - timedelta(days=60),
        )
        number = receipt.registration_number

        context = await new_context(browser, system.gateway_url)
        page = await context.new_page()

        # --- A visitor learns what the portfolio is, and signs in from there -----------------------------------
        await page.goto("/portfolio")
        await expect(page.get_by_text("Log in om het uwe te zien")).to_be_visible()
        await shots.take(page, "portfolio-visitor")
        await page.get_by_role("link", name="Inloggen om uw portfolio te zien").click()
        await page.get_by_label("E-mailadres").fill(EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page).to_have_url(re.compile(r"/portfolio$"))
        await _reload_until(page, "/portfolio", "Voortgang ten opzichte van de norm")
        await expect(page.get_by_text(f"registratienummer {number}")).to_be_visible()
        await expect(page.get_by_test_id("earned-total")).to_have_text("0")
        await expect(page.get_by_test_id("earned-a2")).to_have_text("0")
        bars_before = await page.get_by_test_id("progress-bars").inner_html()
        await shots.take(page, "portfolio-empty")

        # --- ... adds an A2 activity with a PDF and sees the bars move ------------------------------------------
        await page.get_by_role("link", name="Activiteit toevoegen").click()
        await expect(page.get_by_role("heading", name="Activiteit toevoegen")).to_be_visible()
        await page.get_by_label("A2: andere activiteit").check()
        await page.get_by_label("Titel").fill("Presentatie over thuiszitters op de regiodag")
        await page.get_by_label("Omschrijving").fill("Een presentatie van 45 minuten voor collega's uit de regio.")
        await page.get_by_label("Datum waarop de activiteit is afgerond").fill(
            (today() - timedelta(days=5)).isoformat()
        )
        await page.get_by_label("Soort activiteit").select_option("presentation")
        await page.get_by_role("textbox", name=re.compile("^Aantal")).fill("1")
        await page.locator("#evidence").set_input_files(
            files=[FilePayload(name="presentatie.pdf", mimeType="application/pdf", buffer=PDF)]
        )
        await shots.take(page, "add-activity-form")
        await page.get_by_role("button", name="Activiteit opslaan").click()
        await expect(page.get_by_text("De activiteit is opgeslagen.")).to_be_visible()
        await expect(page.get_by_test_id("earned-total")).to_have_text("5")
        await expect(page.get_by_test_id("earned-a2")).to_have_text("5")
        assert await page.get_by_test_id("progress-bars").inner_html() != bars_before
        added = page.get_by_test_id("activity").filter(has_text="Presentatie over thuiszitters")
        await expect(added.get_by_test_id("activity-state")).to_have_text("Nog niet beoordeeld")
        evidence_link = added.get_by_role("link", name="presentatie.pdf")
        await expect(evidence_link).to_be_visible()
        async with page.expect_download() as download_info:
            await evidence_link.click()
        download = await download_info.value
        assert await asyncio.to_thread(Path(await download.path()).read_bytes) == PDF
        await shots.take(page, "activity-added")

        # --- A provider posts the attendance; the entry arrives highlighted as new ------------------------------
        async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http:
            provider_auth, edition_id = await _provider_course(system, http)
            posted = await http.post(
                "/api/v1/provider/attendance",
                json={"edition_id": str(edition_id), "attendees": [{"registration_number": number}]},
                headers={**provider_auth, "Idempotency-Key": f"browser-{uuid.uuid4()}"},
            )
            assert posted.status_code in (200, 201), posted.text
            assert [row["outcome"] for row in posted.json()["rows"]] == ["recorded"]

            await _reload_until(page, "/portfolio", COURSE_TITLE)
            placed = page.get_by_test_id("activity").filter(has_text=COURSE_TITLE)
            await expect(placed).to_have_class(re.compile(r"\bis-new\b"))
            await expect(placed.get_by_text("Nieuw", exact=True)).to_be_visible()
            await expect(page.get_by_test_id("new-entries")).to_contain_text("1 nieuwe vermelding geplaatst")
            await expect(placed.get_by_test_id("activity-state")).to_have_text("Wacht op uw controle")
            await expect(page.get_by_test_id("earned-accredited")).to_have_text("6")
            await shots.take(page, "provider-entry-new")

            # --- ... disputes it: a reason is required ----------------------------------------------------------
            await placed.get_by_text("Betwisten", exact=True).click()
            await placed.get_by_role("button", name="Vermelding betwisten").click()
            await expect(page.get_by_text("Geef een reden op.").first).to_be_visible()
            placed = page.get_by_test_id("activity").filter(has_text=COURSE_TITLE)
            await placed.get_by_label("Waarom betwist u deze vermelding?").fill(DISPUTE_REASON)
            await shots.take(page, "dispute-form")
            await placed.get_by_role("button", name="Vermelding betwisten").click()
            await expect(page.get_by_text("U heeft de vermelding betwist.")).to_be_visible()
            placed = page.get_by_test_id("activity").filter(has_text=COURSE_TITLE)
            await expect(placed.get_by_test_id("activity-state")).to_have_text("Betwist")
            await expect(placed).to_contain_text(DISPUTE_REASON)
            await expect(placed).not_to_have_class(re.compile(r"\bis-new\b"))  # seen on the previous visit
            await expect(page.get_by_test_id("earned-accredited")).to_have_text("0")
            await shots.take(page, "provider-entry-disputed")

            # --- ... and the portfolio published ActivityDisputed ------------------------------------------------
            deadline = asyncio.get_running_loop().time() + 60
            while not disputes:
                assert asyncio.get_running_loop().time() < deadline, "no ActivityDisputed on the events exchange"
                await asyncio.sleep(0.5)
            payload = disputes[0].payload
            assert payload["person_id"] == str(receipt.person_id)
            assert payload["reason"] == DISPUTE_REASON

            # --- The history keeps both versions -------------------------------------------------------------
            await placed.get_by_role("link", name=re.compile("^Geschiedenis")).click()
            await expect(page.get_by_role("heading", name="Geschiedenis van een activiteit")).to_be_visible()
            rows = page.locator("tbody tr")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(1)).to_contain_text("Betwist")
            await expect(rows.nth(1)).to_contain_text(DISPUTE_REASON)
            await shots.take(page, "history")

            # --- 10 MiB + 1 byte of evidence through the gateway's API: 413, from the real service ------------
            token = await http.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
            assert token.status_code == 200, token.text
            too_large = await http.post(
                "/api/v1/me/activities",
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                data={"category": "A2", "title": "Te groot", "completion_date": str(today()), "a2_type": "article"},
                files=[("evidence", ("groot.pdf", PDF[:9] + b"0" * (MAX_EVIDENCE_BYTES - 8), "application/pdf"))],
            )
            assert too_large.status_code == 413, too_large.text
            assert too_large.headers["content-type"].startswith("application/problem+json")
            assert too_large.json()["code"] == "evidence_too_large"
            portfolio = await http.get(
                "/api/v1/me/portfolio", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
            assert [a["title"] for a in portfolio.json()["activities"] if a["title"] == "Te groot"] == []

        await context.close()
        await broker.stop()
