"""Sessions and CSRF protection for the web pages, and the guards that keep pages to the right people.

One ASGI middleware runs before every page handler (not for `/api/`, `/static/`, health and schema routes):

- **Session.** The cookie `lklr_session` holds only the registry's opaque session token, signed with
  GATEWAY_SECRET_KEY (HttpOnly, SameSite=Lax, Secure on https). The middleware asks the registry who it belongs
  to (`ValidateSession`, cached a few seconds, see `service_layer.sessions`) and leaves the answer on the
  request; a cookie the registry no longer knows is cleared. When the registry cannot be reached the page is
  served as to an anonymous visitor, but a page that needs sign-in answers 503 instead of asking to sign in.
- **CSRF.** A second cookie, `lklr_csrf` (HttpOnly, signed), holds a random nonce; every form carries the
  token HMAC(secret, nonce + session token) in the field `csrf_token` (or the header `X-CSRF-Token`, or the query
  parameter `csrf_token`). A POST, PUT, PATCH or DELETE without the right token is refused with 403 before its
  handler runs. Only an urlencoded form is read for the field: a multipart form (files) must carry the token in
  its action URL or the header, so a body without it is refused unread; and a multipart body from a visitor who
  is not signed in is refused unread too (to the login page). The token is bound
  to the session, so signing in or out invalidates the forms of the previous state. The JSON API under `/api/`
  is exempt: it authenticates with bearer tokens in a header, never with cookies, so a browser cannot be made
  to send its credentials there.
- Responses to signed-in visitors get `Cache-Control: no-store` (they show personal data).
- **Language.** A signed-in person who switches the site's language (a `?lang=` link) has the registry mail them
  in it from now on too (`SetPreferredLanguage`, only when it differs from the account's preference).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.base import MiddlewareProtocol
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain import web_security
from gateway.i18n import LANGUAGE_QUERY
from gateway.service_layer.sessions import AccountAuthenticator
from lklr_shared.contracts.registry import AccountRole, AuthenticatedAccount, MailLanguage
from lklr_shared.errors import RpcError

log = logging.getLogger(__name__)

SESSION_COOKIE: Final = "lklr_session"
CSRF_COOKIE: Final = "lklr_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
# Machine routes: bearer tokens or nothing to protect; the middleware leaves them alone (and asks no registry).
# /xapi/ authenticates with Basic credentials, but every request that changes anything must carry the custom
# X-Experience-API-Version header, which a cross-site form cannot send (and no CORS is offered to let a script);
# xAPI 1.0.3's alternate request syntax takes that header as a form field, but it needs the provider's Basic
# credentials too, which no visitor's browser holds for this register (they are API keys, never typed into a page).
# /dev/webhooks (local runs only) receives the register's own webhook deliveries, which carry no session.
EXEMPT_PREFIXES: Final = (
    "/api/",
    "/xapi/",
    "/static/",
    "/schema",
    "/livez",
    "/readyz",
    "/metrics",
    "/asyncapi.json",
    "/dev/webhooks",
)
_STATE_KEY: Final = "lklr_web"


@dataclass
class WebState:
    """What the middleware learnt about the request, for handlers, guards and templates."""

    account: AuthenticatedAccount | None = None
    session_token: str | None = None
    csrf_token: str = ""
    # The registry could not say who is signed in (503/504): pages needing sign-in raise it.
    auth_error: RpcError | None = None

    def has_role(self, role: AccountRole) -> bool:
        return self.account is not None and role in self.account.account_roles


def web_state(connection: ASGIConnection[Any, Any, Any, Any]) -> WebState:
    """The request's WebState (an anonymous one where the middleware did not run, e.g. on a 404)."""
    state = connection.scope.get("state", {}).get(_STATE_KEY)
    return state if isinstance(state, WebState) else WebState()


