"""The administrator's system page in a real browser against the whole system: every service ready, and the
overview refreshing in place (no page load) when a message lands in a dead-letter queue.

A malformed event on the exchange reaches the portfolio's queue; the portfolio dead-letters it at once. The open
page then shows the dead letter and the command that replays it, by its own refresh (a marker set in the page's
window survives, so the page was not loaded again).

Screenshots go to $LKLR_SCREENSHOT_DIR (or the test's tmp folder).
"""

from __future__ import annotations

import re

import aio_pika
import pytest
from playwright.async_api import expect

from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.rpc_setup import staff_account
from tests.support.system import SERVICES, start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

ADMIN_EMAIL = "systeem-admin@lklr.example"
ADMIN_PASSWORD = "beheerder-wachtwoord-2026"


async def test_the_system_page_shows_every_service_ready_and_a_new_dead_letter_without_reloading(
    amqp_url, databases, broker_names, tmp_path
):
    shots = Shots(tmp_path)
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        admin = await staff_account(
            system.rpc, ADMIN_EMAIL, ADMIN_PASSWORD, initials="S.", surname="Beheer", role="administrator"
        )

        context = await new_context(browser, system.gateway_url)
        page = await context.new_page()
        await page.goto("/inloggen")
        await sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, totp_secret=admin.totp_secret)
        await expect(page).to_have_url(re.compile(r"/beheer/accounts$"))

        await page.get_by_role("link", name="Systeemstatus bekijken").click()
        await expect(page).to_have_url(re.compile(r"/beheer/systeem$"))
        await expect(page.get_by_role("heading", name="Systeem", exact=True)).to_be_visible()
        for service in SERVICES:
            await expect(page.get_by_test_id(f"ready-{service}")).to_contain_text("ja")
        await expect(page.get_by_test_id("dead-letters-portfolio")).not_to_contain_text("replay")
        await expect(page.get_by_test_id("system-audit")).to_contain_text("Zaken wachtend op een beoordelaar")
        await shots.take(page, "system-ready")
        await page.evaluate("window.notReloaded = true")

        # A malformed event: the portfolio can never handle it and dead-letters it at once.
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(system.topology.events_exchange, ensure=False)
            await exchange.publish(
                aio_pika.Message(b"not an envelope", message_id="malformed-1", type="accreditation.AttendanceRecorded"),
                routing_key="accreditation.AttendanceRecorded",
            )

        dead_letters = page.get_by_test_id("dead-letters-portfolio")
        await expect(dead_letters).to_contain_text("deadletters", timeout=60_000)
        await expect(dead_letters).to_contain_text(f"--prefix {system.topology.prefix} replay portfolio")
        assert await page.evaluate("window.notReloaded === true"), "the page was loaded again instead of refreshed"
        await shots.take(page, "system-dead-letter")
