"""The provider portal's disputes list and API keys (create, revoke)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.provider.forms import ApiKeyForm, RevokeKeyForm
from gateway.features.provider.portal import (
    PORTAL,
    PortalPages,
    actor_of,
    find_provider,
    provider_page,
)
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.confirmation import confirmation_page, is_confirmed
from gateway.web.forms import FORM, translator
from gateway.web.request_ids import form_request_id
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask


class ProviderKeyPages(PortalPages):
    # --- Disputes -----------------------------------------------------------------------------------------------

    @get("/betwistingen", name="provider_disputes")
    async def disputes(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        disputed = await ask(gateway.caller, contracts.ListDisputedAttendance(provider_id=provider.provider_id))
        return provider_page(request, "aanbieder/betwistingen.html", provider, disputes=disputed.disputes)

    # --- API keys -----------------------------------------------------------------------------------------------

    async def _keys_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        *,
        created: contracts.ApiKeyCreated | None = None,
        status_code: int = 200,
    ) -> Template:
        keys = await ask(gateway.caller, contracts.ListApiKeys(provider_id=provider.provider_id))
        return provider_page(
            request,
            "aanbieder/api_sleutels.html",
            provider,
            status_code=status_code,
            keys=keys.keys,
            created=created,
            revoked=request.query_params.get("ingetrokken") == "1",
        )

    @get("/api-sleutels", name="provider_api_keys")
    async def api_keys(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        return await self._keys_page(request, gateway, provider)

    @post("/api-sleutels", name="provider_create_api_key")
    async def create_api_key(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        data: Annotated[ApiKeyForm, FORM],
    ) -> Template:
        provider = await find_provider(request, gateway)
        created = await ask(
            gateway.caller,
            contracts.CreateApiKey(
                provider_id=provider.provider_id,
                label=data.label[:200],
                created_by=actor_of(request),
                sandbox=data.sandbox == "1",
            ),
            request_id=await form_request_id(request),
        )
        # The key is shown on this response only (never stored in plain text, never shown again).
        return await self._keys_page(request, gateway, provider, created=created)

    @post("/api-sleutels/{key_id:uuid}/intrekken", name="provider_revoke_api_key")
    async def revoke_api_key(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        key_id: FromPath[uuid.UUID],
        data: Annotated[RevokeKeyForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        values = data.posted()
        if not is_confirmed(values):
            t = translator(request)
            keys = await ask(gateway.caller, contracts.ListApiKeys(provider_id=provider.provider_id))
            key = next((key for key in keys.keys if key.key_id == key_id), None)
            if key is None:
                raise RpcError("api_key_not_found", "This provider has no such API key.", 404)
            return confirmation_page(
                request,
                action=f"{PORTAL}/api-sleutels/{key_id}/intrekken",
                values=values,
                title=t("confirm.revoke_key.title"),
                consequence=t("confirm.revoke_key.consequence"),
                confirm_label=t("confirm.revoke_key.confirm"),
                cancel_href=f"{PORTAL}/api-sleutels",
                facts=[
                    (t("prov.keys.label"), key.label or "–"),
                    (t("prov.keys.prefix"), f"{key.display_prefix}…"),
                    (t("prov.keys.created_at"), t.date(key.created_at.date())),
                ],
            )
        await ask(
            gateway.caller,
            contracts.RevokeApiKey(provider_id=provider.provider_id, key_id=key_id, revoked_by=actor_of(request)),
        )
        return Redirect(f"{PORTAL}/api-sleutels?ingetrokken=1", status_code=303)
