"""/aanbieders/koppelen: how a provider's own systems report attendance (JSON API, xAPI, CSV in the portal), the
edition IRIs, the sandbox and its test numbers, and checking a webhook's signature. Public, like /ontwikkelaars."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.domain.xapi_iris import EDITION_PATH
from gateway.features.provider.portal import public_base_url
from gateway.web.rendering import page
from lklr_shared.contracts.accreditation import SANDBOX_REGISTRATION_NUMBERS, WEBHOOK_EVENT_TYPES


class IntegrationGuide(Controller):
    include_in_schema = False

    @get("/aanbieders/koppelen", name="provider_integration_guide")
    async def guide(self, request: Request[Any, Any, Any]) -> Template:
        """The guide, with examples on this register's own address."""
        base = public_base_url(request)
        return page(
            request,
            "info/koppelen.html",
            base=base,
            edition_prefix=f"{base}{EDITION_PATH}",
            test_numbers=SANDBOX_REGISTRATION_NUMBERS,
            event_types=WEBHOOK_EVENT_TYPES,
        )
