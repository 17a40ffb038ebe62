"""The audit flow in a real browser against the whole system.

A professional whose cycle ends in two months has earned the norm (with a 10-point buffer) and applies; the audit,
configured to sample every dossier (a scheme file with a 100 % share), assigns the case to the only reviewer. The
reviewer signs in with password and TOTP, opens the case, downloads the certificate (served by the portfolio, which
checks the reviewer's grant), rejects the presentations with a reason and approves the rest. The dossier still
meets the norm: the professional sees the outcome and the judgements on their re-registration page, and gets the
decision by e-mail.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder).
"""

from __future__ import annotations

import email
import email.policy
import re
import time

import pytest
from playwright.async_api import expect

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import CERTIFICATE_PDF, accredited_edition, prepare_dossier, register_reviewer
from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.scheme import scheme_sampling_every_dossier
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
REVIEWER_PASSWORD = "beoordelen-wachtwoord-2026"
EMAIL = "w.prins@gemeente-deventer.example"
REVIEWER_EMAIL = "beoordeling@lklr.example"
REJECTION = "Geen programma of verslag van de presentaties bijgevoegd."


async def test_a_reviewer_judges_a_sampled_dossier_and_the_professional_sees_the_outcome(
    amqp_url, databases, broker_names, tmp_path
):
    shots = Shots(tmp_path, "audit-")
    scheme = scheme_sampling_every_dossier(tmp_path)
    async with (
        start_system(amqp_url, databases, broker_names, tmp_path, env={"AUDIT_SCHEME_PATH": str(scheme)}) as system,
        chromium() as browser,
    ):
        secret = "EMFBQ4RC7F57UHYKC6GMKOALI53U4K2B"
        reviewer = await system.rpc(
            "registry",
            contracts.CreateDemoAccount(
                email=REVIEWER_EMAIL,
                password=REVIEWER_PASSWORD,
                initials="R.",
                surname="Mulder",
                account_roles=["assessment_committee"],
                totp_secret=secret,
            ),
        )
        professional = await system.rpc(
            "registry",
            contracts.CreateDemoAccount(email=EMAIL, password=PASSWORD, initials="W.", surname="Prins"),
        )
        assert isinstance(reviewer, contracts.DemoAccountReady)
        assert isinstance(professional, contracts.DemoAccountReady)

        # --- Set-up through the services: the reviewer joins the committee; the professional earns the norm ---
        broker = await connect_broker(amqp_url)
        try:
            client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
            await register_reviewer(client, reviewer.account_id, "R. Mulder")
            today = register_today(system_clock)
            edition = await accredited_edition(client, today)
            prepared = await prepare_dossier(
                client,
                edition,
                initials="W.",
                surname="Prins",
                today=today,
                person_id=professional.account_id,
                employer_id="gemeente-deventer",
            )
        finally:
            await broker.stop()

        # --- The professional sees their application under review -------------------------------------------------
        user = await new_context(browser, system.gateway_url, accept_downloads=True)
        page = await user.new_page()
        await page.goto("/inloggen")
        await page.get_by_label("E-mailadres").fill(EMAIL)
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page).to_have_url(re.compile(r"/mijn$"))
        await page.goto("/mijn/herregistratie")
        await expect(page.get_by_role("heading", name="Herregistratie", exact=True)).to_be_visible()
        status = page.get_by_test_id("dossier-status")
        deadline = time.monotonic() + 30
        while (await status.text_content() or "").strip() != "In beoordeling":
            assert time.monotonic() < deadline, "the dossier was not sampled"
            await page.wait_for_timeout(500)
            await page.reload()
        await shots.take(page, "professional-under-review")

        # --- The reviewer signs in with password and TOTP and opens the case -----------------------------------
        staff = await new_context(browser, system.gateway_url, accept_downloads=True)
        review = await staff.new_page()
        await review.goto("/beoordeling")
        await expect(review).to_have_url(re.compile(r"/inloggen\?next="))
        await sign_in(review, REVIEWER_EMAIL, REVIEWER_PASSWORD, totp_secret=secret)
        await expect(review).to_have_url(re.compile(r"/beoordeling$"))
        await expect(review.get_by_role("heading", name="Beoordelen")).to_be_visible()
        await shots.take(review, "reviewer-cases")
        await review.get_by_role("link", name=f"Dossier {prepared.registration_number} openen").click()
        await expect(review.get_by_role("heading", name=f"Dossier {prepared.registration_number}")).to_be_visible()
        activities = review.get_by_test_id("review-activity")
        await expect(activities).to_have_count(3)
        await shots.take(review, "reviewer-case")

        # --- ... views the evidence: the download is the professional's certificate ------------------------------
        course = activities.filter(has_text="Leergang jeugdrecht")
        async with review.expect_download() as download_info:
            await course.get_by_test_id("evidence-link").click()
        download = await download_info.value
        assert download.suggested_filename == "certificaat-leergang-jeugdrecht.pdf"
        saved = tmp_path / "downloaded.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == CERTIFICATE_PDF

        # --- ... rejects one activity with a reason and approves the rest ----------------------------------------
        presentations = activities.filter(has_text="Presentaties op de regiodag")
        await presentations.get_by_label("Afgekeurd").check()
        await presentations.get_by_label("Reden (bij afkeuren) of vraag (bij meer informatie)").fill(REJECTION)
        await presentations.get_by_role("button", name="Oordeel vastleggen").click()
        await expect(review.get_by_text("Uw oordeel is vastgelegd.")).to_be_visible()
        await expect(presentations.get_by_test_id("verdict")).to_have_text("Afgekeurd")
        for title in ("Leergang jeugdrecht", "Artikelen in het vakblad"):
            activity = activities.filter(has_text=title)
            await activity.get_by_label("Goedgekeurd").check()
            await activity.get_by_role("button", name="Oordeel vastleggen").click()
            await expect(activity.get_by_test_id("verdict")).to_have_text("Goedgekeurd")
        await expect(review.get_by_test_id("case-outcome")).to_have_text("Voldaan")
        await shots.take(review, "reviewer-judged")

        # --- The professional sees the outcome on their page ... ------------------------------------------------
        deadline = time.monotonic() + 30
        while True:
            await page.reload()
            decision = page.get_by_test_id("registry-decision")
            if await decision.count() and "toegekend" in (await decision.text_content() or ""):
                break
            assert time.monotonic() < deadline, "the outcome did not reach the professional's page"
            await page.wait_for_timeout(500)
        await expect(page.get_by_test_id("dossier-status")).to_have_text("Voldaan")
        await expect(page.get_by_test_id("outcome")).to_contain_text("Uitkomst: uw dossier voldoet aan de norm.")
        judgements = page.get_by_test_id("judgements")
        await expect(judgements.locator("tr").filter(has_text="Presentaties op de regiodag")).to_contain_text(REJECTION)
        await expect(judgements.locator("tr").filter(has_text="Leergang jeugdrecht")).to_contain_text("Goedgekeurd")
        await shots.take(page, "professional-outcome")

        # --- ... and the decision by e-mail -------------------------------------------------------------------------
        deadline = time.monotonic() + 30
        while not any(
            EMAIL in str(mail["To"]) and str(mail["Subject"]).startswith("Uw herregistratie is toegekend")
            for mail in (email.message_from_string(raw, policy=email.policy.default) for raw in system.mails())
        ):
            assert time.monotonic() < deadline, "the decision mail did not arrive"
            await page.wait_for_timeout(500)
        await user.close()
        await staff.close()
