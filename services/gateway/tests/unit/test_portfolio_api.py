"""The professional's portfolio API (/api/v1/me/...) against a fake registry and portfolio: bearer tokens, the
streamed multipart upload with its 413/415 answers, confirm and dispute, and the OpenAPI document."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import portfolio as p

from .portfolio_fake import CHUNK, MAX_BYTES, PDF, PortfolioWorld, jansen_world
from .registry_fake import PASSWORD, FakeAccount
from .web_helpers import client_fixture

pytestmark = pytest.mark.unit

ROUTES = [
    ("GET", "/api/v1/me/portfolio"),
    ("POST", "/api/v1/me/activities"),
    ("POST", f"/api/v1/me/activities/{uuid.UUID(int=1)}/confirm"),
    ("POST", f"/api/v1/me/activities/{uuid.UUID(int=2)}/dispute"),
]
FIELDS = {
    "category": "A2",
    "title": "Presentatie op de regiodag",
    "completion_date": "2025-05-01",
    "a2_type": "presentation",
    "quantity": "1",
}


@pytest.fixture
def world() -> PortfolioWorld:
    world = jansen_world()
    world.registry.add("smit@example.nl", "F.", "Smit")
    return world


@pytest.fixture
def jansen(world: PortfolioWorld) -> FakeAccount:
    return world.registry.accounts["jansen@example.nl"]


client = client_fixture("world")


async def _token(client: AsyncTestClient[Litestar], email: str = "jansen@example.nl") -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _pdf(size: int) -> bytes:
    return PDF[:9] + b"x" * (size - 9)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_without_a_token_is_401_with_a_bearer_challenge(
    client: AsyncTestClient[Litestar], world: PortfolioWorld, method: str, path: str
) -> None:
    response = await client.request(method, path)
    _problem(response, 401, "missing_token")
    assert response.headers["www-authenticate"] == 'Bearer realm="LKLR"'
    bad = await client.request(method, path, headers={"Authorization": "Bearer not-a-token"})
    _problem(bad, 401, "invalid_token")
    assert world.portfolio.requests == []


async def test_the_portfolio_lists_progress_and_activities(
    client: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen, points="7.5")
    response = await client.get("/api/v1/me/portfolio", headers=await _token(client))
    assert response.status_code == 200
    body = response.json()
    assert body["registration_number"] == "0000013"
    assert [c["constraint"] for c in body["progress"]["constraints"]] == ["total", "accredited", "a2"]
    assert body["progress"]["constraints"][0]["earned"] == 7.5
    assert body["progress"]["days_left"] == 1825
    (activity,) = body["activities"]
    assert (activity["activity_id"], activity["points"], activity["is_new"], activity["awaiting_check"]) == (
        str(placed.activity_id),
        7.5,
        True,
        True,
    )
    (query,) = world.portfolio.of(p.GetPortfolio)
    assert (query.include_svg, query.actor.origin.startswith("api")) == (False, True)
    assert world.portfolio.of(p.MarkPortfolioSeen) == []  # reading by API does not mark entries seen


async def test_an_account_without_a_registration_gets_404(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/me/portfolio", headers=await _token(client, "smit@example.nl"))
    _problem(response, 404, "not_registered")


async def test_an_activity_with_evidence_is_streamed_in_chunks_and_recorded(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    evidence = _pdf(2 * CHUNK + 5)
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        data=FIELDS,
        files=[("evidence", ("dia's.pdf", evidence, "application/pdf"))],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["category"], body["points"], body["state"]) == ("A2", 5.0, "to_be_checked")
    assert [file["filename"] for file in body["evidence"]] == ["dia's.pdf"]
    # Streamed: never more than one chunk per message, and no size known up front.
    assert world.portfolio.chunk_sizes() == [CHUNK, CHUNK, 5]
    (begin,) = world.portfolio.of(p.BeginEvidenceUpload)
    assert begin.declared_size is None
    (record,) = world.portfolio.of(p.RecordActivity)
    assert record.activity.quantity == Decimal(1)
    assert [str(i) for i in record.evidence_ids] == [body["evidence"][0]["evidence_id"]]


async def test_a_file_of_10_mib_and_one_byte_is_413_and_nothing_is_recorded(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        data=FIELDS,
        files=[("evidence", ("groot.pdf", _pdf(MAX_BYTES + 1), "application/pdf"))],
    )
    _problem(response, 413, "evidence_too_large")
    assert max(world.portfolio.chunk_sizes()) <= CHUNK
    assert sum(world.portfolio.chunk_sizes()) == MAX_BYTES + 1  # the crossing chunk was refused by the service
    assert world.portfolio.of(p.RecordActivity) == []


async def test_a_file_of_exactly_10_mib_is_accepted(client: AsyncTestClient[Litestar], world: PortfolioWorld) -> None:
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        data=FIELDS,
        files=[("evidence", ("precies.pdf", _pdf(MAX_BYTES), "application/pdf"))],
    )
    assert response.status_code == 201, response.text


async def test_a_file_that_is_not_pdf_jpeg_png_or_docx_is_415(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        data=FIELDS,
        files=[("evidence", ("script.pdf", b"#!/bin/sh\necho hi\n", "application/pdf"))],
    )
    _problem(response, 415, "unsupported_evidence_type")
    assert world.portfolio.of(p.RecordActivity) == []


async def test_missing_fields_are_422_with_a_problem_per_field(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await client.post(
        "/api/v1/me/activities", headers=await _token(client), files=[("category", (None, "A3"))]
    )
    body = _problem(response, 422, "invalid_activity")
    assert {(e["field"], e["code"]) for e in body["problems"]} == {
        ("category", "category_required"),
        ("title", "title_required"),
        ("completion_date", "date_invalid"),
    }


async def test_the_services_rule_breaks_keep_their_status_and_code(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        files=[(name, (None, value)) for name, value in {**FIELDS, "a2_type": "juggling"}.items()],
    )
    _problem(response, 422, "unknown_a2_type")


async def test_a_body_that_is_not_multipart_is_415(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/v1/me/activities", headers=await _token(client), json=FIELDS)
    _problem(response, 415, "multipart_required")


async def test_confirm_and_dispute_act_on_the_tokens_own_entries(
    client: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    headers = await _token(client)
    first, second = world.portfolio.place(jansen), world.portfolio.place(jansen, title="Tweede cursus")
    confirmed = await client.post(f"/api/v1/me/activities/{first.activity_id}/confirm", headers=headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "confirmed"
    disputed = await client.post(
        f"/api/v1/me/activities/{second.activity_id}/dispute", headers=headers, json={"reason": "Niet geweest."}
    )
    assert disputed.status_code == 200
    assert (disputed.json()["state"], disputed.json()["state_reason"]) == ("disputed", "Niet geweest.")
    (dispute,) = world.portfolio.of(p.DisputeActivity)
    assert (dispute.person_id, dispute.reason) == (jansen.account_id, "Niet geweest.")
    again = await client.post(f"/api/v1/me/activities/{first.activity_id}/confirm", headers=headers)
    _problem(again, 409, "already_confirmed")
    unknown = await client.post(f"/api/v1/me/activities/{uuid.uuid4()}/confirm", headers=headers)
    _problem(unknown, 404, "activity_not_found")


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "   "}])
async def test_a_dispute_without_a_reason_is_422(
    client: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount, body: dict[str, str] | None
) -> None:
    placed = world.portfolio.place(jansen)
    response = await client.post(
        f"/api/v1/me/activities/{placed.activity_id}/dispute", headers=await _token(client), json=body
    )
    _problem(response, 422, "reason_required")
    assert world.portfolio.of(p.DisputeActivity) == []


async def test_the_openapi_document_describes_the_portfolio_api(client: AsyncTestClient[Litestar]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    assert {"/api/v1/me/portfolio", "/api/v1/me/activities"} <= set(paths)
    upload = paths["/api/v1/me/activities"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["evidence"]["items"]["format"] == "binary"
    assert set(form["required"]) == {"category", "title", "completion_date"}
    assert {"201", "401", "413", "415", "422"} <= set(upload["responses"])
    dispute = paths["/api/v1/me/activities/{activity_id}/dispute"]["post"]
    assert "422" in dispute["responses"]
    assert upload["security"] == [{"accountToken": []}]


async def test_inputs_finding_storage_quota_exceeded_is_413_with_its_code(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    world.portfolio.quota_bytes = 2 * CHUNK
    response = await client.post(
        "/api/v1/me/activities",
        headers=await _token(client),
        data=FIELDS,
        files=[("evidence", ("groot.pdf", _pdf(3 * CHUNK), "application/pdf"))],
    )
    _problem(response, 413, "storage_quota_exceeded")
    assert world.portfolio.of(p.RecordActivity) == []
