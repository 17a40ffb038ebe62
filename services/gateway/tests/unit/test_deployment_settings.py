"""Outside a local run the gateway refuses unsafe settings, sends Secure cookies only, and believes forwarded
headers from its trusted proxies alone."""

from __future__ import annotations

import base64

import pytest
from litestar.testing import AsyncTestClient

from gateway.app import UnsafeSettings, build_app
from gateway.domain.deployment import unsafe_settings
from lklr_shared.contracts import registry as c
from lklr_shared.kit.actor import DEV_SIGNING_SEED, generate_key_pair

from .conftest import make_settings
from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import csrf_for, make_registry_app

pytestmark = pytest.mark.unit

GOOD_KEY = "kT7v0qL3xN9pW2mZ8rB5cY1hJ6dF4sG0aE3uQ"
# An actor signing seed that is not the development one (generated once for these tests).
GOOD_SIGNING_KEY = generate_key_pair()[0]


@pytest.mark.parametrize(
    ("key", "dev_pages", "expected"),
    [
        ("", False, "not set"),
        ("kort-maar-echt", False, "shorter than 32"),
        ("dev-only-not-a-secret-change-me-please-0123456789", False, "placeholder"),
        ("CHANGE-ME-to-a-long-random-string-0123456789", False, "placeholder"),
        (GOOD_KEY, True, "GATEWAY_DEV_PAGES"),
    ],
)
def test_demo_switch_finding_production_refuses_known_short_or_placeholder_keys_and_dev_pages(
    key: str, dev_pages: bool, expected: str
) -> None:
    problems = unsafe_settings(
        environment="production", secret_key=key, dev_pages=dev_pages, actor_signing_key=GOOD_SIGNING_KEY
    )
    assert len(problems) == 1 and expected in problems[0]
    assert unsafe_settings(environment="local", secret_key=key, dev_pages=dev_pages, actor_signing_key="") == []
    with pytest.raises(UnsafeSettings, match="refuses to start"):
        build_app(
            make_settings(
                environment="production", secret_key=key, dev_pages=dev_pages, actor_signing_key=GOOD_SIGNING_KEY
            ),
            service_caller=FakeRegistry(),
        )


@pytest.mark.parametrize("signing_key", ["", base64.b64encode(DEV_SIGNING_SEED).decode()])
def test_services_finding_production_refuses_a_missing_or_development_actor_signing_key(signing_key: str) -> None:
    problems = unsafe_settings(
        environment="production", secret_key=GOOD_KEY, dev_pages=False, actor_signing_key=signing_key
    )
    assert len(problems) == 1 and "GATEWAY_ACTOR_SIGNING_KEY" in problems[0]


def test_production_is_the_default_and_starts_with_a_good_key() -> None:
    assert make_settings().environment == "local"  # the unit tests' own choice
    from gateway.settings import GatewaySettings

    assert GatewaySettings().environment == "production"
    build_app(
        make_settings(environment="production", secret_key=GOOD_KEY, actor_signing_key=GOOD_SIGNING_KEY),
        service_caller=FakeRegistry(),
    )


async def test_abuse_finding_cookies_are_secure_outside_local_runs_even_over_plain_http() -> None:
    registry = FakeRegistry()
    async with AsyncTestClient(
        app=make_registry_app(
            registry, environment="production", secret_key=GOOD_KEY, actor_signing_key=GOOD_SIGNING_KEY
        )
    ) as client:
        page = await client.get("/inloggen")
        cookies = page.headers.get_list("set-cookie")
        assert cookies and all("Secure" in cookie for cookie in cookies)
    async with AsyncTestClient(app=make_registry_app(registry)) as local:
        cookies = (await local.get("/inloggen")).headers.get_list("set-cookie")
        assert cookies and not any("Secure" in cookie for cookie in cookies)


@pytest.mark.parametrize(("trusted", "seen"), [(["127.0.0.1"], "testclient"), (["testclient"], "203.0.113.9")])
async def test_abuse_finding_forwarded_addresses_count_only_from_trusted_proxies(trusted: list[str], seen: str) -> None:
    registry = FakeRegistry()
    registry.add("jansen@example.nl", "A.", "Jansen")
    async with AsyncTestClient(app=make_registry_app(registry, trusted_proxies=trusted)) as client:
        token = await csrf_for(client)
        await client.post(
            "/inloggen",
            data={"csrf_token": token, "email": "jansen@example.nl", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
            follow_redirects=False,
        )
    (login,) = registry.of(c.Login)
    # The test client connects as "testclient": its X-Forwarded-For counts only when it is a trusted proxy.
    assert login.client_ip == seen
