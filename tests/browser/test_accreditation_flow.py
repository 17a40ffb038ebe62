"""Accreditation in a real browser against the whole system.

A provider's contact signs in, submits a course with an edition that already ran; the accreditation committee signs
in with password and TOTP and approves it (points, a validity period covering the edition, a reason). The provider
reports participants: first by pasting a number, then by uploading a CSV that mixes a valid number, one already
recorded and a mistyped one, and sees every row's outcome and the counts. The professional signs in and finds the
course in their portfolio.

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder) for a look at the pages.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pyotp
import pytest
from playwright.async_api import expect
from sqlalchemy.engine import make_url

from lklr_shared.contracts.envelope import utcnow
from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.rpc_setup import demo_account, grant_registration, provider_with_contact
from tests.support.system import RunningSystem, start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
COURSE = "Gespreksvoering bij dreigend verzuim"


def _today() -> date:
    return utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()


def _mistype(number: str) -> str:
    """The same number with its check digit changed: a single-digit error the check digit catches."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


async def _account(
    system: RunningSystem, email: str, initials: str, surname: str, *roles: str, totp: str | None = None
):  # type: ignore[no-untyped-def]
    return await demo_account(
        system.rpc,
        email,
        PASSWORD,
        initials=initials,
        surname=surname,
        account_roles=list(roles) or ["professional"],  # type: ignore[arg-type]
        totp_secret=totp,
    )


async def _register(
    system: RunningSystem, initials: str, surname: str, since: date, person_id: uuid.UUID | None
) -> str:
    receipt = await grant_registration(
        system.rpc,
        initials=initials,
        surname=surname,
        employer_id="gemeente-zwolle",
        registered_since=since,
        person_id=person_id,
    )
    return receipt.registration_number


