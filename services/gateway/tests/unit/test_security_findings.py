"""Findings of the security review of the gateway's headers, error answers, access log and links."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.web.access_log import configure_access_log
from lklr_shared.contracts.system import Pong
from lklr_shared.errors import RpcError
from lklr_shared.kit.health import HealthServer
from lklr_shared.kit.rpc import ServiceTimeout, ServiceUnavailable

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit

# Responses of every kind: a page, the API, a static file, a page 404, an API 404 and an error page.
EVERY_KIND = ["/", "/api/v1/statistics", "/static/lklr.css", "/bestaat-niet", "/api/v1/bestaat-niet", "/readyz"]


def _csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize("path", EVERY_KIND)
async def test_headers_finding_every_response_carries_the_security_headers(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    response = await client.get(path)
    csp = _csp_directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert csp[directive] == ["'self'"], "no inline script or style, no other origin"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_headers_finding_error_pages_carry_the_security_headers() -> None:
    app = make_app(FakeCaller(statistics=RpcError("boom", "internal", 500)))
    async with AsyncTestClient(app=app) as client:
        page = await client.get("/api/v1/statistics")
    assert page.status_code == 500
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_headers_finding_local_runs_send_no_strict_transport_security() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller(), hsts_max_age_seconds=0)) as client:
        response = await client.get("/")
    assert "strict-transport-security" not in response.headers
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize("path", ["/", "/portfolio", "/register", "/vragen", "/inloggen", "/asyncapi", "/nergens"])
async def test_headers_finding_pages_have_no_inline_script_or_style(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    html = (await client.get(path)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> is blocked by the policy"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attributes are blocked by the policy"
    assert not re.search(r"\son[a-z]+=", html), "event handler attributes are blocked by the policy"


async def test_errors_finding_5xx_problem_bodies_carry_no_service_message(caplog: pytest.LogCaptureFixture) -> None:
    secret = "registry has no request queue lklr-test.registry.rpc on amqp://10.0.0.7"
    async with AsyncTestClient(app=make_app(FakeCaller(statistics=ServiceUnavailable(secret)))) as client:
        response = await client.get("/api/v1/statistics")
    assert response.status_code == 503
    assert "request queue" not in response.text
    assert "10.0.0.7" not in response.text
    assert response.json()["code"] == "service_unavailable"
    # The operator still finds it, with the path it concerned.
    assert secret in caplog.text
    assert "/api/v1/statistics" in caplog.text


async def test_errors_finding_5xx_of_an_unexpected_kind_carries_no_service_message() -> None:
    failure = RpcError("internal", "KeyError: 'person_id' in portfolio.service_layer.views", 500)
    async with AsyncTestClient(app=make_app(FakeCaller(statistics=failure))) as client:
        response = await client.get("/api/v1/statistics", headers={"Accept": "application/json"})
        page = await client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert "KeyError" not in response.text
    assert "KeyError" not in page.text


async def test_errors_finding_readyz_names_failing_checks_without_their_reasons(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class DisconnectedCaller(FakeCaller):
        async def broker_ok(self) -> tuple[bool, str]:
            return False, "cannot connect: ConnectionRefusedError(111, 'amqp://lklr@10.0.0.7:5672')"

    caller = DisconnectedCaller(
        ping={
            "registry": ServiceTimeout("registry did not answer system.Ping within 2.0s"),
            "portfolio": Pong(service="portfolio", database_ok=False, broker_ok=True),
        }
    )
    async with AsyncTestClient(app=make_app(caller, services=["registry", "portfolio"])) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "broker": {"status": "failing"},
        "registry": {"status": "failing"},
        "portfolio": {"status": "failing"},
    }
    assert "ConnectionRefused" not in response.text
    assert "ConnectionRefusedError" in caplog.text
    assert "did not answer" in caplog.text


async def test_errors_finding_service_health_probe_logs_exceptions_but_does_not_show_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def database() -> bool:
        raise OSError("could not connect to postgresql://portfolio:secret@10.0.0.8/portfolio")

    async def broker() -> bool:
        return True

    server = HealthServer("portfolio", {"database": database, "broker": broker}, "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{server.port}/readyz")
    finally:
        await server.stop()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing", "broker": "ok"}
    assert "secret" not in response.text
    assert "could not connect" in caplog.text


async def test_access_log_finding_query_strings_are_not_logged(
    caplog: pytest.LogCaptureFixture, eventually: Any
) -> None:
    """A real uvicorn server with the gateway's access log set-up: the reset token in the query stays out."""
    configure_access_log()

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        assert scope["type"] in ("http", "lifespan")
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
            await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=10, message="uvicorn did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            async with httpx.AsyncClient() as http:
                await http.get(f"http://127.0.0.1:{port}/wachtwoord-herstellen?token=s3cr3t-reset-token&lang=en")
    finally:
        server.should_exit = True
        await serving
    access = [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]
    assert access, "uvicorn logged no access line"
    assert any("GET /wachtwoord-herstellen HTTP/1.1" in line for line in access)
    assert not any("s3cr3t" in line or "?" in line for line in access)


async def test_links_finding_404_language_links_stay_on_this_site(client: AsyncTestClient[Litestar]) -> None:
    for path in ("//evil.example/x", "///evil.example/x", "/\\evil.example/x", "/%5Cevil.example/x"):
        response = await client.get(f"http://testserver.local{path}")
        assert response.status_code == 404
        links = re.findall(r'href="([^"]*lang=[^"]*)"', response.text)
        assert len(links) == 2, path
        for link in links:
            # A path on this site, never `//evil.example/...` (another site to a browser).
            assert link.startswith("/evil.example/x?"), (path, link)


async def test_links_finding_language_links_keep_the_path_and_query(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/wachtwoord-herstellen/nergens", params={"token": "abc def"})
    assert 'href="/wachtwoord-herstellen/nergens?token=abc+def&amp;lang=en"' in response.text
