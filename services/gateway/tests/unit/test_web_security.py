"""Sessions, cookies, CSRF and guards of the web pages (the gateway's part, with a fake registry)."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.domain import web_security
from gateway.service_layer.sessions import AccountAuthenticator
from gateway.web.web_session import CSRF_COOKIE, SESSION_COOKIE
from lklr_shared.contracts import registry as c

from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import client_fixture, csrf_for, csrf_from, make_registry_app, sign_in

pytestmark = pytest.mark.unit
SECRET = "test-secret"


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    registry.add("jansen@example.nl", "A.", "Jansen")
    registry.add("beheer@example.nl", "L.", "Meijer", "office")
    return registry


client = client_fixture("registry")


def _set_cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    headers = [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}=")]
    assert headers, f"no Set-Cookie for {name}"
    return headers[-1]


# --- Signing rules ---------------------------------------------------------------------------------------------


def test_a_signed_value_reads_back_only_with_the_same_secret_and_purpose() -> None:
    signed = web_security.sign(SECRET, "a", "token-123")
    assert web_security.unsign(SECRET, "a", signed) == "token-123"
    assert web_security.unsign("other-secret", "a", signed) is None
    assert web_security.unsign(SECRET, "b", signed) is None


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "!!!.???", "x" * 600, None])
def test_garbage_never_unsigns(garbage: str | None) -> None:
    assert web_security.unsign(SECRET, "a", garbage) is None


def test_changing_any_character_of_a_signed_value_breaks_it() -> None:
    signed = web_security.sign(SECRET, "a", "token-123")
    for index in range(len(signed)):
        if signed[index] == ".":
            continue
        changed = signed[:index] + ("A" if signed[index] != "A" else "B") + signed[index + 1 :]
        assert web_security.unsign(SECRET, "a", changed) != "token-123" or changed == signed


def test_the_csrf_token_is_bound_to_the_nonce_and_the_session() -> None:
    token = web_security.csrf_token(SECRET, "nonce", "session-1")
    assert web_security.csrf_token_matches(SECRET, "nonce", "session-1", token)
    assert not web_security.csrf_token_matches(SECRET, "nonce", "session-2", token)
    assert not web_security.csrf_token_matches(SECRET, "nonce", None, token)
    assert not web_security.csrf_token_matches(SECRET, "other", "session-1", token)
    assert not web_security.csrf_token_matches(SECRET, "nonce", "session-1", None)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/mijn/aanvraag", "/mijn/aanvraag"),
        ("/register?q=Jansen", "/register?q=Jansen"),
        ("https://evil.example/", "/mijn"),
        ("//evil.example/", "/mijn"),
        ("/\\evil.example", "/mijn"),
        ("javascript:alert(1)", "/mijn"),
        ("", "/mijn"),
        (None, "/mijn"),
    ],
)
def test_only_paths_on_this_site_are_followed_after_sign_in(target: str | None, expected: str) -> None:
    assert web_security.safe_next(target, "/mijn") == expected


# --- The session cookie ----------------------------------------------------------------------------------------


async def test_signing_in_sets_an_httponly_samesite_lax_cookie_holding_only_the_signed_session_token(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    response = await sign_in(client, "jansen@example.nl", PASSWORD)
    header = _set_cookie(response, SESSION_COOKIE)
    assert "HttpOnly" in header
    assert "SameSite=lax" in header or "SameSite=Lax" in header
    assert "Secure" not in header  # plain http in this test
    assert response.headers["location"] == "/mijn"
    value = re.match(rf"{SESSION_COOKIE}=([^;]*)", header).group(1)  # type: ignore[union-attr]
    token = web_security.unsign(SECRET, web_security.SESSION_PURPOSE, value.strip('"'))
    assert token in registry.sessions  # the registry's opaque token, and nothing else
    assert "jansen" not in value.lower()


async def test_cookies_are_secure_when_the_site_is_served_over_https(registry: FakeRegistry) -> None:
    async with AsyncTestClient(app=make_registry_app(registry), base_url="https://testserver.local") as client:
        page = await client.get("/inloggen")
        assert "Secure" in _set_cookie(page, CSRF_COOKIE)
        response = await client.post(
            "/inloggen",
            data={"csrf_token": csrf_from(page.text), "email": "jansen@example.nl", "password": PASSWORD},
            follow_redirects=False,
        )
    assert "Secure" in _set_cookie(response, SESSION_COOKIE)


async def test_secure_cookies_can_be_forced_behind_a_tls_proxy(registry: FakeRegistry) -> None:
    async with AsyncTestClient(app=make_registry_app(registry, secure_cookies=True)) as client:
        page = await client.get("/inloggen")
    assert "Secure" in _set_cookie(page, CSRF_COOKIE)


async def test_every_page_asks_the_registry_whether_the_session_is_still_valid(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    before = len(registry.of(c.ValidateSession))
    page = await client.get("/mijn")
    assert page.status_code == 200
    assert len(registry.of(c.ValidateSession)) == before + 1
    assert "Ingelogd als A. Jansen" in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_a_session_ended_elsewhere_signs_the_browser_out_and_clears_the_cookie(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    registry.sessions.clear()  # e.g. a password reset ended every session
    response = await client.get("/mijn", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?next=/mijn"
    assert "Max-Age=0" in _set_cookie(response, SESSION_COOKIE)


async def test_a_tampered_session_cookie_is_not_sent_to_the_registry_and_is_cleared(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = registry.session_for(registry.accounts["jansen@example.nl"])
    forged = web_security.sign("someone-elses-key", web_security.SESSION_PURPOSE, token)
    client.cookies.set(SESSION_COOKIE, forged)
    response = await client.get("/register")
    assert response.status_code == 200
    assert "Ingelogd als" not in response.text
    assert registry.of(c.ValidateSession) == []
    assert "Max-Age=0" in _set_cookie(response, SESSION_COOKIE)


async def test_when_the_registry_is_down_public_pages_still_render_but_private_pages_say_503(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    registry.down = True
    public = await client.get("/vragen")
    assert public.status_code == 200
    private = await client.get("/mijn", follow_redirects=False)
    assert private.status_code == 503  # not "please sign in": the session may well be valid
    assert SESSION_COOKIE not in private.headers.get("set-cookie", "")


async def test_the_session_answer_is_reused_for_a_few_seconds_only() -> None:
    registry = FakeRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    token = registry.session_for(account)
    now = [100.0]
    authenticator = AccountAuthenticator(registry, cache_seconds=3, clock=lambda: now[0])

    assert (await authenticator.session_account(token)) is not None
    now[0] += 2
    assert (await authenticator.session_account(token)) is not None
    assert len(registry.of(c.ValidateSession)) == 1
    now[0] += 2  # 4 s after the first answer
    registry.sessions.clear()
    assert await authenticator.session_account(token) is None
    assert len(registry.of(c.ValidateSession)) == 2


async def test_refusals_are_not_cached_and_logout_forgets_at_once() -> None:
    registry = FakeRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    authenticator = AccountAuthenticator(registry, cache_seconds=3)
    assert await authenticator.session_account("unknown") is None
    token = registry.session_for(account)
    assert await authenticator.session_account(token) is not None  # asked again: refusals are not remembered
    registry.sessions.clear()
    authenticator.forget(token)
    assert await authenticator.session_account(token) is None


# --- CSRF ------------------------------------------------------------------------------------------------------


async def test_a_form_posted_without_the_csrf_token_is_refused_before_the_handler_runs(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await client.get("/inloggen")  # has the CSRF cookie, but posts no token
    response = await client.post("/inloggen", data={"email": "jansen@example.nl", "password": PASSWORD})
    assert response.status_code == 403
    assert "Het formulier is verlopen" in response.text
    assert registry.of(c.Login) == []


async def test_a_form_posted_without_the_csrf_cookie_is_refused(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_for(client)
    client.cookies.clear()
    response = await client.post("/inloggen", data={"csrf_token": token, "email": "a@b.nl", "password": "x"})
    assert response.status_code == 403


async def test_a_csrf_token_from_another_browser_is_refused(registry: FakeRegistry) -> None:
    app = make_registry_app(registry)
    async with AsyncTestClient(app=app) as attacker, AsyncTestClient(app=app) as victim:
        attackers_token = await csrf_for(attacker)
        await victim.get("/inloggen")
        response = await victim.post(
            "/inloggen", data={"csrf_token": attackers_token, "email": "jansen@example.nl", "password": PASSWORD}
        )
    assert response.status_code == 403


async def test_signing_in_invalidates_the_forms_shown_before(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    anonymous_token = await csrf_for(client, "/inloggen")
    await sign_in(client, "jansen@example.nl", PASSWORD)
    response = await client.post("/uitloggen", data={"csrf_token": anonymous_token}, follow_redirects=False)
    assert response.status_code == 403
    assert registry.sessions  # still signed in


async def test_the_csrf_token_may_come_in_a_header(client: AsyncTestClient[Litestar], registry: FakeRegistry) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn")
    response = await client.post("/uitloggen", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert not registry.sessions


async def test_the_json_api_needs_no_csrf_token_because_it_never_reads_the_cookie(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)  # the browser has a session cookie...
    me = await client.get("/api/v1/me")
    assert me.status_code == 401  # ...which the API ignores
    token = await client.post("/api/v1/auth/token", json={"email": "jansen@example.nl", "password": PASSWORD})
    assert token.status_code == 200


# --- Guards ----------------------------------------------------------------------------------------------------

PUBLIC_PAGES = {
    "/",
    "/vragen",
    "/portfolio",
    "/register",
    "/opleidingen",
    "/statistieken/audit",
    "/asyncapi",
    "/inloggen",
    "/account/aanmaken",
    "/account/bevestigen",
    "/account/wachtwoord-vergeten",
    "/account/wachtwoord-herstellen",
    "/account/tweede-stap",
    # Where an erased account's browser lands, signed out.
    "/account/verwijderd",
    "/verifieren",
    "/toegankelijkheid",
    "/privacy",
    "/contact",
    "/ontwikkelaars",
    "/aanbieders/koppelen",
}


def _page_paths(app: Litestar) -> set[str]:
    paths = set()
    for route in app.routes:
        path = route.path
        machine = ("/api/", "/xapi/", "/.well-known/", "/static", "/schema", "/livez", "/readyz", "/metrics")
        if path.startswith((*machine, "/asyncapi.json")):
            continue
        if "GET" in getattr(route, "methods", set()) and "{" not in path:
            paths.add(path)
    return paths


async def test_anonymous_visitors_reach_only_the_public_pages(registry: FakeRegistry) -> None:
    app = make_registry_app(registry)
    pages = _page_paths(app)
    assert pages >= PUBLIC_PAGES
    private = pages - PUBLIC_PAGES
    assert {
        "/mijn",
        "/mijn/aanvraag",
        "/mijn/gegevens.json",
        "/mijn/account-verwijderen",
        "/beheer/aanvragen",
        "/beheer/signaleringen",
    } <= private
    async with AsyncTestClient(app=app) as client:
        for path in sorted(PUBLIC_PAGES):
            response = await client.get(path, follow_redirects=False)
            # 200, or 503 where the page's service is not part of this test (the catalogue, the audit's figures):
            # never "sign in".
            assert response.status_code == (503 if path in {"/opleidingen", "/statistieken/audit"} else 200), path
        for path in sorted(private):
            response = await client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/inloggen?next="), path


async def test_anonymous_posts_to_private_forms_go_to_the_login_page_and_change_nothing(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = await csrf_for(client, "/inloggen")
    for path in ("/mijn/aanvraag", "/mijn/gegevens", "/beheer/werkzame-professionals"):
        response = await client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/inloggen"), path
    assert not [
        r for r in registry.requests if isinstance(r, c.ApplyForRegistration | c.UpdateMyPerson | c.SetWorkingTotal)
    ]


@pytest.mark.parametrize("path", ["/beheer/aanvragen", "/beheer/werkzame-professionals", "/beheer/signaleringen"])
async def test_a_professional_gets_403_on_the_office_pages(
    client: AsyncTestClient[Litestar], registry: FakeRegistry, path: str
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    response = await client.get(path)
    assert response.status_code == 403
    assert "U heeft geen toegang tot deze pagina." in response.text
    # The guard stops it in the gateway; the registry is not even asked.
    assert not registry.of(c.ListPendingApplications)


async def test_a_professional_cannot_decide_an_application(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn")
    response = await client.post(
        "/beheer/aanvragen/00000000-0000-0000-0000-000000000001/besluit",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert response.status_code == 403
    assert not registry.of(c.DecideApplication)


async def test_the_office_reaches_its_pages_after_password_and_totp(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    response = await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    assert response.headers["location"] == "/beheer/aanvragen"
    page = await client.get("/beheer/aanvragen")
    assert page.status_code == 200
    assert "Aanvragen voor registratie" in page.text
    assert '<a href="/beheer/aanvragen">Beheer</a>' in page.text


async def test_the_development_mailbox_is_off_unless_switched_on(registry: FakeRegistry) -> None:
    async with AsyncTestClient(app=make_registry_app(registry)) as client:
        assert (await client.get("/dev/mail")).status_code == 404
    async with AsyncTestClient(app=make_registry_app(registry, dev_pages=True)) as client:
        page = await client.get("/dev/mail")
    assert page.status_code == 200
    # Links are clickable, and the rest of the mail is escaped.
    assert (
        '<a href="http://127.0.0.1:8000/account/bevestigen?token=abc_DEF-123">'
        "http://127.0.0.1:8000/account/bevestigen?token=abc_DEF-123</a>" in page.text
    )
    assert "Beste &lt;A.&gt;," in page.text


async def test_the_language_switch_keeps_the_token_of_a_mail_link(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/account/wachtwoord-herstellen", params={"token": "abc"})
    assert 'href="/account/wachtwoord-herstellen?token=abc&amp;lang=en"' in page.text