async def test_a_provider_course_is_approved_attendance_is_uploaded_and_the_professional_sees_it(
    amqp_url, databases, broker_names, tmp_path, eventually
):
    shots = Shots(tmp_path)
    today = _today()
    edition_start, edition_end = today - timedelta(days=10), today - timedelta(days=9)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        # --- The people: a committee member, a provider's contact, two registered professionals ---------------
        committee_secret = pyotp.random_base32()
        await _account(
            system, "commissie@lklr.example", "C.", "de Wit", "accreditation_committee", totp=committee_secret
        )
        contact = await _account(system, "opleider@aanbieder.example", "P.", "de Opleider")
        professional = await _account(system, "m.kuipers@gemeente-zwolle.example", "M.", "Kuipers")
        since = today - timedelta(days=400)
        number = await _register(system, "M.", "Kuipers", since, professional.account_id)
        colleague = await _register(system, "J.", "Bakker", since, None)
        await provider_with_contact(system.rpc, "Kenniscentrum Verzuim", contact.account_id, by="office:test")

        # --- The provider submits a course with an edition that already ran -----------------------------------
        provider_context = await new_context(browser, system.gateway_url)
        page = await provider_context.new_page()
        await page.goto("/aanbieder")
        await expect(page).to_have_url(re.compile(r"/inloggen\?next="))
        await sign_in(page, "opleider@aanbieder.example", PASSWORD)
        await expect(page.get_by_role("heading", name="Aanbiedersportaal")).to_be_visible()
        await expect(page.get_by_text("U werkt namens Kenniscentrum Verzuim.")).to_be_visible()
        await page.get_by_role("main").get_by_role("link", name="Opleiding aanmelden").first.click()
        await expect(page.get_by_role("heading", name="Opleiding aanmelden")).to_be_visible()
        await page.get_by_label("Titel", exact=True).fill(COURSE)
        await page.get_by_label("Omschrijving").fill("Oefenen met motiverende gespreksvoering.")
        await page.get_by_label("A1 · bij- en nascholing").check()
        await page.get_by_label("Studiebelasting in uren").fill("8")
        await page.get_by_label("Trainers").fill("drs. M. de Groot\nA. Visser")
        await page.get_by_label("Doelgroep").fill("Leerplichtambtenaren")
        await page.get_by_label("Programma").fill("Ochtend: theorie. Middag: oefenen met acteurs.")
        await page.get_by_label("Begindatum").fill(edition_start.isoformat())
        await page.get_by_label("Einddatum").fill(edition_end.isoformat())
        await page.get_by_label("Locatie").fill("Zwolle")
        await shots.take(page, "provider-course-form")
        await page.get_by_role("button", name="Aanmelden voor accreditatie").click()
        await expect(page.get_by_text("Uw opleiding is aangemeld.")).to_be_visible()
        await expect(page.get_by_test_id("course-status")).to_have_text("Wacht op beoordeling")
        course_url = page.url.split("?")[0]
        await shots.take(page, "provider-course-submitted")

        # --- The committee signs in with TOTP and approves it ----------------------------------------------------
        committee_context = await new_context(browser, system.gateway_url)
        committee = await committee_context.new_page()
        await committee.goto("/commissie")
        await sign_in(committee, "commissie@lklr.example", PASSWORD, totp_secret=committee_secret)
        await expect(committee).to_have_url(re.compile(r"/commissie$"))
        await expect(committee.get_by_role("heading", name="Opleidingen beoordelen")).to_be_visible()
        await shots.take(committee, "committee-queue")
        await committee.get_by_role("link", name=COURSE).click()
        await expect(committee.get_by_role("heading", name=COURSE)).to_be_visible()
        approve = committee.locator("section.decision-approve")
        await approve.get_by_label("Punten", exact=True).fill("8")
        await approve.get_by_label("Geldig vanaf").fill((today - timedelta(days=30)).isoformat())
        await approve.get_by_label("Motivering").fill("Voldoet aan de kwaliteitscriteria.")
        await shots.take(committee, "committee-review")
        await approve.get_by_role("button", name="Goedkeuren").click()
        await expect(committee.get_by_text("De opleiding is goedgekeurd.")).to_be_visible()
        await expect(committee.get_by_role("link", name=COURSE)).to_have_count(0)

        # --- The provider sees the decision and reports participants ------------------------------------------
        await page.goto(course_url)
        await expect(page.get_by_test_id("course-status")).to_have_text("Geaccrediteerd")
        await expect(page.get_by_text("Voldoet aan de kwaliteitscriteria.")).to_be_visible()
        await shots.take(page, "provider-course-approved")

        # Attendance is judged on the accreditation service's copy of the register (from registry events).
        dsn = make_url(system.database_urls["accreditation"]).set(drivername="postgresql")

        async def both_known() -> bool:
            connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
            try:
                found = await connection.fetchval(
                    "SELECT count(*) FROM registered_people WHERE registration_number = ANY($1::text[])",
                    [number, colleague],
                )
            finally:
                await connection.close()
            return bool(found == 2)

        await eventually(both_known, timeout=30, interval=0.5, message="accreditation knows both professionals")

        await page.get_by_role("link", name="Deelnemers doorgeven en bekijken").click()
        await expect(page.get_by_role("heading", name="Deelnemers doorgeven")).to_be_visible()
        await page.get_by_label("Of plak registratienummers").fill(colleague)
        await page.get_by_role("button", name="Deelnemers doorgeven").click()
        await expect(page.get_by_test_id("attendance-counts")).to_have_text(
            "Ontvangen: 1. Geregistreerd: 1, al geregistreerd: 0, afgewezen: 0."
        )

        csv = f"Registratienummer;Uren\n{number};\n{colleague};\n{_mistype(number)};\n"
        await page.get_by_label("CSV-bestand").set_input_files(
            files=[{"name": "deelnemers.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
        )
        await page.get_by_role("button", name="Deelnemers doorgeven").click()
        await expect(page.get_by_test_id("attendance-counts")).to_have_text(
            "Ontvangen: 3. Geregistreerd: 1, al geregistreerd: 1, afgewezen: 1."
        )
        rows = page.locator("table.result-table tbody tr")
        await expect(rows).to_have_count(3)
        await expect(rows.nth(0)).to_contain_text(number)
        await expect(rows.nth(0)).to_contain_text("Geregistreerd")
        await expect(rows.nth(0)).to_contain_text("8 uur, 8 punten")
        await expect(rows.nth(1)).to_contain_text(colleague)
        await expect(rows.nth(1)).to_contain_text("Al geregistreerd")
        await expect(rows.nth(2)).to_contain_text(_mistype(number))
        await expect(rows.nth(2)).to_contain_text("Afgewezen")
        await expect(rows.nth(2)).to_contain_text("Het controlecijfer klopt niet")
        entries = page.locator("table.entries-table tbody tr")
        await expect(entries).to_have_count(2)
        await shots.take(page, "provider-attendance-results")
        # Post-redirect-get: the result has its own address, and reloading it shows it again without posting.
        assert "doorgegeven=" in page.url, page.url
        await page.reload()
        await expect(page.get_by_test_id("attendance-counts")).to_have_text(
            "Ontvangen: 3. Geregistreerd: 1, al geregistreerd: 1, afgewezen: 1."
        )
        await expect(entries).to_have_count(2)

        # --- The professional finds the course in their portfolio ---------------------------------------------
        professional_context = await new_context(browser, system.gateway_url)
        mine = await professional_context.new_page()
        await mine.goto("/inloggen?next=/portfolio")
        await sign_in(mine, "m.kuipers@gemeente-zwolle.example", PASSWORD)
        await expect(mine).to_have_url(re.compile(r"/portfolio$"))
        listed = mine.locator(".activity-list").get_by_text(COURSE)

        async def course_listed() -> bool:
            if await listed.count():
                return True
            await mine.reload()
            return False

        await eventually(course_listed, timeout=30, interval=1, message="the course in the professional's portfolio")
        await expect(listed.first).to_be_visible()
        await shots.take(mine, "professional-portfolio")

        for context in (provider_context, committee_context, professional_context):
            await context.close()
