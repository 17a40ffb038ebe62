"""The public pages: layout, navigation, language, statistics bar and the portfolio for visitors."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.i18n import CATALOGUE, LANGUAGE_COOKIE
from lklr_shared.contracts.registry import Statistics
from lklr_shared.kit.rpc import ServiceTimeout, ServiceUnavailable

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit

PAGES = ["/", "/portfolio", "/register", "/vragen", "/inloggen", "/account/aanmaken", "/asyncapi"]
NAV_NL = ["Start", "Digitaal Portfolio", "Registers raadplegen", "Vragen", "Mijn LKLR"]
NAV_EN = [CATALOGUE["en"][key] for key in ("nav.start", "nav.portfolio", "nav.register", "nav.faq", "nav.mine")]


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_shows_the_dutch_navigation_by_default(client: AsyncTestClient[Litestar], path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert '<html lang="nl">' in response.text
    assert "Landelijk Kwaliteitsregister Leerplicht &amp; RMC" in response.text
    for label in NAV_NL:
        assert f">{label}</a>" in response.text
    for href in ("/", "/portfolio", "/register", "/vragen", "/mijn"):
        assert f'href="{href}"' in response.text


async def test_the_current_page_is_marked_in_the_navigation(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/vragen")
    assert '<a href="/vragen" aria-current="page">Vragen</a>' in response.text


async def test_lang_query_switches_to_english_and_remembers_it_in_a_cookie(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in response.text
    for label in NAV_EN:
        assert f">{label}</a>" in response.text
    assert response.cookies.get(LANGUAGE_COOKIE) == "en"

    # The cookie now chooses the language without the query.
    follow_up = await client.get("/vragen")
    assert '<html lang="en">' in follow_up.text
    assert "Frequently asked questions" in follow_up.text


async def test_lang_query_switches_back_to_dutch(client: AsyncTestClient[Litestar]) -> None:
    await client.get("/", params={"lang": "en"})
    response = await client.get("/", params={"lang": "nl"})
    assert '<html lang="nl">' in response.text
    assert response.cookies.get(LANGUAGE_COOKIE) == "nl"


async def test_first_visit_is_dutch_whatever_the_browser_language(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/", headers={"Accept-Language": "en-GB, en;q=0.9"})
    assert '<html lang="nl">' in response.text
    assert LANGUAGE_COOKIE not in response.cookies


async def test_unknown_language_falls_back_to_dutch(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/", params={"lang": "fr"}, headers={"Accept-Language": "fr"})
    assert '<html lang="nl">' in response.text


async def test_start_page_draws_registered_as_a_share_of_all_working_professionals(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/")
    assert "33% van 100%" in response.text
    assert "1.200 van de 3.600" in response.text
    assert '<rect width="33.0" height="10"/>' in response.text


async def test_start_page_shows_only_the_count_when_the_working_total_is_unknown() -> None:
    caller = FakeCaller(statistics=Statistics(registered=512, working_total=None, percentage=None))
    async with AsyncTestClient(app=make_app(caller)) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "512 leerplichtambtenaren en RMC-medewerkers zijn geregistreerd" in response.text
    assert "van 100%" not in response.text


@pytest.mark.parametrize("failure", [ServiceUnavailable("broker down"), ServiceTimeout("too slow")])
async def test_start_page_renders_with_a_notice_when_the_registry_is_unavailable(failure: Exception) -> None:
    async with AsyncTestClient(app=make_app(FakeCaller(statistics=failure))) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "niet beschikbaar" in response.text
    assert ">Vragen</a>" in response.text


async def test_the_portfolio_explains_itself_to_a_visitor_and_offers_the_login(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/portfolio")
    assert response.status_code == 200
    assert "Log in om het uwe te zien" in response.text
    assert 'href="/inloggen?next=/portfolio"' in response.text


async def test_unknown_page_is_a_dutch_404_page_with_the_layout(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet." in response.text
    assert ">Mijn LKLR</a>" in response.text


async def test_static_stylesheet_is_served_locally(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/")
    assert 'href="/static/lklr.css"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN
    css = await client.get("/static/lklr.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


def test_every_message_exists_in_both_languages() -> None:
    assert set(CATALOGUE["nl"]) == set(CATALOGUE["en"])
