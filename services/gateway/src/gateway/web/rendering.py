"""Rendering pages: language negotiation, navigation and the shared layout context."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template
from markupsafe import Markup, escape

from gateway.domain.web_security import site_path
from gateway.i18n import LANGUAGE_COOKIE, LANGUAGE_QUERY, LANGUAGES, Translator, negotiate_language
from gateway.web.request_ids import request_id_field
from gateway.web.web_session import CSRF_FIELD, web_state
from lklr_shared.contracts.registry import AccountRole

NAVIGATION: Final = (
    ("nav.start", "/"),
    ("nav.portfolio", "/portfolio"),
    ("nav.register", "/register"),
    ("nav.catalogue", "/opleidingen"),
    ("nav.audit_statistics", "/statistieken/audit"),
    ("nav.faq", "/vragen"),
    ("nav.mine", "/mijn"),
)
LANGUAGE_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
# The staff workspaces linked from the header, for accounts with the role (the pages check the role themselves).
ROLE_LINKS: Final[tuple[tuple[AccountRole, str, str], ...]] = (
    ("office", "nav.office", "/beheer/aanvragen"),
    ("accreditation_committee", "nav.committee", "/commissie"),
    ("assessment_committee", "nav.review", "/beoordeling"),
    ("administrator", "nav.admin", "/beheer/accounts"),
)


def request_language(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The page language and whether `?lang=` chose it (see `negotiate_language`)."""
    return negotiate_language(
        request.query_params.get(LANGUAGE_QUERY),
        request.cookies.get(LANGUAGE_COOKIE),
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
    # Switching language keeps the rest of the query (a search, or the token of a link from an e-mail).
    # Not the CSRF token a file form carries in its action URL: a link is no place for it.
    kept = [
        (key, value) for key, value in request.query_params.multi_items() if key not in (LANGUAGE_QUERY, CSRF_FIELD)
    ]
    languages = [
        {
            "code": code,
            "href": f"{site_path(path)}?{urlencode([*kept, (LANGUAGE_QUERY, code)])}",
            "current": code == lang,
        }
        for code in LANGUAGES
    ]
    web = web_state(request)
    layout = {
        "lang": lang,
        "t": Translator(lang),
        "navigation": navigation,
        "languages": languages,
        # Who is signed in (None for visitors) and the CSRF field every POST form must carry.
        "account": web.account,
        "is_office": web.has_role("office"),
        "role_links": [{"label": label, "href": href} for role, label, href in ROLE_LINKS if web.has_role(role)],
        "csrf_token": web.csrf_token,
        "csrf_field": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(web.csrf_token)}">'),
        # Forms that create something carry one (a new id at each call: a page may list many such forms); posted
        # twice, such a form creates one thing (see request_ids).
        "request_id_field": request_id_field,
    }
    return Template(
        template_name=template,
        context={**layout, **context},
        cookies=cookies,
        # The same URL renders in different languages, so shared caches must key on what chose it.
        headers={"Vary": "Cookie"},
        status_code=status_code,
        media_type="text/html",
    )
