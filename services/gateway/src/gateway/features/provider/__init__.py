"""Providers: the portal pages, the provider API with its webhooks, the xAPI LRS and the integration guide.

The API and the LRS sit behind their own key checks and error formats; the composition root (`gateway.app`) puts
each list under its router with those.
"""

from litestar.types import ControllerRouterHandler

from gateway.features.provider.api import ProviderApi
from gateway.features.provider.attendance_pages import ProviderAttendancePages
from gateway.features.provider.integration_guide import IntegrationGuide
from gateway.features.provider.key_pages import ProviderKeyPages
from gateway.features.provider.pages import ProviderPages
from gateway.features.provider.webhooks import ProviderWebhookApi, ProviderWebhookPages
from gateway.features.provider.xapi import (
    about,
    get_statements,
    head_about,
    head_statements,
    not_offered,
    post_about,
    post_statements,
    put_statement,
)

# Under /api/v1/provider, behind the API-key guard.
api_handlers: list[ControllerRouterHandler] = [ProviderApi, ProviderWebhookApi]
# Under /xapi, behind the version and Basic-authentication guard.
xapi_handlers: list[ControllerRouterHandler] = [
    about,
    head_about,
    post_about,
    put_statement,
    post_statements,
    get_statements,
    head_statements,
    not_offered,
]
page_handlers: list[ControllerRouterHandler] = [
    ProviderPages,
    ProviderAttendancePages,
    ProviderKeyPages,
    ProviderWebhookPages,
    IntegrationGuide,
]
