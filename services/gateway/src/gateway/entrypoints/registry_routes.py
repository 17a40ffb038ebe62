"""Registers the registry's side of the gateway as one Litestar plugin: the session and CSRF middleware,
the account pages, Mijn LKLR, the office pages, the public register (page and API), the account API, and, when
switched on, the development mailbox. A plugin keeps the composition root's edit to one line.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from litestar.response import Redirect
from litestar.types import ControllerRouterHandler

from gateway.entrypoints import account_api
from gateway.entrypoints.account_api import AccountApi
from gateway.entrypoints.account_pages import AccountPages
from gateway.entrypoints.admin_accounts import AdminAccountPages
from gateway.entrypoints.admin_security_log import AdminSecurityLogPage
from gateway.entrypoints.admin_system import AdminSystemPage
from gateway.entrypoints.credential_pages import CredentialPages, CredentialPublication, VerifyPage
from gateway.entrypoints.dev_mail import DevMailPage
from gateway.entrypoints.dev_webhooks import DevWebhookInbox, dev_webhook_receiver
from gateway.entrypoints.erasure_pages import ErasureDonePage, ErasurePages
from gateway.entrypoints.errors import problem, wants_json
from gateway.entrypoints.mine_pages import MinePages
from gateway.entrypoints.objection_pages import ObjectionPages, OfficeObjectionPages
from gateway.entrypoints.office_pages import OfficePages
from gateway.entrypoints.public_register import RegisterApi, RegisterPage
from gateway.entrypoints.registry_context import AccountsContext
from gateway.entrypoints.rendering import page
from gateway.entrypoints.web_session import (
    CsrfRejected,
    LoginRequired,
    RoleRequired,
    WebSecurity,
    WebSecurityMiddleware,
    login_redirect_target,
)
from gateway.service_layer.context import Gateway
from gateway.service_layer.sessions import DEFAULT_CACHE_SECONDS, AccountAuthenticator


def login_required_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """To the login page, and back here after it (303, so a POST becomes a GET)."""
    assert isinstance(exc, LoginRequired)
    if wants_json(request):
        return problem(401, "login_required", "Sign in first.", request.url.path)
    return Redirect(login_redirect_target(exc.next_path), status_code=303)


def csrf_rejected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if wants_json(request):
        return problem(403, "csrf_failed", str(exc), request.url.path)
    return page(request, "error.html", status_code=403, status=403, message_key="error.csrf", detail=None)


def role_required_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if wants_json(request):
        return problem(403, "forbidden", str(exc), request.url.path)
    return page(request, "error.html", status_code=403, status=403, message_key="error.403", detail=None)


class RegistryRoutes(InitPluginProtocol):
    """`Litestar(..., plugins=[RegistryRoutes(gateway, secret=...)])`."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        secret: str,
        dev_pages: bool = False,
        session_cache_seconds: float = DEFAULT_CACHE_SECONDS,
        force_secure_cookies: bool = False,
    ) -> None:
        authenticator = AccountAuthenticator(gateway.caller, cache_seconds=session_cache_seconds)
        self.context = AccountsContext(
            security=WebSecurity(secret=secret, authenticator=authenticator, force_secure_cookies=force_secure_cookies),
            dev_pages=dev_pages,
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        handlers: list[ControllerRouterHandler] = [
            AccountPages,
            MinePages,
            ObjectionPages,
            ErasurePages,
            ErasureDonePage,
            OfficePages,
            OfficeObjectionPages,
            AdminAccountPages,
            AdminSecurityLogPage,
            AdminSystemPage,
            RegisterPage,
            RegisterApi,
            AccountApi,
            CredentialPages,
            CredentialPublication,
            VerifyPage,
        ]
        if self.context.dev_pages:
            handlers.append(DevMailPage)
            handlers.append(dev_webhook_receiver(DevWebhookInbox()))
        app_config.route_handlers.extend(handlers)
        app_config.middleware.append(DefineMiddleware(WebSecurityMiddleware, security=self.context.security))
        context = self.context
        app_config.dependencies["accounts_context"] = Provide(lambda: context, sync_to_thread=False)
        app_config.exception_handlers[LoginRequired] = login_required_handler
        app_config.exception_handlers[CsrfRejected] = csrf_rejected_handler
        app_config.exception_handlers[RoleRequired] = role_required_handler
        openapi = app_config.openapi_config
        if openapi is not None:
            scheme = Components(
                security_schemes={
                    account_api.SECURITY_SCHEME: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A person's API token from `POST /api/v1/auth/token`, as "
                        "`Authorization: Bearer <token>`.",
                    )
                }
            )
            existing = openapi.components
            openapi.components = [*existing, scheme] if isinstance(existing, list) else [existing, scheme]
        return app_config
