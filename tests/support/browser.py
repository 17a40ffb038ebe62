"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright (never a downloaded
browser: `playwright install` is not used). `./scripts/test` installs the package when it is missing."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.web import fresh_totp

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_installed() -> bool:
    return CHROMIUM.exists()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not _chromium_installed():
        # Not a skip: the browser tests are part of the suite. `./scripts/test` installs it (apt-get).
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


class Shots:
    """Numbered full-page screenshots of a test, in $LKLR_SCREENSHOT_DIR or the test's tmp folder, for a look at the
    pages a browser test walked through."""

    def __init__(self, tmp_path: Path, prefix: str = "") -> None:
        self.folder = Path(os.environ.get("LKLR_SCREENSHOT_DIR") or tmp_path / "screenshots")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.count = 0

    async def take(self, page: Page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=str(self.folder / f"{self.prefix}{self.count:02d}-{name}.png"), full_page=True)


async def new_context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A fresh browser profile (no cookies) reading Dutch, as most of the register's users do."""
    context = await browser.new_context(
        locale="nl-NL", base_url=base_url, viewport={"width": 1200, "height": 900}, **options
    )
    context.set_default_timeout(15_000)
    return context


async def sign_in(page: Page, email: str, password: str, *, totp_secret: str | None = None) -> None:
    """Fill in the sign-in form on the page that shows it and send it; staff (`totp_secret`) then enter a fresh
    code from their authenticator app."""
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord", exact=True).fill(password)
    await page.get_by_role("button", name="Inloggen").click()
    if totp_secret is not None:
        await page.get_by_label("Code uit uw authenticator-app").fill(fresh_totp(totp_secret))
        await page.get_by_role("button", name="Bevestigen en inloggen").click()
