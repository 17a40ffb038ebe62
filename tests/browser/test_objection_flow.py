"""An objection (bezwaar) in a real browser against the whole system: the office suspends a professional; the
professional objects from Mijn LKLR with reasons and a file; the office acknowledges receipt, invites to a hearing,
extends the decision term once and upholds the objection; both sides see the deadlines on the pages, the professional
sees the decision with its reasons, and every step's mail is in the development mailbox."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import utcnow
from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.norm import registered_professional
from tests.support.rpc_setup import staff_account
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
OFFICE_EMAIL = "bezwaren@lklr.example"
OFFICE_PASSWORD = "beheer-wachtwoord-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _dutch(day: date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


async def _mails_listed(page: Page, expected: list[tuple[str, str]]) -> None:
    """Wait until the development mailbox lists a mail for every (to, subject) (the relay sends after commit)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        await page.goto("/dev/mail")
        mails = page.locator("li.mail")
        missing = [
            (to, subject)
            for to, subject in expected
            if not await mails.filter(has_text=to).filter(has_text=subject).count()
        ]
        if not missing:
            return
        assert asyncio.get_running_loop().time() < deadline, f"mails never listed: {missing}"
        await page.wait_for_timeout(300)


async def test_an_objection_from_filing_through_hearing_and_extension_to_the_decision(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    shots = Shots(tmp_path)
    today = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()
    filing_deadline = today + timedelta(weeks=6)
    first_due = today + timedelta(weeks=6)
    extended_due = today + timedelta(weeks=12)
    hearing_day = today + timedelta(days=10)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        office = await staff_account(
            system.rpc, OFFICE_EMAIL, OFFICE_PASSWORD, initials="O.", surname="Bureau", role="office"
        )
        person = await registered_professional(system, today, PASSWORD)
        # The decision to object to: the office suspends the registration.
        await system.rpc(
            "registry",
            contracts.ChangeRegistrationStatus(
                actor_account_id=office.account_id,
                registration_number=person.registration_number,
                new_status="suspended",
                reason="Geen werkgever meer opgegeven",
            ),
        )

        # --- The professional objects from Mijn LKLR -------------------------------------------------------------
        professional = await (await new_context(browser, system.gateway_url)).new_page()
        await professional.goto("/inloggen")
        await sign_in(professional, person.email, PASSWORD)
        await expect(professional).to_have_url(re.compile(r"/mijn$"))
        await expect(professional.get_by_test_id("objection-explained")).to_contain_text("binnen zes weken")
        await professional.get_by_test_id("objection-link").click()
        await expect(professional.get_by_role("heading", level=1, name="Bezwaar maken")).to_be_visible()
        decisions = professional.get_by_test_id("objectable-decisions")
        await expect(decisions).to_contain_text("Schorsing van de registratie")
        await expect(decisions.get_by_test_id("filing-deadline")).to_have_text(_dutch(filing_deadline))
        await professional.get_by_label("Waarom bent u het niet eens met het besluit?").fill(
            "Ik werk nog steeds 24 uur per week voor de gemeente; zie de verklaring van mijn werkgever."
        )
        await professional.get_by_label("Bijlagen").set_input_files(
            [{"name": "werkgeversverklaring.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        await shots.take(professional, "objection-form")
        await professional.get_by_role("button", name="Bezwaar indienen").click()
        await expect(professional.get_by_test_id("objection-notice")).to_contain_text("Uw bezwaar is ingediend")
        mine = professional.get_by_test_id("my-objection")
        await expect(mine.get_by_test_id("objection-state")).to_have_text("Ontvangen")
        await expect(mine.get_by_test_id("objection-due")).to_contain_text(_dutch(first_due))
        await expect(mine).to_contain_text("werkgeversverklaring.pdf")

        # --- The office works through its queue ------------------------------------------------------------------
        desk = await (await new_context(browser, system.gateway_url)).new_page()
        await desk.goto("/beheer/bezwaren")
        await sign_in(desk, OFFICE_EMAIL, OFFICE_PASSWORD, totp_secret=office.totp_secret)
        await expect(desk).to_have_url(re.compile(r"/beheer/bezwaren$"))
        card = desk.get_by_test_id("office-objection").filter(has_text=person.registration_number)
        await expect(card.get_by_test_id("objection-due")).to_contain_text(_dutch(first_due))
        # The providers' objections to course decisions are in the same queue (none open in this register).
        await expect(desk.get_by_test_id("course-objections")).to_contain_text("Er zijn geen bezwaren van opleiders.")
        await card.get_by_role("button", name="Ontvangst bevestigen").click()
        await expect(desk.get_by_test_id("objection-notice")).to_contain_text("De ontvangst is bevestigd")
        await expect(card.get_by_test_id("objection-state")).to_have_text("Ontvangst bevestigd, in behandeling")

        await card.get_by_text("Uitnodigen voor hoorzitting").click()
        await card.get_by_label("Datum").fill(hearing_day.isoformat())
        await card.get_by_label("Tijdstip").fill("14:30")
        await card.get_by_label("Plaats of videolink").fill("Kantoor LKLR, Utrecht")
        await card.get_by_role("button", name="Uitnodiging versturen").click()
        await expect(card.get_by_test_id("objection-state")).to_have_text("Uitgenodigd voor hoorzitting")

        await card.get_by_text("Beslistermijn verlengen").click()
        await card.get_by_label("Reden van de verlenging").fill("De werkgever moet nog reageren.")
        await card.get_by_role("button", name="Termijn verlengen").click()
        await expect(card.get_by_test_id("objection-due")).to_have_text(
            f"{_dutch(extended_due)}, verlengd (oorspronkelijk {_dutch(first_due)})"
        )
        await shots.take(desk, "office-queue")

        await card.get_by_text("Beslissen", exact=True).click()
        await card.get_by_label("Gegrond", exact=True).check()
        await card.get_by_label("Motivering").fill("De werkgever bevestigt het dienstverband van 24 uur per week.")
        await card.get_by_role("button", name="Beslissing versturen").click()
        await expect(card.get_by_test_id("objection-outcome")).to_contain_text("Gegrond")

        # --- The professional sees the decision, with both deadlines and the hearing -----------------------------
        await professional.goto("/mijn/bezwaar")
        await expect(mine.get_by_test_id("objection-outcome")).to_contain_text("Gegrond")
        await expect(mine.get_by_test_id("objection-decision-reasons")).to_have_text(
            "De werkgever bevestigt het dienstverband van 24 uur per week."
        )
        await expect(mine.get_by_test_id("objection-due")).to_have_text(
            f"{_dutch(extended_due)}, verlengd (oorspronkelijk {_dutch(first_due)})"
        )
        await expect(mine.get_by_test_id("objection-hearing")).to_have_text(
            f"{_dutch(hearing_day)} om 14:30 uur, Kantoor LKLR, Utrecht"
        )
        await shots.take(professional, "objection-decided")

        # --- Every step was mailed --------------------------------------------------------------------------------
        await _mails_listed(
            professional,
            [
                (person.email, "Uw bezwaar is ontvangen"),
                (person.email, "Ontvangstbevestiging van uw bezwaar"),
                (person.email, "Uitnodiging voor een hoorzitting over uw bezwaar"),
                (person.email, "De beslistermijn van uw bezwaar is verlengd"),
                (person.email, "Beslissing op uw bezwaar: gegrond"),
                (OFFICE_EMAIL, "Nieuw bezwaar van N. Normhaler"),
            ],
        )
