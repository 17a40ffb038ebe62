"""Composition root of the gateway: the only place that reads settings and builds adapters."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.adapters.broker import BrokerCaller
from gateway.caller import ServiceCaller
from gateway.domain.deployment import unsafe_settings
from gateway.features import (
    accounts,
    admin,
    catalogue,
    committee,
    mine,
    office,
    portfolio,
    provider,
    register,
    reregistration,
    review,
    site,
)
from gateway.features.accounts.api import SECURITY_SCHEME as PERSON_SECURITY_SCHEME
from gateway.features.accounts.api import BearerRejected, bearer_rejected_handler
from gateway.features.provider.api import (
    DEFAULT_ATTENDANCE_TIMEOUT_SECONDS,
    ProviderApiContext,
    api_key_guard,
    api_key_rejected_handler,
    provider_rpc_error_handler,
)
from gateway.features.provider.api import PATH as PROVIDER_API_PATH
from gateway.features.provider.api import SECURITY_SCHEME as PROVIDER_SECURITY_SCHEME
from gateway.features.provider.openapi_texts import SANDBOX_TEXT, XAPI_TEXT
from gateway.features.provider.portal import PUBLIC_BASE_URL_STATE, NotAProvider, not_a_provider_handler
from gateway.features.provider.webhooks import openapi_webhooks
from gateway.features.provider.xapi_protocol import PATH as XAPI_PATH
from gateway.features.provider.xapi_protocol import (
    XapiContext,
    XapiError,
    XapiVersionHeader,
    xapi_error_handler,
    xapi_guard,
)
from gateway.features.site.dev_mail import DevMailPage
from gateway.features.site.dev_webhooks import DevWebhookInbox, dev_webhook_receiver
from gateway.service_layer.api_keys import ApiKeyAuthenticator, ApiKeyRejected
from gateway.service_layer.context import Gateway
from gateway.service_layer.sessions import AccountAuthenticator
from gateway.settings import GatewaySettings
from gateway.web.accounts_context import AccountsContext
from gateway.web.allowed_methods import repair_options_allow
from gateway.web.correlation import CorrelationMiddleware
from gateway.web.errors import (
    csrf_rejected_handler,
    http_error_handler,
    login_required_handler,
    role_required_handler,
    rpc_error_handler,
)
from gateway.web.forms import FORM_TYPE_DECODERS, read_posted_form
from gateway.web.health import asyncapi_document, livez, readyz
from gateway.web.metrics import HttpMetricsMiddleware, metrics_endpoint
from gateway.web.openapi_page import PlainOpenAPIPage
from gateway.web.owners import current_provider
from gateway.web.security_headers import SecurityHeaders
from gateway.web.tracing import TracingMiddleware
from gateway.web.web_session import CsrfRejected, LoginRequired, RoleRequired, WebSecurity, WebSecurityMiddleware
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import ActorSigner, Credentials, dev_private_key, load_private_key, request_actor
from lklr_shared.kit.asyncapi import build_asyncapi
from lklr_shared.kit.clock import make_clock, register_today
from lklr_shared.kit.topology import Topology
from lklr_shared.scheme import default_scheme_path, load_scheme_book

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def gateway_credentials(settings: GatewaySettings) -> Credentials:
    """What the gateway signs its requests with: who each HTTP request acts for, under its signing key.

    Without a key it signs with the development key, which services accept only in a local run (and which a
    production gateway refuses to start with, see ``unsafe_settings``).
    """
    seed = settings.actor_signing_key.get_secret_value()
    return Credentials(ActorSigner(load_private_key(seed) if seed else dev_private_key()), request_actor)


def load_settings() -> GatewaySettings:
    return GatewaySettings()


def _template_engine() -> JinjaTemplateEngine:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        # A misspelt variable must fail the test suite, not render as an empty string.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return JinjaTemplateEngine.from_environment(environment)


class UnsafeSettings(RuntimeError):
    """Settings a production gateway must not run with (see gateway.domain.deployment)."""


def build_app(
    settings: GatewaySettings,
    *,
    service_caller: ServiceCaller | None = None,
    today: Callable[[], date] | None = None,
) -> Litestar:
    """Wire the gateway from its settings.

    Without `service_caller` the app talks to the services over RabbitMQ: an RpcClient on a robust connection
    opened when the app starts (not here) and closed when it stops. Tests pass a fake caller instead.
    Without `today` the register's day comes from the clock the services use (moved by the demo's offset file).
    """
    if today is None:
        today = partial(register_today, make_clock(settings.clock_offset_file))
    scheme = load_scheme_book(settings.scheme_path or default_scheme_path())
    broker_caller: BrokerCaller | None = None
    if service_caller is None:
        topology = Topology(prefix=settings.broker_prefix, delivery_limit=settings.delivery_limit)
        broker_caller = BrokerCaller(
            settings.amqp_url,
            topology,
            rpc_timeout=settings.rpc_timeout_seconds,
            credentials=gateway_credentials(settings),
        )
        service_caller = broker_caller

    secret_key = settings.secret_key.get_secret_value()
    problems = unsafe_settings(
        environment=settings.environment,
        secret_key=secret_key,
        dev_pages=settings.dev_pages,
        actor_signing_key=settings.actor_signing_key.get_secret_value(),
    )
    if problems:
        raise UnsafeSettings("the gateway refuses to start outside a local run: " + "; ".join(problems))
    if not secret_key:
        log.warning("GATEWAY_SECRET_KEY is not set: using a random key, so sessions end when the process stops")
        secret_key = secrets.token_urlsafe(32)

    gateway = Gateway(
        caller=service_caller,
        scheme=scheme,
        services=tuple(settings.services),
        readiness_timeout=settings.readiness_timeout_seconds,
        events_exchange=Topology(prefix=settings.broker_prefix).events_exchange,
        asyncapi=build_asyncapi(settings.broker_prefix),
        today=today,
    )

    @asynccontextmanager
    async def broker_lifespan(_app: Litestar) -> AsyncIterator[None]:
        if broker_caller is None:
            yield
            return
        await broker_caller.start()
        try:
            yield
        finally:
            await broker_caller.stop()

    # Sessions and CSRF for every page: the pages of every feature read the signed-in account from here.
    accounts_context = AccountsContext(
        security=WebSecurity(
            secret=secret_key,
            authenticator=AccountAuthenticator(gateway.caller, cache_seconds=settings.session_cache_seconds),
            # Outside local runs every cookie is Secure, whatever scheme a request arrived with.
            force_secure_cookies=settings.secure_cookies or settings.environment != "local",
        ),
        dev_pages=settings.dev_pages,
    )
    # The provider API and the xAPI LRS share the key check (and its short cache).
    provider_api = ProviderApiContext(
        authenticator=ApiKeyAuthenticator(gateway.caller),
        attendance_timeout=DEFAULT_ATTENDANCE_TIMEOUT_SECONDS,
        public_base_url=settings.public_base_url,
    )
    xapi = XapiContext(authenticator=provider_api.authenticator, public_base_url=settings.public_base_url)

    def provide_gateway() -> Gateway:
        return gateway

    def provide_accounts_context() -> AccountsContext:
        return accounts_context

    def provide_provider_api() -> ProviderApiContext:
        return provider_api

    def provide_xapi() -> XapiContext:
        return xapi

    route_handlers: list[ControllerRouterHandler] = [
        *site.route_handlers,
        *register.route_handlers,
        livez,
        readyz,
        metrics_endpoint,
        asyncapi_document,
        create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        # The provider API behind its API-key guard, with its own error mapping (401 challenge, 409 Retry-After).
        Router(
            path=PROVIDER_API_PATH,
            route_handlers=provider.api_handlers,
            guards=[api_key_guard(provider_api.authenticator)],
            dependencies={
                "provider": Provide(current_provider, sync_to_thread=False),
                "provider_api": Provide(provide_provider_api, sync_to_thread=False),
            },
            exception_handlers={ApiKeyRejected: api_key_rejected_handler, RpcError: provider_rpc_error_handler},
            security=[{PROVIDER_SECURITY_SCHEME: []}],
        ),
        # The /xapi routes behind the version and Basic-authentication guard, with their own error format.
        Router(
            path=XAPI_PATH,
            route_handlers=provider.xapi_handlers,
            guards=[xapi_guard(xapi)],
            dependencies={"xapi": Provide(provide_xapi, sync_to_thread=False)},
            exception_handlers={
                XapiError: xapi_error_handler,
                ApiKeyRejected: xapi_error_handler,
                RpcError: xapi_error_handler,
                HTTPException: xapi_error_handler,
            },
            include_in_schema=False,
        ),
        *catalogue.route_handlers,
        *provider.page_handlers,
        *committee.route_handlers,
        *portfolio.route_handlers,
        *reregistration.route_handlers,
        *review.route_handlers,
        *office.route_handlers,
        *accounts.route_handlers,
        *mine.route_handlers,
        *admin.route_handlers,
    ]
    if settings.dev_pages:
        route_handlers.append(DevMailPage)
        route_handlers.append(dev_webhook_receiver(DevWebhookInbox()))

    app = Litestar(
        route_handlers=route_handlers,
        dependencies={
            "gateway": Provide(provide_gateway, sync_to_thread=False),
            "accounts_context": Provide(provide_accounts_context, sync_to_thread=False),
        },
        # Outermost: the client's address and scheme come from forwarded headers of trusted proxies only, before
        # anything (the correlation middleware's origin, the rate limits, the security log) reads them.
        middleware=[
            # uvicorn's and Litestar's type hints describe the same ASGI interface in two vocabularies.
            DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies),  # type: ignore[arg-type]
            # The request's span around everything the request does, its log lines included.
            TracingMiddleware,
            CorrelationMiddleware,
            HttpMetricsMiddleware,
            DefineMiddleware(WebSecurityMiddleware, security=accounts_context.security),
        ],
        # On every response, 404s and errors included (route middleware does not see those); every response under
        # /xapi carries the xAPI version it answered.
        before_send=[SecurityHeaders(hsts_max_age=settings.hsts_max_age_seconds), XapiVersionHeader()],
        exception_handlers={
            RpcError: rpc_error_handler,
            HTTPException: http_error_handler,
            LoginRequired: login_required_handler,
            CsrfRejected: csrf_rejected_handler,
            RoleRequired: role_required_handler,
            # Raised only by the provider portal's pages (`find_provider`): their own 403 page.
            NotAProvider: not_a_provider_handler,
            # Raised only by the two bearer-token APIs (account and portfolio): 401 problem+json with its challenge.
            BearerRejected: bearer_rejected_handler,
        },
        # A page handler's `data` is its form model, decoded by the pages' rules (see `web.forms.PostedForm`).
        type_decoders=FORM_TYPE_DECODERS,
        before_request=read_posted_form,
        template_config=TemplateConfig(instance=_template_engine()),
        openapi_config=_openapi_config(),
        lifespan=[broker_lifespan],
        state=State({PUBLIC_BASE_URL_STATE: settings.public_base_url}),
        # The process's log format is set by `python -m gateway` (same as every service); Litestar only adds
        # its own logger and logs unexpected exceptions always, not only in debug mode.
        logging_config=LoggingConfig(configure_root_logger=False, log_exceptions="always"),
    )
    app.state.secret_key = secret_key
    repair_options_allow(app)
    return app


def _openapi_config() -> OpenAPIConfig:
    """The JSON API's document: both bearer schemes, the webhooks the register posts, sandbox and xAPI notes."""
    return OpenAPIConfig(
        title="LKLR API",
        version="1",
        # The xAPI Learning Record Store is not a JSON API route of this document; its description says where.
        description=f"JSON API of the Landelijk Kwaliteitsregister Leerplicht & RMC.\n\n{SANDBOX_TEXT}\n\n{XAPI_TEXT}",
        path="/schema",
        render_plugins=[PlainOpenAPIPage(path="/"), JsonRenderPlugin(path="/openapi.json")],
        components=[
            Components(),
            Components(
                security_schemes={
                    PROVIDER_SECURITY_SCHEME: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description=(
                            "Your organisation's API key (`lklr_…`), as `Authorization: Bearer <api key>`. Create "
                            "and revoke keys in the provider portal; only a hash is stored. " + SANDBOX_TEXT
                        ),
                    )
                }
            ),
            Components(
                security_schemes={
                    PERSON_SECURITY_SCHEME: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A person's API token from `POST /api/v1/auth/token`, as "
                        "`Authorization: Bearer <token>`.",
                    )
                }
            ),
        ],
        # What the register posts to providers' endpoints (the message schemas come from the delivery log's
        # response model, so they are in the components).
        webhooks=openapi_webhooks(),
    )
