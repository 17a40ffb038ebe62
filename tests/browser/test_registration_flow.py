"""The registration flow in a real browser against the whole system.

A new user creates an account, confirms the address with the link from the mail, and applies; an office member
signs in with password and TOTP and approves; the user sees their number and cycle dates; the public lookup
finds them by number and by name and shows no e-mail, employer or hours.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder) for a look at the pages.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.async_api import expect

from tests.support.browser import Shots, chromium, new_context
from tests.support.calendar import add_years
from tests.support.rpc_setup import staff_account
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
OFFICE_PASSWORD = "beheer-wachtwoord-2026"
EMAIL = "m.kuipers@gemeente-zwolle.example"
EMPLOYER = "Gemeente Zwolle"


def _dutch(day: date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


async def test_a_new_professional_is_registered_by_the_office_and_found_in_the_public_register(
    amqp_url, databases, broker_names, tmp_path
):
    shots = Shots(tmp_path)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        office_account = await staff_account(
            system.rpc, "beheer@lklr.example", OFFICE_PASSWORD, initials="L.", surname="Meijer", role="office"
        )

        # --- A new user creates an account --------------------------------------------------------------------
        user = await new_context(browser, system.gateway_url)
        page = await user.new_page()
        await page.goto("/")
        await shots.take(page, "start")
        await page.get_by_role("link", name="Account aanmaken").first.click()
        await expect(page.get_by_role("heading", name="Account aanmaken")).to_be_visible()
        await page.get_by_label("Voorletters").fill("M.")
        await page.get_by_label("Achternaam").fill("Kuipers")
        await page.get_by_label("E-mailadres").fill(EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
        await shots.take(page, "sign-up-form")
        await page.get_by_role("button", name="Account aanmaken").click()
        await expect(page.get_by_role("heading", name="Controleer uw e-mail")).to_be_visible()
        await shots.take(page, "sign-up-sent")

        # --- ... confirms the e-mail with the link from the development mailbox --------------------------------
        link = None
        deadline = time.monotonic() + 30
        while link is None:
            await page.goto("/dev/mail")
            mail = page.locator("li.mail").filter(has_text=EMAIL).filter(has_text="Bevestig uw e-mailadres")
            if await mail.count():
                link = mail.first.locator('a[href*="/account/bevestigen?token="]').first
                break
            assert time.monotonic() < deadline, "the confirmation mail did not arrive"
            await page.wait_for_timeout(500)
        await shots.take(page, "dev-mail")
        await link.click()
        await expect(page.get_by_role("heading", name="E-mailadres bevestigen")).to_be_visible()
        await page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
        await expect(page.get_by_text("Uw e-mailadres is bevestigd.")).to_be_visible()

        # --- ... signs in and applies ----------------------------------------------------------------------------
        await page.get_by_role("main").get_by_role("link", name="Inloggen").click()
        await page.get_by_label("E-mailadres").fill(EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page).to_have_url(re.compile(r"/mijn$"))
        await expect(page.get_by_text("Ingelogd als M. Kuipers")).to_be_visible()
        await page.get_by_role("link", name="Registratie aanvragen").click()
        await expect(page.get_by_role("heading", name="Registratie aanvragen")).to_be_visible()
        await page.get_by_label("Beide: leerplichtambtenaar en RMC-medewerker").check()
        await page.get_by_label("Naam van uw werkgever").fill(EMPLOYER)
        await page.get_by_label("Gemeente", exact=True).check()
        await page.get_by_label("Uren per week").fill("27,5")
        await page.get_by_label("Ik verklaar").check()
        await shots.take(page, "application-form")
        await page.get_by_role("button", name="Aanvraag versturen").click()
        await expect(page.get_by_text("Uw aanvraag is verstuurd.")).to_be_visible()
        await expect(page.get_by_test_id("application-status")).to_have_text("In behandeling")
        await shots.take(page, "application-pending")

        # --- An office member signs in with password and TOTP and approves ---------------------------------------
        office = await new_context(browser, system.gateway_url)
        office_page = await office.new_page()
        await office_page.goto("/beheer/aanvragen")
        await expect(office_page).to_have_url(re.compile(r"/inloggen\?next="))
        await office_page.get_by_label("E-mailadres").fill("beheer@lklr.example")
        await office_page.get_by_label("Wachtwoord", exact=True).fill(OFFICE_PASSWORD)
        await office_page.get_by_role("button", name="Inloggen").click()
        await expect(office_page.get_by_role("heading", name="Tweede stap: code uit uw app")).to_be_visible()
        await shots.take(office_page, "totp-step")
        await office_page.get_by_label("Code uit uw authenticator-app").fill(
            pyotp.TOTP(office_account.totp_secret).now()
        )
        await office_page.get_by_role("button", name="Bevestigen en inloggen").click()
        await expect(office_page).to_have_url(re.compile(r"/beheer/aanvragen$"))
        card = office_page.locator("li.application").filter(has_text="M. Kuipers")
        await expect(card).to_contain_text(EMAIL)
        await expect(card).to_contain_text(EMPLOYER)
        await shots.take(office_page, "office-queue")
        await card.get_by_role("button", name="Goedkeuren").click()
        # Approving cannot be undone here: a page asks first, naming the applicant.
        await expect(office_page.get_by_role("heading", name="Aanvraag goedkeuren?")).to_be_visible()
        await expect(office_page.get_by_test_id("confirmation")).to_contain_text("M. Kuipers")
        await office_page.get_by_role("button", name="Ja, goedkeuren").click()
        approved = office_page.get_by_text(re.compile(r"Registratienummer: \d{7}\."))
        await expect(approved).to_be_visible()
        await shots.take(office_page, "office-approved")
        number = re.search(r"Registratienummer: (\d{7})\.", await approved.inner_text()).group(1)  # type: ignore[union-attr]

        # --- The user sees their number and cycle dates ------------------------------------------------------------
        await page.goto("/mijn")
        await expect(page.get_by_test_id("registration-number")).to_have_text(number)
        starts = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
        ends = add_years(starts, 5) - timedelta(days=1)
        await expect(page.get_by_test_id("cycle-dates")).to_have_text(f"{_dutch(starts)} tot en met {_dutch(ends)}")
        await shots.take(page, "mijn-registered")

        # --- The public lookup finds them by number and by name, without private data -----------------------------
        public = await new_context(browser, system.gateway_url)
        lookup = await public.new_page()
        for query in (number, "Kuipers"):
            await lookup.goto("/register")
            await lookup.get_by_label("Zoek op naam of registratienummer").fill(query)
            await lookup.get_by_role("button", name="Zoeken").click()
            row = lookup.locator("tbody tr").filter(has_text=number)
            await expect(row).to_have_count(1)
            await expect(row).to_contain_text("M. Kuipers")
            await expect(row).to_contain_text("Leerplichtambtenaar, RMC-medewerker")
            await expect(row).to_contain_text("Geregistreerd")
            await expect(row).to_contain_text(_dutch(starts))
            await expect(row).to_contain_text(_dutch(ends))
            content = await lookup.content()
            for private in (EMAIL, EMPLOYER, "27,5", "27.5"):
                assert private not in content, f"{private!r} shown in the public register"
            await shots.take(lookup, f"register-{'number' if query == number else 'name'}")
        headers = await lookup.locator("thead th").all_inner_texts()
        assert headers == ["Registratienummer", "Naam", "Functie", "Status", "Geregistreerd sinds", "Geldig tot en met"]

        for context in (user, office, public):
            await context.close()
