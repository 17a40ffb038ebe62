"""Staff onboarding in a real browser against the whole system.

A professional is signed in when the administrator gives their account the office and assessment-committee roles on
/beheer/accounts. The role change ends that session; signing in again with the password alone still shows no office
page. Only after enrolling a second factor from the link the administrator's action mailed (the password, then the
secret read from the enrolment page, the code computed with pyotp) does the account reach the office and review
pages.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder) for a look at the pages.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import expect

from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.rpc_setup import demo_account, staff_account
from tests.support.system import start_system
from tests.support.web import fresh_totp

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

ADMIN_EMAIL = "admin@lklr.example"
ADMIN_PASSWORD = "beheerder-wachtwoord-2026"
MEMBER_EMAIL = "j.de.boer@gemeente-assen.example"
MEMBER_PASSWORD = "een veilig wachtwoord 2026"


async def test_staff_finding_an_account_given_the_office_role_while_signed_in_sees_no_office_page_until_it_signs_in_with_totp(
    amqp_url, databases, broker_names, tmp_path
):
    shots = Shots(tmp_path)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        admin_account = await staff_account(
            system.rpc, ADMIN_EMAIL, ADMIN_PASSWORD, initials="B.", surname="Beheerder", role="administrator"
        )
        await demo_account(system.rpc, MEMBER_EMAIL, MEMBER_PASSWORD, initials="J.", surname="de Boer")

        # --- The professional is signed in (password only) -----------------------------------------------------
        member = await new_context(browser, system.gateway_url)
        page = await member.new_page()
        await page.goto("/inloggen")
        await sign_in(page, MEMBER_EMAIL, MEMBER_PASSWORD)
        await expect(page).to_have_url(re.compile(r"/mijn$"))

        # --- The administrator signs in and gives the account the office and assessment_committee roles ---------
        admin = await new_context(browser, system.gateway_url)
        admin_page = await admin.new_page()
        await admin_page.goto("/inloggen")
        await sign_in(admin_page, ADMIN_EMAIL, ADMIN_PASSWORD, totp_secret=admin_account.totp_secret)
        await expect(admin_page).to_have_url(re.compile(r"/beheer/accounts$"))
        await expect(admin_page.get_by_role("link", name="Accountbeheer")).to_be_visible()
        await admin_page.get_by_label("E-mailadres van het account").fill(MEMBER_EMAIL)
        await admin_page.get_by_role("button", name="Zoeken").click()
        found = admin_page.get_by_test_id("found-account")
        await expect(found).to_contain_text("J. de Boer")
        await shots.take(admin_page, "admin-found")
        await found.get_by_label("Registerbureau").check()
        await found.get_by_label("Beoordelingscommissie").check()
        await found.get_by_role("button", name="Rollen opslaan").click()
        await expect(admin_page.get_by_test_id("roles-saved")).to_be_visible()
        await expect(admin_page.get_by_test_id("totp-state")).to_contain_text("Nog in te stellen via de gemailde link")
        await expect(admin_page.get_by_test_id("staff-accounts")).to_contain_text(MEMBER_EMAIL)
        await shots.take(admin_page, "admin-saved")

        # --- The open session gains nothing: the role change ended it (within the gateway's few-second cache) ----
        deadline = time.monotonic() + 15
        while True:
            response = await page.goto("/beheer/aanvragen")
            if "/inloggen" in page.url:
                break
            assert response is not None and response.status == 403, "the password-only session reached an office page"
            assert time.monotonic() < deadline, "the role change did not end the open session"
            await page.wait_for_timeout(500)

        # --- Signing in again with the password alone: still no office pages --------------------------------------
        await page.get_by_label("E-mailadres").fill(MEMBER_EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(MEMBER_PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page.get_by_test_id("second-factor-pending")).to_be_visible()
        await expect(page.get_by_role("heading", name="Tweede inlogstap instellen")).to_have_count(0)
        await shots.take(page, "password-only")
        refused = await page.goto("/beheer/aanvragen")
        assert refused is not None and refused.status == 403
        refused = await page.goto("/beoordeling")
        assert refused is not None and refused.status == 403

        # --- The enrolment link from the mail, the password, then the secret and a code -------------------------
        link = None
        deadline = time.monotonic() + 30
        while link is None:
            await page.goto("/dev/mail")
            mail = page.locator("li.mail").filter(has_text=MEMBER_EMAIL).filter(has_text="Stel uw tweede stap in")
            if await mail.count():
                link = await mail.first.locator('a[href*="/account/tweede-stap?token="]').first.get_attribute("href")
                break
            assert time.monotonic() < deadline, "the enrolment mail did not arrive"
            await page.wait_for_timeout(500)
        assert link is not None
        await page.goto(link[link.index("/account/") :])
        await page.get_by_label("Wachtwoord", exact=True).fill(MEMBER_PASSWORD)
        await page.get_by_role("button", name="Verder").click()
        await expect(page.get_by_role("heading", name="Tweede inlogstap instellen")).to_be_visible()
        secret = "".join((await page.get_by_test_id("totp-secret").inner_text()).split())
        assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
        await shots.take(page, "enrol")
        await page.get_by_label("Code uit uw authenticator-app").fill(fresh_totp(secret))
        await page.get_by_role("button", name="Instellen en inloggen").click()
        await expect(page).to_have_url(re.compile(r"/beheer/aanvragen$"))
        await expect(page.get_by_test_id("second-factor-pending")).to_have_count(0)
        await page.goto("/beoordeling")
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
