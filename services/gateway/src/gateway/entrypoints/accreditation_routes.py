"""Registers the accreditation routes of the gateway as one Litestar plugin: the provider API with its
bearer security scheme in the OpenAPI document, the public catalogue API and the catalogue page, the provider
portal (/aanbieder), the committee's pages (/commissie) and the professional's teaching claims
(/mijn/onderwijsclaim).

A plugin keeps the composition root's edit to one line and this feature's wiring in one place.
"""

from __future__ import annotations

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
                            "and revoke keys in the provider portal; only a hash is stored."
                        ),
                    )
                }
            )
            existing = openapi.components
            openapi.components = [*existing, scheme] if isinstance(existing, list) else [existing, scheme]
            # What the register posts to providers' endpoints (the message schemas come from the delivery log's
            # response model, so they are in the components).
            openapi.webhooks = {**(openapi.webhooks or {}), **openapi_webhooks()}
        return app_config
