"""The public catalogue of accredited courses: `GET /api/v1/courses` and the page /opleidingen."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.rpc import ServiceTimeout, ServiceUnavailable

from .provider_fakes import COURSE_ID, PROVIDER, FakeAccreditation, edition, make_provider_app

pytestmark = pytest.mark.unit


def entry(**changes: Any) -> contracts.CatalogueEntry:
    values: dict[str, Any] = {
        "course_id": COURSE_ID,
        "provider_id": PROVIDER.provider_id,
        "provider_name": "Kenniscentrum Leerplicht",
        "title": "Verzuim <aanpakken>",
        "description": "Over schoolverzuim.",
        "category": "A1",
        "study_load_hours": Decimal("8"),
        "points": Decimal("7.5"),
        "valid_from": date(2025, 1, 1),
        "valid_until": date(2027, 12, 31),
        "target_group": "Leerplichtambtenaren",
        "trainers": ["T. Rainer", "S. Preker"],
        "programme": "Ochtend en middag.",
        "editions": [edition()],
    }
    return contracts.CatalogueEntry(**(values | changes))


def catalogue(total: int = 1, courses: list[contracts.CatalogueEntry] | None = None) -> contracts.Catalogue:
    return contracts.Catalogue(total=total, courses=[entry()] if courses is None else courses)


async def _get(fake: FakeAccreditation, path: str, **kwargs: Any) -> Any:
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        return await client.get(path, **kwargs)


async def test_the_catalogue_api_is_public_and_maps_the_search() -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue(total=41)})
    response = await _get(fake, "/api/v1/courses", params={"q": " verzuim ", "category": "A1", "limit": 10})
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (41, 10, 0)
    (course,) = body["courses"]
    assert (course["title"], course["points"], course["study_load_hours"]) == ("Verzuim <aanpakken>", 7.5, 8)
    assert course["editions"][0]["location"] == "Utrecht"
    (sent,) = fake.requests(contracts.SearchCatalogue)
    assert (sent.q, sent.category, sent.limit, sent.offset) == ("verzuim", "A1", 10, 0)
    assert not fake.requests(contracts.AuthenticateApiKey)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"category": "B"}])
async def test_the_catalogue_api_refuses_impossible_paging_with_400(params: dict[str, Any]) -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue()})
    response = await _get(fake, "/api/v1/courses", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not fake.requests(contracts.SearchCatalogue)


async def test_the_catalogue_page_lists_courses_in_dutch_with_a_search_box() -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue()})
    response = await _get(fake, "/opleidingen", params={"q": "verzuim"})
    assert response.status_code == 200
    text = response.text
    assert '<html lang="nl">' in text
    assert "<h1>Opleidingen</h1>" in text
    assert 'type="search" name="q" value="verzuim"' in text
    assert "Verzuim &lt;aanpakken&gt;" in text  # escaped
    assert "Kenniscentrum Leerplicht" in text
    assert "<dd>7,5</dd>" in text
    assert "31-12-2027" in text
    assert "1 opleiding gevonden voor ‘verzuim’" in text
    (sent,) = fake.requests(contracts.SearchCatalogue)
    assert (sent.q, sent.limit, sent.offset) == ("verzuim", 20, 0)


async def test_the_catalogue_page_speaks_english_on_request() -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue()})
    response = await _get(fake, "/opleidingen", params={"lang": "en"})
    assert '<html lang="en">' in response.text
    assert "<h1>Courses</h1>" in response.text
    assert "<dd>7.5</dd>" in response.text
    assert re.search(r"1 accredited course\s*<", response.text)


async def test_the_catalogue_page_says_when_nothing_matches() -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue(total=0, courses=[])})
    response = await _get(fake, "/opleidingen", params={"q": "astronomie"})
    assert "Geen opleidingen gevonden voor ‘astronomie’." in response.text


async def test_the_catalogue_page_pages_through_many_courses() -> None:
    fake = FakeAccreditation(
        answers={
            contracts.SearchCatalogue: catalogue(
                total=45, courses=[entry(course_id=uuid.uuid4(), title=f"Cursus {n}") for n in range(20)]
            )
        }
    )
    response = await _get(fake, "/opleidingen", params={"q": "cursus", "pagina": "2"})
    assert "Pagina 2 van 3" in response.text
    assert 'href="/opleidingen?q=cursus&amp;pagina=1"' in response.text
    assert 'href="/opleidingen?q=cursus&amp;pagina=3"' in response.text
    assert fake.requests(contracts.SearchCatalogue)[0].offset == 20


async def test_a_hand_edited_page_number_falls_back_to_the_first_page() -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: catalogue()})
    response = await _get(fake, "/opleidingen", params={"pagina": "twee"})
    assert response.status_code == 200
    assert fake.requests(contracts.SearchCatalogue)[0].offset == 0


@pytest.mark.parametrize(
    ("failure", "status"), [(ServiceUnavailable("no queue"), 503), (ServiceTimeout("too slow"), 504)]
)
async def test_the_catalogue_page_keeps_its_search_box_when_the_service_is_down(
    failure: Exception, status: int
) -> None:
    fake = FakeAccreditation(answers={contracts.SearchCatalogue: failure})
    response = await _get(fake, "/opleidingen")
    assert response.status_code == status
    assert 'type="search"' in response.text
    assert "niet beschikbaar" in response.text
    assert "no queue" not in response.text


async def test_the_start_page_links_to_the_catalogue(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/")
    assert 'href="/opleidingen"' in response.text
