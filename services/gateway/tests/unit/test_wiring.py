"""Settings, language negotiation and the default (broker) wiring without a broker."""

from __future__ import annotations

from decimal import Decimal

import pytest
from litestar.testing import AsyncTestClient

from gateway.app import build_app
from gateway.i18n import Translator, negotiate_language
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit


def test_settings_come_from_gateway_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "8123")
    monkeypatch.setenv("GATEWAY_AMQP_URL", "amqp://u:p@broker:5672/")
    monkeypatch.setenv("GATEWAY_SERVICES", '["registry"]')
    settings = GatewaySettings()
    assert settings.port == 8123
    assert settings.host == "127.0.0.1"
    assert settings.amqp_url == "amqp://u:p@broker:5672/"
    assert settings.services == ["registry"]


def test_default_services_are_the_four_backends() -> None:
    assert GatewaySettings().services == ["registry", "portfolio", "accreditation", "audit"]


@pytest.mark.parametrize(
    ("query", "cookie", "expected"),
    [
        ("en", "nl", ("en", True)),
        (None, "en", ("en", False)),
        ("xx", "en", ("en", False)),
        ("xx", None, ("nl", False)),
        (None, None, ("nl", False)),
    ],
)
def test_language_is_chosen_by_query_then_cookie_then_dutch(
    query: str | None, cookie: str | None, expected: tuple[str, bool]
) -> None:
    assert negotiate_language(query, cookie) == expected


def test_numbers_use_the_decimal_separator_of_the_language() -> None:
    assert Translator("nl").number(Decimal("1.5")) == "1,5"
    assert Translator("en").number(Decimal("1.50")) == "1.5"
    assert Translator("nl").number(Decimal("160")) == "160"
    assert Translator("nl").integer(12345) == "12.345"
    assert Translator("en").integer(12345) == "12,345"


async def test_without_a_broker_the_default_wiring_still_serves_pages_and_reports_not_ready() -> None:
    # Nothing listens on port 1: the connection is refused at once. Building the app must not connect at all.
    settings = GatewaySettings(
        amqp_url="amqp://guest:guest@127.0.0.1:1/", secret_key="x", services=["registry"], environment="local"
    )
    app = build_app(settings)
    async with AsyncTestClient(app=app) as client:
        start = await client.get("/")
        ready = await client.get("/readyz")
        api = await client.get("/api/v1/statistics")
    assert start.status_code == 200
    assert "niet beschikbaar" in start.text
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["broker"]["status"] == "failing"
    assert checks["registry"]["status"] == "failing"
    assert api.status_code == 503
    assert api.json()["code"] == "service_unavailable"
