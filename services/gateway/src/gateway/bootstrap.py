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
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.adapters.broker import BrokerCaller
from gateway.caller import ServiceCaller
from gateway.domain.deployment import unsafe_settings
from gateway.entrypoints.accreditation_routes import AccreditationRoutes
from gateway.entrypoints.allowed_methods import repair_options_allow
from gateway.entrypoints.api import ApiV1
from gateway.entrypoints.audit_routes import AuditRoutes
from gateway.entrypoints.correlation import CorrelationMiddleware
from gateway.entrypoints.errors import http_error_handler, rpc_error_handler
from gateway.entrypoints.health import asyncapi_document, livez, readyz
from gateway.entrypoints.info_pages import InfoPages
from gateway.entrypoints.metrics import HttpMetricsMiddleware, metrics_endpoint
from gateway.entrypoints.openapi_page import PlainOpenAPIPage
from gateway.entrypoints.pages import Pages
from gateway.entrypoints.portfolio_routes import PortfolioRoutes
from gateway.entrypoints.registry_routes import RegistryRoutes
from gateway.entrypoints.security_headers import SecurityHeaders
from gateway.entrypoints.tracing import TracingMiddleware
from gateway.service_layer.context import Gateway
from gateway.settings import GatewaySettings
from lklr_shared.kit.actor import ActorSigner, Credentials, dev_private_key, load_private_key, request_actor
from lklr_shared.kit.asyncapi import build_asyncapi
from lklr_shared.kit.clock import make_clock, register_today
from lklr_shared.kit.errors import RpcError
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

    def provide_gateway() -> Gateway:
        return gateway

    app = Litestar(
        route_handlers=[
            Pages,
            InfoPages,
            ApiV1,
            livez,
            readyz,
            metrics_endpoint,
            asyncapi_document,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        dependencies={"gateway": Provide(provide_gateway, sync_to_thread=False)},
        # Outermost: the client's address and scheme come from forwarded headers of trusted proxies only, before
        # anything (the correlation middleware's origin, the rate limits, the security log) reads them.
        middleware=[
            # uvicorn's and Litestar's type hints describe the same ASGI interface in two vocabularies.
            DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies),  # type: ignore[arg-type]
            # The request's span around everything the request does, its log lines included.
            TracingMiddleware,
            CorrelationMiddleware,
            HttpMetricsMiddleware,
        ],
        # On every response, 404s and errors included (route middleware does not see those).
        before_send=[SecurityHeaders(hsts_max_age=settings.hsts_max_age_seconds)],
        exception_handlers={RpcError: rpc_error_handler, HTTPException: http_error_handler},
        template_config=TemplateConfig(instance=_template_engine()),
        openapi_config=OpenAPIConfig(
            title="LKLR API",
            version="1",
            description="JSON API of the Landelijk Kwaliteitsregister Leerplicht & RMC.",
            path="/schema",
            render_plugins=[PlainOpenAPIPage(path="/"), JsonRenderPlugin(path="/openapi.json")],
        ),
        lifespan=[broker_lifespan],
        # the provider API (bearer API keys), the catalogue API and the /opleidingen page.
        plugins=[
            AccreditationRoutes(gateway, public_base_url=settings.public_base_url),
            # the portfolio pages and the professional's own API (/api/v1/me/...).
            PortfolioRoutes(gateway),
            # re-registration, reviewers' cases, the office's decisions, public audit statistics.
            AuditRoutes(gateway),
            # sessions and CSRF, account pages, Mijn LKLR, office pages, the public register, account API.
            RegistryRoutes(
                gateway,
                secret=secret_key,
                dev_pages=settings.dev_pages,
                session_cache_seconds=settings.session_cache_seconds,
                # Outside local runs every cookie is Secure, whatever scheme a request arrived with.
                force_secure_cookies=settings.secure_cookies or settings.environment != "local",
            ),
        ],
        # The process's log format is set by `python -m gateway` (same as every service); Litestar only adds
        # its own logger and logs unexpected exceptions always, not only in debug mode.
        logging_config=LoggingConfig(configure_root_logger=False, log_exceptions="always"),
    )
    app.state.secret_key = secret_key
    repair_options_allow(app)
    return app
