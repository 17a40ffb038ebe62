"""Security headers on every response the gateway sends: pages, the API, static files, errors and 404s.

Set in a Litestar `before_send` hook rather than in a route middleware: route middleware does not run for a path
no route matches (a 404) nor for errors raised before the handler, and those responses need the headers as much.

- `Content-Security-Policy`: only this site's own scripts, styles, images and forms; no inline script or style
  (the templates carry none, so an injected `<script>` or `style=` does nothing), no plugins, and no framing by
  another site (`frame-ancestors 'none'`, with `X-Frame-Options: DENY` for browsers that predate it). SVG
  presentation attributes (`width` on a `rect`) are not styles, so the charts and the statistics bar draw.
- `Referrer-Policy: strict-origin-when-cross-origin`: links to other sites never carry a path with a token.
- `X-Content-Type-Options: nosniff`: a stored file is never run as the script or page a browser guesses it is.
- `Strict-Transport-Security` unless the settings turn it off (local runs over plain http; browsers ignore it
  over http anyway, but a local run should not pin 127.0.0.1 to https for a year).

A header the handler set itself wins (a download may choose a stricter policy).
"""

from __future__ import annotations

from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
REFERRER_POLICY: Final = "strict-origin-when-cross-origin"


class SecurityHeaders:
    """A `before_send` hook: `Litestar(before_send=[SecurityHeaders(hsts_max_age=...)])`; 0 sends no HSTS."""

    def __init__(self, *, hsts_max_age: int) -> None:
        headers = {
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "referrer-policy": REFERRER_POLICY,
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
        }
        if hsts_max_age > 0:
            headers["strict-transport-security"] = f"max-age={hsts_max_age}; includeSubDomains"
        self._headers: Final = tuple(headers.items())

    async def __call__(self, message: Message, _scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in self._headers:
            if name not in headers:
                headers[name] = value


__all__ = ["CONTENT_SECURITY_POLICY", "REFERRER_POLICY", "SecurityHeaders"]
