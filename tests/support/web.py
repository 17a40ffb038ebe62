"""A browser-like HTTP client for end-to-end tests of the pages: keeps cookies, reads the CSRF field of a page,
signs in through the login form (with the TOTP step for staff)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pyotp

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class WebUser:
    """One visitor with their own cookies (`async with WebUser(url) as user: ...`)."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=15, follow_redirects=False)

    async def __aenter__(self) -> WebUser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def csrf(self, path: str = "/inloggen") -> str:
        return csrf_from((await self.client.get(path)).text)

    async def post_form(self, path: str, data: dict[str, str], *, csrf_page: str = "/inloggen") -> httpx.Response:
        """POST a form with the CSRF token of `csrf_page` (a page this visitor may see)."""
        return await self.client.post(path, data={"csrf_token": await self.csrf(csrf_page), **data})

    async def sign_in(self, email: str, password: str, *, totp_secret: str | None = None) -> httpx.Response:
        response = await self.post_form("/inloggen", {"email": email, "password": password})
        if totp_secret is not None:
            assert response.status_code == 200 and 'name="totp_code"' in response.text, response.text[:500]
            response = await self.client.post(
                "/inloggen",
                data={
                    "csrf_token": csrf_from(response.text),
                    "email": email,
                    "password": password,
                    "step": "totp",
                    "totp_code": fresh_totp(totp_secret),
                },
            )
        assert response.status_code == 303, f"sign-in failed ({response.status_code}): {response.text[:500]}"
        return response


_used: dict[str, set[str]] = {}


def fresh_totp(secret: str) -> str:
    """A TOTP code not used before in this test session (the registry accepts each code once, with one step of
    drift): the current one, else the next one."""
    used = _used.setdefault(secret, set())
    totp = pyotp.TOTP(secret)
    now = time.time()
    for at in (now, now + 30):
        code = totp.at(at)
        if code not in used:
            used.add(code)
            return code
    time.sleep(30 - now % 30 + 0.5)
    return fresh_totp(secret)
