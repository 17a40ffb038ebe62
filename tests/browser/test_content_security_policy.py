"""The public pages under the gateway's Content-Security-Policy in a real browser: nothing on them is blocked.

The policy allows no inline script or style; a page that still had one would lose it silently (a statistics bar
without its width, a script that never runs). Chromium reports every blocked resource on the console, so the test
collects those reports while it visits the pages.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.browser import chromium, new_context
from tests.support.rpc_setup import staff_account
from tests.support.system import start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

OFFICE_PASSWORD = "beheer-wachtwoord-2026"
PAGES = [
    "/",
    "/portfolio",
    "/register",
    "/vragen",
    "/inloggen",
    "/account/aanmaken",
    "/bestaat-niet",
    "/schema",
    "/toegankelijkheid",
    "/ontwikkelaars",
]


async def test_headers_finding_public_pages_break_no_rule_of_their_content_security_policy(
    amqp_url, databases, broker_names, tmp_path
):
    async with (
        start_system(amqp_url, databases, broker_names, tmp_path, services=("registry",)) as system,
        chromium() as browser,
    ):
        # A working total makes the start page draw its statistics bar (once an inline style="width").
        account = await staff_account(
            system.rpc, "beheer@lklr.example", OFFICE_PASSWORD, initials="L.", surname="Meijer", role="office"
        )
        async with WebUser(system.gateway_url) as office:
            await office.sign_in("beheer@lklr.example", OFFICE_PASSWORD, totp_secret=account.totp_secret)
            year = datetime.now(ZoneInfo("Europe/Amsterdam")).year
            saved = await office.post_form(
                "/beheer/werkzame-professionals",
                {"year": str(year), "total": "400"},
                csrf_page="/beheer/werkzame-professionals",
            )
            assert saved.status_code == 303, saved.text[:500]

        context = await new_context(browser, system.gateway_url)
        page = await context.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )
        for path in PAGES:
            response = await page.goto(path)
            if path == "/":
                assert await page.locator(".stat-bar").count() == 1
            assert response is not None
            assert "frame-ancestors 'none'" in (await response.header_value("content-security-policy") or "")
            # The site's stylesheet applies (a blocked one would leave the browser's default white header).
            background = await page.evaluate(
                "getComputedStyle(document.querySelector('header') || document.body).backgroundColor"
            )
            assert background != "rgba(0, 0, 0, 0)" or path == "/schema", path
        await context.close()
    assert violations == []
