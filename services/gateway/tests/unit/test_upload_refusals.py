"""Multipart bodies of anonymous or CSRF-less requests are refused before a byte of them is read.

Driven at the ASGI level with a `receive` that counts the chunks the gateway pulls: a refusal must come with none
pulled (a large upload is never parsed, spooled or streamed for a request that was never going to be served).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import portfolio as p

from .portfolio_fake import PDF, PortfolioWorld, jansen_world
from .registry_fake import PASSWORD
from .web_helpers import client_fixture, csrf_from, sign_in

pytestmark = pytest.mark.unit

BOUNDARY = "lklr-test-boundary"
CHUNK = 64 * 1024
FILE_CHUNKS = 128  # 8 MiB of evidence
A2_FIELDS = {
    "category": "A2",
    "title": "Intervisie",
    "completion_date": "2025-05-20",
    "a2_type": "collegial_feedback",
    "quantity": "2",
}


def _multipart_chunks(fields: dict[str, str]) -> list[bytes]:
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="groot.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = [head + PDF[:9] + b"x" * (CHUNK - 9)] + [b"x" * CHUNK] * (FILE_CHUNKS - 1)
    return [*body, f"\r\n--{BOUNDARY}--\r\n".encode()]


@dataclass
class Exchange:
    """What the app pulled from the request and what it answered."""

    chunks: list[bytes]
    pulled: int = 0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


async def _post(
    app: Litestar, path: str, chunks: list[bytes], *, query: str = "", headers: dict[str, str] | None = None
) -> Exchange:
    exchange = Exchange(chunks)
    total = sum(len(chunk) for chunk in chunks)
    raw_headers = [
        (b"host", b"testserver"),
        (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
        (b"content-length", str(total).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def receive() -> dict[str, Any]:
        if exchange.pulled < len(chunks):
            exchange.pulled += 1
            return {
                "type": "http.request",
                "body": chunks[exchange.pulled - 1],
                "more_body": exchange.pulled < len(chunks),
            }
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = {name.decode(): value.decode() for name, value in message["headers"]}

    await app(scope, receive, send)  # type: ignore[arg-type]
    return exchange


@pytest.fixture
def world() -> PortfolioWorld:
    return jansen_world()


client = client_fixture("world")


def _cookie_header(client: AsyncTestClient[Litestar]) -> dict[str, str]:
    return {"cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items())}


async def test_inputs_finding_anonymous_multipart_page_post_is_refused_unread(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    exchange = await _post(client.app, "/portfolio/nieuw", _multipart_chunks(A2_FIELDS))
    assert exchange.status == 303
    assert exchange.headers["location"].startswith("/inloggen")
    assert exchange.pulled == 0, "the body of an anonymous request was read"
    assert world.portfolio.of(p.BeginEvidenceUpload) == []


async def test_inputs_finding_multipart_page_post_with_the_token_only_in_the_body_is_refused_unread(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = csrf_from((await client.get("/portfolio/nieuw")).text)
    chunks = _multipart_chunks({"csrf_token": token, **A2_FIELDS})
    exchange = await _post(client.app, "/portfolio/nieuw", chunks, headers=_cookie_header(client))
    assert exchange.status == 403
    assert exchange.pulled == 0, "the body was parsed to look for the CSRF field"
    assert world.portfolio.of(p.BeginEvidenceUpload) == []


async def test_inputs_finding_multipart_page_post_with_a_wrong_token_in_the_query_is_refused_unread(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    exchange = await _post(
        client.app,
        "/portfolio/nieuw",
        _multipart_chunks(A2_FIELDS),
        query="csrf_token=not-the-token",
        headers=_cookie_header(client),
    )
    assert exchange.status == 403
    assert exchange.pulled == 0


async def test_multipart_page_post_with_the_token_in_its_action_url_is_streamed_and_recorded(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = (await client.get("/portfolio/nieuw")).text
    token = csrf_from(page)
    # The page's form posts to the URL that carries the token, so the browser sends it where it is checked.
    assert f'action="/portfolio/nieuw?csrf_token={token}"' in page
    chunks = _multipart_chunks(A2_FIELDS)
    exchange = await _post(
        client.app, "/portfolio/nieuw", chunks, query=f"csrf_token={token}", headers=_cookie_header(client)
    )
    assert exchange.status == 303, exchange
    assert exchange.pulled == len(chunks)
    assert len(world.portfolio.of(p.RecordActivity)) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic amFuc2VuOnB3"])
async def test_inputs_finding_api_multipart_without_a_valid_bearer_token_is_refused_unread(
    client: AsyncTestClient[Litestar], world: PortfolioWorld, authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    exchange = await _post(client.app, "/api/v1/me/activities", _multipart_chunks(A2_FIELDS), headers=headers)
    assert exchange.status == 401
    assert exchange.pulled == 0
    assert world.portfolio.of(p.BeginEvidenceUpload) == []


async def test_the_upload_forms_carry_the_csrf_token_in_their_action(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = (await client.get("/portfolio/nieuw")).text
    token = csrf_from(page)
    assert f"?csrf_token={token}" in page
    # Switching language from a page that was posted to such a URL does not put the token in a link.
    posted_page = (await client.get("/portfolio/nieuw", params={"csrf_token": token})).text
    assert "lang=en" in posted_page
    assert f"csrf_token={token}&amp;lang" not in posted_page
