"""Rendering pages: language negotiation, navigation and the shared layout context."""

from __future__ import annotations

from typing import Any, Final

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template

from gateway.i18n import LANGUAGE_COOKIE, LANGUAGE_QUERY, LANGUAGES, Translator, negotiate_language

NAVIGATION: Final = (
    ("nav.start", "/"),
    ("nav.portfolio", "/portfolio"),
    ("nav.register", "/register"),
    ("nav.faq", "/vragen"),
    ("nav.mine", "/mijn"),
)
LANGUAGE_COOKIE_MAX_AGE: Final = 365 * 24 * 3600


def request_language(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The page language and whether `?lang=` chose it (see `negotiate_language`)."""
    return negotiate_language(
        request.query_params.get(LANGUAGE_QUERY),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def page(request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any) -> Template:
    """Render `template` inside the site layout in the request's language."""
    lang, chosen_by_query = request_language(request)
    path = request.url.path
    cookies = (
        [Cookie(key=LANGUAGE_COOKIE, value=lang, max_age=LANGUAGE_COOKIE_MAX_AGE, samesite="lax", path="/")]
        if chosen_by_query
        else None
    )
    navigation = [
        {"label": key, "href": href, "current": path == href or (href != "/" and path.startswith(href + "/"))}
        for key, href in NAVIGATION
    ]
    languages = [
        {"code": code, "href": f"{path}?{LANGUAGE_QUERY}={code}", "current": code == lang} for code in LANGUAGES
    ]
    return Template(
        template_name=template,
        context={"lang": lang, "t": Translator(lang), "navigation": navigation, "languages": languages, **context},
        cookies=cookies,
        # The same URL renders in different languages, so shared caches must key on what chose it.
        headers={"Vary": "Cookie, Accept-Language"},
        status_code=status_code,
        media_type="text/html",
    )