def current_account(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticatedAccount:
    """The signed-in account of a handler behind `signed_in` (the guard guarantees there is one)."""
    account = web_state(connection).account
    if account is None:  # only reachable when a handler forgot its guard
        raise LoginRequired(connection.url.path)
    return account


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address: the peer's, or X-Forwarded-For when the peer is a trusted proxy
    (GATEWAY_TRUSTED_PROXIES, applied by the app's outermost middleware)."""
    return connection.client.host if connection.client else ""


class LoginRequired(Exception):
    """A page needs sign-in: the visitor is sent to the login page, and back to `next_path` after it."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


class CsrfRejected(PermissionDeniedException):
    """A form was posted without the right CSRF token (expired page, another site, cookies off)."""


class RoleRequired(PermissionDeniedException):
    """A signed-in account without the role a page needs."""


@dataclass(frozen=True)
class WebSecurity:
    """The secret and the authenticator the middleware and the account pages share."""

    secret: str
    authenticator: AccountAuthenticator
    # Always set Secure (behind a TLS-terminating proxy whose X-Forwarded-Proto uvicorn does not trust).
    force_secure_cookies: bool = False
    session_cookie_name: str = SESSION_COOKIE
    csrf_cookie_name: str = CSRF_COOKIE

    def _secure(self, scope: Scope) -> bool:
        return self.force_secure_cookies or scope.get("scheme") == "https"

    def session_cookie(self, connection: ASGIConnection[Any, Any, Any, Any], session_token: str) -> Cookie:
        """The cookie that keeps a new session (a browser-session cookie: the registry decides its expiry)."""
        return Cookie(
            key=self.session_cookie_name,
            value=web_security.sign(self.secret, web_security.SESSION_PURPOSE, session_token),
            path="/",
            httponly=True,
            secure=self._secure(connection.scope),
            samesite="lax",
        )

    def cleared_session_cookie(self, scope: Scope) -> Cookie:
        return Cookie(
            key=self.session_cookie_name,
            value="",
            path="/",
            max_age=0,
            httponly=True,
            secure=self._secure(scope),
            samesite="lax",
        )

    def csrf_cookie(self, scope: Scope, nonce: str) -> Cookie:
        return Cookie(
            key=self.csrf_cookie_name,
            value=web_security.sign(self.secret, web_security.CSRF_NONCE_PURPOSE, nonce),
            path="/",
            httponly=True,
            secure=self._secure(scope),
            samesite="lax",
        )


@dataclass
class _Outcome:
    """Cookies and headers the middleware adds to the response."""

    new_nonce: str | None = None
    clear_session: bool = False
    no_store: bool = False
    cookies: list[Cookie] = field(default_factory=list)


class WebSecurityMiddleware(MiddlewareProtocol):
    """See the module docstring. Registered with `DefineMiddleware(WebSecurityMiddleware, security=...)`."""

    def __init__(self, app: ASGIApp, security: WebSecurity) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        security = self.security
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        safe = request.method in SAFE_METHODS
        outcome = _Outcome()
        state = WebState()

        signed_session = request.cookies.get(security.session_cookie_name)
        session_token = web_security.unsign(security.secret, web_security.SESSION_PURPOSE, signed_session)
        if signed_session and session_token is None:
            outcome.clear_session = True  # tampered, or signed with another key: not ours
        # What the CSRF token binds to: the session the browser holds (still valid or not).
        binding = session_token
        if session_token is not None:
            try:
                state.account = await security.authenticator.session_account(session_token)
            except RpcError as exc:
                state.auth_error = exc
            if state.account is not None:
                state.session_token = session_token
                outcome.no_store = True
                if safe:
                    state.account = await self._follow_site_language(request, session_token, state.account)
            elif state.auth_error is None:
                outcome.clear_session = True
                if safe:
                    binding = None  # the forms on this page are posted without the (cleared) cookie

        nonce = web_security.unsign(
            security.secret, web_security.CSRF_NONCE_PURPOSE, request.cookies.get(security.csrf_cookie_name)
        )
        if nonce is None:
            nonce = outcome.new_nonce = web_security.new_nonce()
        state.csrf_token = web_security.csrf_token(security.secret, nonce, binding)
        scope.setdefault("state", {})[_STATE_KEY] = state

        if not safe:
            content_type, _ = request.content_type
            if content_type == RequestEncodingType.MULTI_PART and state.account is None:
                # Files come only from signed-in people: an anonymous multipart body (up to tens of MiB of
                # parsing and temp files) is refused before a byte of it is read.
                if state.auth_error is not None:
                    raise state.auth_error
                raise LoginRequired("")
            sent = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
            # Only a small urlencoded form is read for its field; a multipart form carries the token in its action
            # URL (`?csrf_token=`) or the header, so a body without the right token is never parsed.
            if not sent and content_type == RequestEncodingType.URL_ENCODED:
                form = await request.form()
                value = form.get(CSRF_FIELD)
                sent = value if isinstance(value, str) else None
            if outcome.new_nonce is not None or not web_security.csrf_token_matches(
                security.secret, nonce, binding, sent
            ):
                raise CsrfRejected(detail="The form's CSRF token is missing or does not match.")

        await self.app(scope, receive, self._send_wrapper(scope, send, outcome))

    async def _follow_site_language(
        self, request: ASGIConnection[Any, Any, Any, Any], session_token: str, account: AuthenticatedAccount
    ) -> AuthenticatedAccount:
        """The account, with the site language the person just switched to as their mail language too."""
        chosen = request.query_params.get(LANGUAGE_QUERY)
        language: MailLanguage
        if chosen == "nl" or chosen == "en":
            language = chosen
        else:
            return account
        if language == account.preferred_language:
            return account
        try:
            return await self.security.authenticator.set_preferred_language(
                session_token, account, language, client_ip=client_ip(request)
            )
        except RpcError as exc:
            # The page itself only needs the cookie, which the page sets; the mail language stays as it was until
            # the next switch or Mijn LKLR's setting, which is not worth failing the page for.
            log.warning("mail language not changed to %s: %s (%s)", language, exc.message, exc.code)
            return account

    def _send_wrapper(self, scope: Scope, send: Send, outcome: _Outcome) -> Callable[[Message], Awaitable[None]]:
        security = self.security

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                set_cookies = headers.getall("set-cookie", [])
                if outcome.new_nonce is not None:
                    headers.add("set-cookie", security.csrf_cookie(scope, outcome.new_nonce).to_header(header=""))
                handler_set_session = any(value.startswith(f"{security.session_cookie_name}=") for value in set_cookies)
                if outcome.clear_session and not handler_set_session:
                    headers.add("set-cookie", security.cleared_session_cookie(scope).to_header(header=""))
                if outcome.no_store or handler_set_session:
                    headers["cache-control"] = "no-store"
            await send(message)

        return wrapped


# --- Guards ----------------------------------------------------------------------------------------------------


def _return_path(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    query = connection.scope.get("query_string", b"").decode("latin-1")
    return connection.url.path + (f"?{query}" if query else "")


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: a signed-in account (else: to the login page; 503 when the registry cannot say)."""
    state = web_state(connection)
    if state.account is not None:
        return
    if state.auth_error is not None:
        raise state.auth_error
    # After signing in, come back to the page; a form post cannot be replayed, so that lands on the default page.
    raise LoginRequired(_return_path(connection) if connection.scope.get("method") in ("GET", "HEAD") else "")


class SignedInPages(Controller):
    """The frame of a controller of HTML pages for a signed-in account (kept out of the OpenAPI document)."""

    include_in_schema = False
    guards = [signed_in]


def role_required(role: AccountRole) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """Guard: a signed-in account with `role` (roles as the registry knows them now). Others get 403."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if not web_state(connection).has_role(role):
            raise RoleRequired(detail=f"This page is for accounts with the {role} role.")

    guard.__name__ = f"role_required_{role}"
    return guard


def login_redirect_target(next_path: str) -> str:
    return f"/inloggen?next={quote(next_path, safe='/')}" if next_path else "/inloggen"


__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfRejected",
    "LoginRequired",
    "RoleRequired",
    "WebSecurity",
    "WebSecurityMiddleware",
    "WebState",
    "client_ip",
    "current_account",
    "login_redirect_target",
    "role_required",
    "signed_in",
    "web_state",
]
