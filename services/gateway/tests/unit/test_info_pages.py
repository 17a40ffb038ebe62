"""The information pages (accessibility and privacy statements, contact, the developers' page with the register's
status as words), the main menu with the catalogue and the audit figures, and the footer's links."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.kit.rpc import ServiceUnavailable

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit


async def test_the_main_menu_holds_the_catalogue_and_the_audit_figures(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/vragen")
    nav = response.text.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/opleidingen">Opleidingen</a>' in nav
    assert '<a href="/statistieken/audit">Auditcijfers</a>' in nav


async def test_the_footer_links_the_information_pages_and_one_developers_page_not_raw_json(
    client: AsyncTestClient[Litestar],
) -> None:
    footer = (await client.get("/")).text.split("<footer", 1)[1]
    for href, label in (
        ("/toegankelijkheid", "Toegankelijkheid"),
        ("/privacy", "Privacy"),
        ("/contact", "Contact"),
        ("/ontwikkelaars", "API, berichtenverkeer en status"),
    ):
        assert f'<a href="{href}">{label}</a>' in footer
    assert "/readyz" not in footer and "/schema" not in footer and "/asyncapi" not in footer


async def test_the_accessibility_statement_follows_the_government_model(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/toegankelijkheid")
    assert response.status_code == 200
    text = response.text
    # The parts of the model statement: the standard, the compliance status, measures, known limitations,
    # how to report a problem, the complaint route and the date.
    for part in (
        "<h1>Toegankelijkheidsverklaring</h1>",
        "WCAG) 2.1 op niveau A en AA",
        'data-testid="compliance-status">C – eerste maatregelen genomen<',
        "axe-core",
        "Bekende beperkingen",
        'href="/contact"',
        "Nationale ombudsman",
        "Deze verklaring is opgesteld op 7-12-2026.",
    ):
        assert part in text, part


@pytest.mark.parametrize(
    ("path", "dutch", "english"),
    [
        ("/privacy", "<h1>Privacyverklaring</h1>", "<h1>Privacy statement</h1>"),
        ("/contact", "<h1>Contact</h1>", "registerbureau@lklr.example"),
        ("/toegankelijkheid", "Nalevingsstatus", "<h1>Accessibility statement</h1>"),
        ("/ontwikkelaars", "<h1>Voor ontwikkelaars</h1>", "<h1>For developers</h1>"),
    ],
)
async def test_information_pages_are_dutch_by_default_and_english_on_request(
    client: AsyncTestClient[Litestar], path: str, dutch: str, english: str
) -> None:
    assert dutch in (await client.get(path)).text
    assert english in (await client.get(path, params={"lang": "en"})).text


async def test_the_developers_page_links_the_documentation_and_shows_the_status_in_words(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/ontwikkelaars")
    assert response.status_code == 200
    text = response.text
    for href in ("/schema", "/schema/openapi.json", "/asyncapi", "/asyncapi.json"):
        assert f'href="{href}"' in text
    assert "Het register werkt: alle onderdelen antwoorden." in text
    assert "Portfolio</th>" in text and "Werkt</span>" in text
    assert '"ready"' not in text  # a page, not the JSON of /readyz


async def test_the_developers_page_says_which_part_is_down_without_saying_why() -> None:
    caller = FakeCaller(ping={"audit": ServiceUnavailable("audit queue missing at amqp://secret-host")})
    async with AsyncTestClient(app=make_app(caller)) as client:
        response = await client.get("/ontwikkelaars")
    assert response.status_code == 200
    assert "Een of meer onderdelen van het register werken op dit moment niet." in response.text
    audit_row = response.text.split("Steekproef en beoordeling</th>", 1)[1].split("</tr>", 1)[0]
    assert "Werkt niet" in audit_row
    assert "secret-host" not in response.text


async def test_every_page_loads_the_sites_own_script_and_no_inline_script(client: AsyncTestClient[Litestar]) -> None:
    text = (await client.get("/toegankelijkheid")).text
    assert '<script src="/static/lklr.js" defer></script>' in text
    assert text.count("<script") == 1
    script = await client.get("/static/lklr.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
