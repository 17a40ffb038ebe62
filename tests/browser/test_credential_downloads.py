"""Proof of registration in a real browser against the whole system: a professional whose cycle meets the norm
opens Mijn LKLR, downloads both credentials (registration; norm met) and the PDF certificate; the test renders the
PDF's page, decodes its QR code and follows it to the professional's public register entry."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from playwright.async_api import Page, expect

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.credentials import unverified_claims
from tests.support.browser import Shots, chromium, new_context
from tests.support.norm import meet_the_norm, registered_professional
from tests.support.system import start_system

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"


async def _download(page: Page, test_id: str) -> bytes:
    async with page.expect_download() as download_info:
        await page.get_by_test_id(test_id).click()
    download = await download_info.value
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


def _qr_codes_in(pdf: bytes) -> list[str]:
    """The QR codes on the PDF's pages, decoded from the rendered pages as a phone camera would see them."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            result.text
            for page in document
            for result in zxingcpp.read_barcodes(page.render(scale=2).to_pil())
            if result.format == zxingcpp.BarcodeFormat.QRCode
        ]
    finally:
        document.close()


async def test_the_professional_downloads_both_credentials_and_a_certificate_whose_qr_leads_to_the_entry(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    shots = Shots(tmp_path)
    today = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system, chromium() as browser:
        person = await registered_professional(system, today, PASSWORD)
        await meet_the_norm(system, person, today)

        context = await new_context(browser, system.gateway_url)
        page = await context.new_page()
        await page.goto("/inloggen")
        await page.get_by_label("E-mailadres").fill(person.email)
        await page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Inloggen").click()
        await expect(page).to_have_url(re.compile(r"/mijn$"))
        await page.get_by_role("link", name="Bewijs van registratie downloaden").click()
        await expect(page.get_by_role("heading", level=1, name="Bewijs van registratie")).to_be_visible()

        # The norm reaches the registry through the portfolio's event: reload until its credential is offered.
        deadline = asyncio.get_running_loop().time() + 60
        while not await page.get_by_test_id("norm-credential-download").count():
            assert asyncio.get_running_loop().time() < deadline, "the norm-met credential was never offered"
            await page.wait_for_timeout(500)
            await page.reload()
        await shots.take(page, "proof-of-registration")

        registration = unverified_claims((await _download(page, "credential-download")).decode())
        norm = unverified_claims((await _download(page, "norm-credential-download")).decode())
        entry_url = f"{system.gateway_url}/register?q={person.registration_number}"
        assert registration["credentialSubject"]["achievement"]["id"].endswith("/credentials/registration")
        assert norm["credentialSubject"]["achievement"]["id"].endswith("/credentials/norm-met")
        assert registration["credentialSubject"]["id"] == norm["credentialSubject"]["id"] == entry_url
        assert registration["credentialStatus"]["statusListIndex"] != norm["credentialStatus"]["statusListIndex"]

        pdf = await _download(page, "certificate-download")
        assert pdf.startswith(b"%PDF-")
        codes = await asyncio.to_thread(_qr_codes_in, pdf)
        assert codes == [entry_url]

        # Following the code: the public register entry of this professional.
        visitor = await (await new_context(browser, system.gateway_url)).new_page()
        await visitor.goto(codes[0])
        await expect(visitor.get_by_text(person.registration_number).first).to_be_visible()
        await expect(visitor.get_by_text("Normhaler").first).to_be_visible()
        await shots.take(visitor, "register-entry-from-qr")
