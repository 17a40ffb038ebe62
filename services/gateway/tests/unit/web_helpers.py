"""Helpers for tests that drive the pages like a browser: read the CSRF field, sign in through the login form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.app import build_app

from .conftest import make_settings
from .registry_fake import TOTP, FakeRegistry

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_registry_app(registry: FakeRegistry, *, today: date = date(2025, 6, 1), **overrides: Any) -> Litestar:
    # No session cache: each test decides what the registry says, and sees it at once.
    settings = make_settings(**{"session_cache_seconds": 0, **overrides})
    return build_app(settings, service_caller=registry, today=lambda: today)


def client_fixture(backend: str, **app_options: Any) -> Callable[..., AsyncIterator[AsyncTestClient[Litestar]]]:
    """A module's `client` fixture: a test client of the gateway app on the fake services of the fixture named
    `backend` (a `FakeRegistry` or one of the worlds built on it), with `app_options` for `make_registry_app`."""

    @pytest.fixture(name="client")
    async def client(request: pytest.FixtureRequest) -> AsyncIterator[AsyncTestClient[Litestar]]:
        async with AsyncTestClient(
            app=make_registry_app(request.getfixturevalue(backend), **app_options)
        ) as test_client:
            yield test_client

    return client


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def csrf_for(client: AsyncTestClient[Litestar], path: str = "/inloggen") -> str:
    return csrf_from((await client.get(path)).text)


async def sign_in(client: AsyncTestClient[Litestar], email: str, password: str, *, staff: bool = False) -> Any:
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen", data={"csrf_token": token, "email": email, "password": password}, follow_redirects=False
    )
    if staff:
        token = csrf_from(response.text)
        response = await client.post(
            "/inloggen",
            data={"csrf_token": token, "email": email, "password": password, "step": "totp", "totp_code": TOTP},
            follow_redirects=False,
        )
    assert response.status_code == 303, response.text
    return response
