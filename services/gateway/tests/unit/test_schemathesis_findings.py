"""What schemathesis found running against the gateway (tests/security/test_schemathesis.py), each held here without
a running system: the answer and the OpenAPI document agree, and bad input is a 4xx, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_contracts

from .portfolio_fake import PDF, PortfolioWorld
from .provider_fakes import COURSE_ID, FakeAccreditation, bearer, make_provider_app
from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import make_registry_app

pytestmark = pytest.mark.unit

PROBLEM_JSON = "application/problem+json"


async def _provider_call(method: str, path: str, **kwargs: Any) -> tuple[Any, FakeAccreditation]:
    fake = FakeAccreditation()
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        return await client.request(method, path, **kwargs), fake


async def test_schemathesis_finding_a_405_says_which_methods_the_resource_has() -> None:
    response, _ = await _provider_call("TRACE", "/api/v1/statistics")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "GET" in {method.strip() for method in response.headers["allow"].split(",")}


async def test_schemathesis_finding_options_lists_every_method_of_the_path() -> None:
    response, _ = await _provider_call("OPTIONS", "/api/v1/provider/courses", headers=bearer())
    assert response.status_code == 204
    assert {method.strip() for method in response.headers["allow"].split(",")} == {"GET", "POST", "OPTIONS"}


async def test_schemathesis_finding_every_error_answer_is_documented_as_problem_json() -> None:
    response, _ = await _provider_call("GET", "/schema/openapi.json")
    undocumented = []
    for path, operations in response.json()["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                if status[0] in "45" and set(answer.get("content") or {}) != {PROBLEM_JSON}:
                    undocumented.append(f"{method.upper()} {path} {status}: {sorted(answer.get('content') or {})}")
    assert undocumented == []


async def test_schemathesis_finding_a_huge_catalogue_offset_is_400_not_a_database_error() -> None:
    response, fake = await _provider_call("GET", "/api/v1/courses", params={"offset": str(10**20)})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert fake.requests(contracts.SearchCatalogue) == []


@pytest.mark.parametrize("start_date", [0, 1700000000, "1700000000", "2025-06-01T00:00:00"])
async def test_schemathesis_finding_an_edition_date_that_is_not_an_iso_date_is_400(start_date: Any) -> None:
    response, fake = await _provider_call(
        "POST",
        f"/api/v1/provider/courses/{COURSE_ID}/editions",
        json={"start_date": start_date, "end_date": "2025-06-02", "location": "Utrecht"},
        headers=bearer(),
    )
    assert response.status_code == 400, response.text
    assert fake.requests(contracts.AddEdition) == []


@pytest.fixture
async def register_client() -> Any:
    registry = FakeRegistry()
    async with AsyncTestClient(app=make_registry_app(registry)) as client:
        yield client, registry


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/register", {"q": "Jan\x00sen"}),
        ("/api/v1/register", {"q": "Jan\x1bsen"}),
        ("/api/v1/register/12", {}),
        ("/api/v1/register/000001%D9%A0", {}),
    ],
)
async def test_schemathesis_finding_the_register_refuses_control_characters_and_malformed_numbers(
    register_client: tuple[AsyncTestClient[Litestar], FakeRegistry], path: str, params: dict[str, str]
) -> None:
    client, registry = register_client
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert registry.of(registry_contracts.SearchRegister) == []
    assert registry.of(registry_contracts.GetRegisterEntry) == []


async def test_schemathesis_finding_the_dispute_reason_is_documented_as_required() -> None:
    response, _ = await _provider_call("GET", "/schema/openapi.json")
    operation = response.json()["paths"]["/api/v1/me/activities/{activity_id}/dispute"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["reason"]
    assert schema["properties"]["reason"]["pattern"]


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "schemathesis-finding"
    chunks = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("filename", [None, "bewijs.pdf"])
async def test_schemathesis_finding_more_evidence_parts_than_documented_are_413(filename: str | None) -> None:
    world = PortfolioWorld()
    jansen = world.registry.add("jansen@example.nl", "A.", "Jansen")
    world.registry.register(jansen, "0000013")
    fields = {"category": "A2", "title": "Presentatie", "completion_date": "2025-05-01", "a2_type": "presentation"}
    parts: list[tuple[str, str | None, bytes]] = [(name, None, value.encode()) for name, value in fields.items()]
    parts += [("evidence", filename, PDF)] * 6
    body, content_type = _multipart(parts)
    async with AsyncTestClient(app=make_registry_app(world)) as client:  # type: ignore[arg-type]
        token = await client.post("/api/v1/auth/token", json={"email": "jansen@example.nl", "password": PASSWORD})
        response = await client.post(
            "/api/v1/me/activities",
            content=body,
            headers={"Content-Type": content_type, "Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "too_many_files"
