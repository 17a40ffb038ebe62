"""The public register (page and API) and the account API: public fields only, the rate limit, bearer tokens."""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from lklr_shared.contracts import registry as c
from lklr_shared.errors import RpcError

from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import client_fixture, make_registry_app

pytestmark = pytest.mark.unit
PUBLIC_FIELDS = {"registration_number", "name", "roles", "status", "registered_since", "valid_until"}


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    registry.register(registry.add("jansen@example.nl", "A.", "Jansen"))
    registry.add("beheer@example.nl", "L.", "Meijer", "office")
    return registry


client = client_fixture("registry")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_register_page_shows_exactly_the_public_columns(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    page = await client.get("/register", params={"q": "Jansen"})
    assert page.status_code == 200
    headers = re.findall(r'<th scope="col">([^<]+)</th>', page.text)
    assert headers == ["Registratienummer", "Naam", "Functie", "Status", "Geregistreerd sinds", "Geldig tot en met"]
    text = _text(page.text)
    assert "0000013 A. Jansen Leerplichtambtenaar Geregistreerd 1-6-2025 31-5-2030" in text
    assert "jansen@example.nl" not in page.text and "Utrecht" not in page.text
    (search,) = registry.of(c.SearchRegister)
    assert search.client_key == "testclient"  # the client's address: the registry's rate limit is per client


async def test_the_register_page_asks_nothing_without_a_query(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    page = await client.get("/register")
    assert page.status_code == 200
    assert "Zoek op naam of registratienummer" in page.text
    assert registry.of(c.SearchRegister) == []


async def test_the_register_page_explains_the_rate_limit_politely(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.overrides[c.SearchRegister] = RpcError("rate_limited", "Too many lookups.", 429, retry_after=42)
    page = await client.get("/register", params={"q": "Jansen"})
    assert page.status_code == 429
    assert page.headers["retry-after"] == "42"
    assert "Probeer het over 42 seconden opnieuw." in page.text
    assert "Registers raadplegen" in page.text  # still the whole page, with the search form


async def test_a_mistyped_number_is_explained(client: AsyncTestClient[Litestar], registry: FakeRegistry) -> None:
    registry.overrides[c.SearchRegister] = RpcError("invalid_registration_number", "mistyped: check digit", 422)
    page = await client.get("/register", params={"q": "0000014"})
    assert page.status_code == 422
    assert "Dit registratienummer klopt niet." in page.text


async def test_the_register_api_returns_only_the_public_fields(client: AsyncTestClient[Litestar]) -> None:
    found = await client.get("/api/v1/register", params={"q": "jansen"})
    assert found.status_code == 200
    body = found.json()
    assert set(body) == {"entries", "truncated"}
    assert [set(entry) for entry in body["entries"]] == [PUBLIC_FIELDS]
    one = await client.get("/api/v1/register/0000013")
    assert one.status_code == 200
    assert set(one.json()) == PUBLIC_FIELDS
    assert one.json()["name"] == "A. Jansen"


async def test_the_register_api_maps_the_rate_limit_to_429_with_retry_after(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.overrides[c.GetRegisterEntry] = RpcError("rate_limited", "Too many lookups.", 429, retry_after=17)
    response = await client.get("/api/v1/register/0000013")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "17"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "rate_limited"


async def test_an_unknown_number_is_404_problem_details(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/register/0000021")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_professional_gets_a_bearer_token_and_reads_who_they_are(client: AsyncTestClient[Litestar]) -> None:
    issued = await client.post("/api/v1/auth/token", json={"email": "jansen@example.nl", "password": PASSWORD})
    assert issued.status_code == 200
    token = issued.json()["access_token"]
    assert issued.json()["token_type"] == "Bearer"
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.json()
    assert (body["email"], body["account_roles"]) == ("jansen@example.nl", ["professional"])
    assert body["registration"]["registration_number"] == "0000013"
    assert body["registration"]["cycle_ends_on"] == "2030-05-31"


async def test_staff_need_their_totp_code_for_a_token(client: AsyncTestClient[Litestar]) -> None:
    without = await client.post("/api/v1/auth/token", json={"email": "beheer@example.nl", "password": PASSWORD})
    assert without.status_code == 401
    assert without.json()["code"] == "totp_required"
    with_code = await client.post(
        "/api/v1/auth/token", json={"email": "beheer@example.nl", "password": PASSWORD, "totp_code": "123456"}
    )
    assert with_code.status_code == 200
    assert with_code.json()["account_roles"] == ["office"]


async def test_me_without_a_valid_token_is_401_with_a_bearer_challenge(client: AsyncTestClient[Litestar]) -> None:
    missing = await client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="LKLR"'
    wrong = await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]


async def test_the_new_api_routes_are_in_the_openapi_document(client: AsyncTestClient[Litestar]) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/auth/token",
        "/api/v1/register",
        "/api/v1/register/{registration_number}",
        "/api/v1/me",
        "/api/v1/statistics",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["accountToken"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/me"]["get"]["security"] == [{"accountToken": []}]
    assert "429" in schema["paths"]["/api/v1/register"]["get"]["responses"]
    # Pages are not API: they stay out of the document.
    assert not [path for path in schema["paths"] if path.startswith(("/mijn", "/beheer", "/inloggen", "/account"))]


# --- Property: whatever the registry's reply carries, only the public fields leave the gateway -------------------


class _FutureRegisterEntry(c.RegisterEntry):
    """A register entry as a later registry version might send it, with private fields added by mistake."""

    email: str
    employer_name: str
    hours_per_week: Decimal
    date_of_birth: date


_names = st.text(alphabet=st.characters(categories=("L",)), min_size=2, max_size=12)
_entries = st.builds(
    _FutureRegisterEntry,
    registration_number=st.from_regex(r"\A[0-9]{7}\Z", fullmatch=True),
    name=st.builds(lambda initial, surname: f"{initial}. {surname}", st.sampled_from("ABCDEFGH"), _names),
    roles=st.lists(st.sampled_from(["leerplichtambtenaar", "rmc_medewerker"]), min_size=1, max_size=2, unique=True),
    status=st.sampled_from(["registered", "reregistration_pending", "expired", "suspended", "struck_off"]),
    registered_since=st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 1, 1)),
    valid_until=st.none() | st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 1, 1)),
    email=st.builds(lambda user: f"{user}@geheim.example", _names),
    employer_name=st.builds(lambda name: f"Werkgever {name}", _names),
    hours_per_week=st.decimals(min_value=1, max_value=60, places=1),
    date_of_birth=st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 1, 1)),
)


@functools.cache
def _one_app() -> tuple[FakeRegistry, Litestar]:
    registry = FakeRegistry()
    return registry, make_registry_app(registry)


@settings(max_examples=40, deadline=None)
@given(entries=st.lists(_entries, min_size=1, max_size=4))
def test_only_public_fields_leave_the_gateway_whatever_the_registry_sends(entries: list[_FutureRegisterEntry]) -> None:
    registry, app = _one_app()
    registry.overrides[c.SearchRegister] = c.RegisterSearchResults(entries=list(entries))
    registry.overrides[c.GetRegisterEntry] = entries[0]
    with TestClient(app=app) as client:
        found = client.get("/api/v1/register", params={"q": "x"}).json()
        one = client.get(f"/api/v1/register/{entries[0].registration_number}").json()
        page = client.get("/register", params={"q": "x"}).text
    assert [set(entry) for entry in found["entries"]] == [PUBLIC_FIELDS] * len(entries)
    assert set(one) == PUBLIC_FIELDS
    for entry in entries:
        for private in (entry.email, entry.employer_name):
            assert private not in json.dumps(found) + json.dumps(one) + page
