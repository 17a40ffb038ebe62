"""Registers the accreditation routes of the gateway as one Litestar plugin: the provider API with its
bearer security scheme in the OpenAPI document, the public catalogue API and the catalogue page, the provider
portal (/aanbieder), the committee's pages (/commissie) and the professional's teaching claims
(/mijn/onderwijsclaim).

A plugin keeps the composition root's edit to one line and this feature's wiring in one place.
"""

from __future__ import annotations

from typing import Final

from litestar.config.app import AppConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol

from gateway.entrypoints.catalogue import CatalogueApi, CataloguePage
from gateway.entrypoints.committee_pages import CommitteePages, TeachingClaimPages
from gateway.entrypoints.integration_guide import IntegrationGuide
from gateway.entrypoints.provider_api import (
    DEFAULT_ATTENDANCE_TIMEOUT_SECONDS,
    SECURITY_SCHEME,
    ProviderApiContext,
    provider_router,
)
from gateway.entrypoints.provider_pages import PUBLIC_BASE_URL_STATE, ProviderPages
from gateway.entrypoints.provider_webhooks import ProviderWebhookPages, openapi_webhooks
from gateway.entrypoints.xapi import XapiContext, XapiVersionHeader, xapi_router
from gateway.service_layer.api_keys import DEFAULT_CACHE_SECONDS, ApiKeyAuthenticator
from gateway.service_layer.context import Gateway
from lklr_shared.contracts.accreditation import SANDBOX_REGISTRATION_NUMBERS

SANDBOX_TEXT: Final = (
    "**Sandbox keys** (made in the portal) run every call exactly as production does, against the test registration "
    "numbers only, and never reach a portfolio: "
    + ", ".join(f"`{number}` ({answer.replace('_', ' ')})" for number, answer in SANDBOX_REGISTRATION_NUMBERS.items())
    + "; any other number is `unknown_number`. That holds for attendance posts and voids here (a sandbox key voids only sandbox records) and for xAPI statements; a "
    "sandbox key manages only sandbox webhook endpoints, which receive the sandbox's events and test events."
)
XAPI_TEXT: Final = (
    "**xAPI**: a Learning Record Store for the Statements resource at `/xapi/` (versions 1.0.3 and 2.0.0, HTTP Basic "
    "with your API key: user `lklr_<prefix>`, password the rest). An `attended` statement of a register account on "
    "one of your editions (activity id `xapi_activity_id`) records attendance as this API does. xAPI 1.0.3's "
    "alternate request syntax (`POST …?method=GET|PUT|POST|HEAD`, headers and content as form fields) is accepted; "
    "xAPI 2.0.0 removed it, so a 2.0 request in that syntax is refused with 400. See /aanbieders/koppelen."
)


class AccreditationRoutes(InitPluginProtocol):
    """`Litestar(..., plugins=[AccreditationRoutes(gateway)])`."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        key_cache_seconds: float = DEFAULT_CACHE_SECONDS,
        attendance_timeout: float = DEFAULT_ATTENDANCE_TIMEOUT_SECONDS,
        public_base_url: str = "",
    ) -> None:
        self.context = ProviderApiContext(
            authenticator=ApiKeyAuthenticator(gateway.caller, cache_seconds=key_cache_seconds),
            attendance_timeout=attendance_timeout,
            public_base_url=public_base_url,
        )
        # The xAPI LRS shares the key check (and its short cache) with the provider API.
        self.xapi = XapiContext(authenticator=self.context.authenticator, public_base_url=public_base_url)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                provider_router(self.context),
                xapi_router(self.xapi),
                CatalogueApi,
                CataloguePage,
                ProviderPages,
                ProviderWebhookPages,
                IntegrationGuide,
                CommitteePages,
                TeachingClaimPages,
            ]
        )
        app_config.before_send.append(XapiVersionHeader())
        app_config.state[PUBLIC_BASE_URL_STATE] = self.xapi.public_base_url
        openapi = app_config.openapi_config
        if openapi is not None:
            scheme = Components(
                security_schemes={
                    SECURITY_SCHEME: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description=(
                            "Your organisation's API key (`lklr_…`), as `Authorization: Bearer <api key>`. Create "
                            "and revoke keys in the provider portal; only a hash is stored. " + SANDBOX_TEXT
                        ),
                    )
                }
            )
            existing = openapi.components
            openapi.components = [*existing, scheme] if isinstance(existing, list) else [existing, scheme]
            # What the register posts to providers' endpoints (the message schemas come from the delivery log's
            # response model, so they are in the components).
            openapi.webhooks = {**(openapi.webhooks or {}), **openapi_webhooks()}
            # The xAPI Learning Record Store is not a JSON API route of this document; its description says where.
            openapi.description = f"{openapi.description or ''}\n\n{SANDBOX_TEXT}\n\n{XAPI_TEXT}".strip()
        return app_config
