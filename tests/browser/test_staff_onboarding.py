"""Staff onboarding in a real browser against the whole system: the administrator gives a new account the
assessment_committee role on /beheer/accounts; that person signs in, enrols a second factor (the secret read from the
enrollment page, the code computed with pyotp) and reaches /beoordeling.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder) for a look at the pages.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.async_api import expect

from lklr_shared.contracts import registry as contracts
from tests.support.browser import Shots, chromium, new_context
from tests.support.system import start_system
from tests.support.web import fresh_totp

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

ADMIN_EMAIL = "admin@lklr.example"
ADMIN_PASSWORD = "beheerder-wachtwoord-2026"
MEMBER_EMAIL = "j.de.boer@gemeente-assen.example"
MEMBER_PASSWORD = "een veilig wachtwoord 2026"


async def test_an_administrator_makes_a_committee_member_who_enrols_totp_and_reaches_the_review_pages(
    amqp_url, databases, broker_names, tmp_path
):
    shots = Shots(tmp_path)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        admin_secret = pyotp.random_base32()
        for request in (
            contracts.CreateDemoAccount(
                email=ADMIN_EMAIL,
                password=ADMIN_PASSWORD,
                initials="B.",
                surname="Beheerder",
                account_roles=["administrator"],
                totp_secret=admin_secret,
            ),
            contracts.CreateDemoAccount(email=MEMBER_EMAIL, password=MEMBER_PASSWORD, initials="J.", surname="de Boer"),
        ):
            assert isinstance(await system.rpc("registry", request), contracts.DemoAccountReady)

        # --- The administrator signs in and gives the new account the assessment_committee role ----------------
        admin = await new_context(browser, system.gateway_url)
        admin_page = await admin.new_page()
        await admin_page.goto("/inloggen")
        await admin_page.get_by_label("E-mailadres").fill(ADMIN_EMAIL)
        await admin_page.get_by_label("Wachtwoord", exact=True).fill(ADMIN_PASSWORD)
        await admin_page.get_by_role("button", name="Inloggen").click()
        await admin_page.get_by_label("Code uit uw authenticator-app").fill(fresh_totp(admin_secret))
        await admin_page.get_by_role("button", name="Bevestigen en inloggen").click()
        await expect(admin_page).to_have_url(re.compile(r"/beheer/accounts$"))
        await expect(admin_page.get_by_role("link", name="Accountbeheer")).to_be_visible()
        await admin_page.get_by_label("E-mailadres van het account").fill(MEMBER_EMAIL)
        await admin_page.get_by_role("button", name="Zoeken").click()
        found = admin_page.get_by_test_id("found-account")
        await expect(found).to_contain_text("J. de Boer")
        await shots.take(admin_page, "admin-found")
        await found.get_by_label("Beoordelingscommissie").check()
        await found.get_by_role("button", name="Rollen opslaan").click()
        await expect(admin_page.get_by_test_id("roles-saved")).to_be_visible()
        await expect(admin_page.get_by_test_id("totp-state")).to_have_text(
            "Nog in te stellen bij de volgende keer inloggen"
        )
        await expect(admin_page.get_by_test_id("staff-accounts")).to_contain_text(MEMBER_EMAIL)
        await shots.take(admin_page, "admin-saved")

        # --- The new member signs in and enrols TOTP ------------------------------------------------------------
        member = await new_context(browser, system.gateway_url)
        page = await member.new_page()
        await page.goto("/beoordeling")
        await expect(page).to_have_url(re.compile(r"/inloggen\?next="))
        await page.get_by_label("E-mailadres").fill(MEMBER_EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(MEMBER_PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.get_by_role("heading", name="Tweede inlogstap instellen")).to_be_visible()
        secret = "".join((await page.get_by_test_id("totp-secret").inner_text()).split())
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
        await shots.take(page, "enrol")
        await page.get_by_label("Code uit uw authenticator-app").fill(fresh_totp(secret))
        await page.get_by_role("button", name="Instellen en inloggen").click()
        await expect(page).to_have_url(re.compile(r"/beoordeling$"))
        await expect(page.get_by_role("heading", name="Beoordelen", exact=True)).to_be_visible()
        await shots.take(page, "review-pages")

        # --- Later sign-ins ask for a code from the enrolled secret ----------------------------------------------
        await page.get_by_role("button", name="Uitloggen").click()
        await page.goto("/inloggen")
        await page.get_by_label("E-mailadres").fill(MEMBER_EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(MEMBER_PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.get_by_role("heading", name="Tweede stap: code uit uw app")).to_be_visible()
        await page.get_by_label("Code uit uw authenticator-app").fill(fresh_totp(secret))
        await page.get_by_role("button", name="Bevestigen en inloggen").click()
        await expect(page.get_by_role("link", name="Beoordelen")).to_be_visible()

        for context in (admin, member):
            await context.close()
