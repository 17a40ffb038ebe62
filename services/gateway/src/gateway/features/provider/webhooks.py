"""Webhooks for providers: the API under /api/v1/provider/webhooks and the portal pages under /aanbieder/webhooks.

The accreditation service owns endpoints, messages and their delivery (Standard Webhooks: `webhook-id`,
`webhook-timestamp`, `webhook-signature`); these routes only manage them, scoped to the caller's provider. The
OpenAPI document's `webhooks` section (`openapi_webhooks`) describes the messages an endpoint receives.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final, TypeAlias

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from gateway.features.provider.forms import WebhookForm, WebhookStatusForm, WebhookTestForm
from gateway.features.provider.models import ProblemDetails
from gateway.features.provider.portal import (
    PORTAL,
    PortalPages,
    actor_of,
    find_provider,
    provider_page,
)
from gateway.features.provider.webhook_models import (
    MESSAGE_MODELS,
    WebhookDeliveryLogOut,
    WebhookDeliveryOut,
    WebhookEndpointIn,
    WebhookEndpointListOut,
    WebhookEndpointOut,
    WebhookSecretOut,
    WebhookTestIn,
)
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.errors import PROBLEM_JSON
from gateway.web.forms import FORM, FormErrors, problem_messages, translator
from gateway.web.request_ids import form_request_id
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

WEBHOOKS: Final = f"{PORTAL}/webhooks"
ProviderDep: TypeAlias = NamedDependency[contracts.ApiKeyIdentity]
LOG_LENGTH: Final = 50


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(ProblemDetails, description=description, media_type=PROBLEM_JSON, generate_examples=False)


_COMMON = {
    401: _problem("No API key, or one that is unknown or revoked (`WWW-Authenticate: Bearer`)."),
    503: _problem("The accreditation service cannot be reached (retry after `Retry-After`)."),
    504: _problem("The accreditation service did not answer in time (retry after `Retry-After`)."),
}
_NOT_FOUND = {
    404: _problem("`webhook_endpoint_not_found` (or another provider's endpoint)."),
    400: _problem("`bad_request`: an id in the path is not a UUID."),
}


# --- The API -------------------------------------------------------------------------------------------------------


class ProviderWebhookApi(Controller):
    """Mounted in the provider API's router (API-key guard; `provider` is the key's provider)."""

    path = "/webhooks"
    tags = ["webhooks"]

    @get("/", summary="Your webhook endpoints", responses=_COMMON)
    async def list_endpoints(self, gateway: GatewayDep, provider: ProviderDep) -> WebhookEndpointListOut:
        """Every endpoint of your organisation, newest first (never their secrets)."""
        reply = await ask(gateway.caller, contracts.ListWebhookEndpoints(provider_id=provider.provider_id))
        return WebhookEndpointListOut(endpoints=[WebhookEndpointOut.of(e) for e in reply.endpoints])

    @post(
        "/",
        summary="Register a webhook endpoint",
        responses={
            **_COMMON,
            400: _problem("The body is malformed."),
            422: _problem(
                "`invalid_webhook_url` (not https, or a private or loopback address) or `invalid_webhook_events`."
            ),
        },
    )
    async def register(
        self, gateway: GatewayDep, provider: ProviderDep, data: JSONBody[WebhookEndpointIn]
    ) -> Response[WebhookSecretOut]:
        """Answers 201 with the endpoint and its signing secret (shown this once). A sandbox key registers a sandbox
        endpoint: it receives the events of sandbox calls and test events only. A sandbox key sees and manages only
        sandbox endpoints (another endpoint is 404 to it)."""
        reply = await ask(
            gateway.caller,
            contracts.RegisterWebhookEndpoint(
                provider_id=provider.provider_id,
                url=data.url,
                events=list(data.events),
                description=data.description,
                sandbox=data.sandbox,
                created_by=provider.actor,
            ),
        )
        body = WebhookSecretOut(endpoint=WebhookEndpointOut.of(reply.endpoint), secret=reply.secret)
        return Response(body, status_code=201)

    @get(
        "/{endpoint_id:uuid}",
        summary="One endpoint and its delivery log",
        responses={**_COMMON, **_NOT_FOUND},
    )
    async def delivery_log(
        self, gateway: GatewayDep, provider: ProviderDep, endpoint_id: FromPath[uuid.UUID]
    ) -> WebhookDeliveryLogOut:
        """The endpoint and its latest messages, newest first: status, attempts, the last answer, the body."""
        reply = await ask(
            gateway.caller,
            contracts.ListWebhookDeliveries(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, limit=LOG_LENGTH
            ),
        )
        return WebhookDeliveryLogOut(
            endpoint=WebhookEndpointOut.of(reply.endpoint),
            deliveries=[WebhookDeliveryOut.of(d) for d in reply.deliveries],
        )

    @post("/{endpoint_id:uuid}/rotate-secret", summary="Rotate the signing secret", responses={**_COMMON, **_NOT_FOUND})
    async def rotate(
        self, gateway: GatewayDep, provider: ProviderDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookSecretOut]:
        """A new secret (shown this once). For 24 hours every message carries signatures by the old and the new
        secret, so you can switch your receiver without losing messages."""
        reply = await ask(
            gateway.caller,
            contracts.RotateWebhookSecret(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, rotated_by=provider.actor
            ),
        )
        body = WebhookSecretOut(endpoint=WebhookEndpointOut.of(reply.endpoint), secret=reply.secret)
        return Response(body, status_code=200)

    @post("/{endpoint_id:uuid}/enable", summary="Enable an endpoint", responses={**_COMMON, **_NOT_FOUND})
    async def enable(
        self, gateway: GatewayDep, provider: ProviderDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookEndpointOut]:
        """Enable it again (after it was disabled for failing, say): waiting messages go out at once."""
        return await _set_enabled(gateway, provider, endpoint_id, enabled=True)

    @post("/{endpoint_id:uuid}/disable", summary="Disable an endpoint", responses={**_COMMON, **_NOT_FOUND})
    async def disable(
        self, gateway: GatewayDep, provider: ProviderDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookEndpointOut]:
        """Stop sending to it; messages wait until it is enabled."""
        return await _set_enabled(gateway, provider, endpoint_id, enabled=False)

    @post(
        "/{endpoint_id:uuid}/test",
        summary="Send a test event",
        responses={
            **_COMMON,
            **_NOT_FOUND,
            400: _problem("`bad_request`: the body is malformed or names no known event, or an id is not a UUID."),
        },
    )
    async def send_test(
        self,
        gateway: GatewayDep,
        provider: ProviderDep,
        endpoint_id: FromPath[uuid.UUID],
        data: JSONBody[WebhookTestIn],
    ) -> Response[WebhookDeliveryOut]:
        """Queue a message of the given type with sample data and `"test": true` (202)."""
        reply = await ask(
            gateway.caller,
            contracts.SendTestWebhook(
                provider_id=provider.provider_id,
                endpoint_id=endpoint_id,
                event_type=data.event_type,
                requested_by=provider.actor,
            ),
        )
        return Response(WebhookDeliveryOut.of(reply), status_code=202)

    @post(
        "/{endpoint_id:uuid}/test-events",
        summary="Send a test event of every type",
        responses={**_COMMON, **_NOT_FOUND},
    )
    async def send_tests(
        self, gateway: GatewayDep, provider: ProviderDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookDeliveryLogOut]:
        """Queue one message of every event type with sample data and `"test": true` (202), signed like real
        ones: the endpoint and the queued deliveries. With a sandbox key: sandbox endpoints only."""
        reply = await ask(
            gateway.caller,
            contracts.SendTestWebhooks(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, requested_by=provider.actor
            ),
        )
        body = WebhookDeliveryLogOut(
            endpoint=WebhookEndpointOut.of(reply.endpoint),
            deliveries=[WebhookDeliveryOut.of(d) for d in reply.deliveries],
        )
        return Response(body, status_code=202)

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        summary="Send a message again",
        responses={
            **_COMMON,
            404: _problem("`webhook_endpoint_not_found` or `webhook_delivery_not_found`."),
            400: _problem("`bad_request`: an id in the path is not a UUID."),
        },
    )
    async def redeliver(
        self,
        gateway: GatewayDep,
        provider: ProviderDep,
        endpoint_id: FromPath[uuid.UUID],
        delivery_id: FromPath[uuid.UUID],
    ) -> Response[WebhookDeliveryOut]:
        """Send it again now, with the same `webhook-id` (202)."""
        reply = await ask(
            gateway.caller,
            contracts.RedeliverWebhook(
                provider_id=provider.provider_id,
                endpoint_id=endpoint_id,
                delivery_id=delivery_id,
                requested_by=provider.actor,
            ),
        )
        return Response(WebhookDeliveryOut.of(reply), status_code=202)


async def _set_enabled(
    gateway: Gateway, provider: ProviderDep, endpoint_id: uuid.UUID, *, enabled: bool
) -> Response[WebhookEndpointOut]:
    reply = await ask(
        gateway.caller,
        contracts.SetWebhookEndpointEnabled(
            provider_id=provider.provider_id, endpoint_id=endpoint_id, enabled=enabled, changed_by=provider.actor
        ),
    )
    return Response(WebhookEndpointOut.of(reply), status_code=200)


def _signature_headers() -> list[Parameter]:
    descriptions = {
        "webhook-id": "The message id (`msg_…`): the same on every attempt; deduplicate on it.",
        "webhook-timestamp": "Seconds since the epoch when this attempt was signed; refuse ones far from now.",
        "webhook-signature": (
            "Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>` with "
            "your endpoint's secret (two during a rotation). Verify with a Standard Webhooks library."
        ),
    }
    return [
        Parameter(name=name, param_in="header", required=True, description=text, schema=Schema(type=OpenAPIType.STRING))
        for name, text in descriptions.items()
    ]


def openapi_webhooks() -> dict[str, PathItem | Reference]:
    """The OpenAPI `webhooks` section: what the register posts to an endpoint for each event."""
    items: dict[str, PathItem | Reference] = {}
    for event, model in MESSAGE_MODELS.items():
        data_model = model.model_fields["data"].annotation
        items[event] = PathItem(
            post=Operation(
                summary=f"{event}",
                description=(data_model.__doc__ or "").strip() if data_model is not None else "",
                tags=["webhooks"],
                parameters=list(_signature_headers()),
                request_body=RequestBody(
                    required=True,
                    content={
                        "application/json": OpenAPIMediaType(
                            schema=Reference(ref=f"#/components/schemas/{model.__name__}")
                        )
                    },
                ),
                responses={
                    "2XX": OpenAPIResponse(
                        description=(
                            "Received. Any other answer, or none within 10 s, is retried with growing delays for up "
                            "to 3 days; an endpoint that keeps failing is disabled and your contact address mailed."
                        )
                    ),
                },
            )
        )
    return items


# --- The portal pages --------------------------------------------------------------------------------------------


class ProviderWebhookPages(PortalPages):
    """The portal's webhook pages (behind the portal's `signed_in` guard, mounted with the portal)."""

    path = WEBHOOKS

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        *,
        issued: contracts.WebhookSecretIssued | None = None,
        errors: FormErrors | None = None,
        values: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Template:
        endpoints = await ask(gateway.caller, contracts.ListWebhookEndpoints(provider_id=provider.provider_id))
        return provider_page(
            request,
            "aanbieder/webhooks.html",
            provider,
            status_code=status_code,
            endpoints=endpoints.endpoints,
            issued=issued,
            errors=errors or {},
            values=values or {"events": list(contracts.WEBHOOK_EVENT_TYPES)},
            event_types=contracts.WEBHOOK_EVENT_TYPES,
        )

    @get("/", name="provider_webhooks")
    async def endpoints(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        return await self._list_page(request, gateway, provider)

    @post("/", name="provider_register_webhook")
    async def register(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[WebhookForm, FORM]
    ) -> Template:
        provider = await find_provider(request, gateway)
        url, events, description, sandbox = data.url, list(data.events), data.description, data.sandbox == "1"
        values: dict[str, Any] = {"url": url, "description": description, "events": events, "sandbox": sandbox}
        try:
            issued = await ask(
                gateway.caller,
                contracts.RegisterWebhookEndpoint(
                    provider_id=provider.provider_id,
                    url=url,
                    events=events,
                    description=description[:200],
                    sandbox=sandbox,
                    created_by=actor_of(request),
                ),
                request_id=await form_request_id(request),
            )
        except RpcError as refusal:
            if refusal.status not in (400, 422):
                raise
            t = translator(request)
            fields = {"invalid_webhook_url": "url", "invalid_webhook_events": "events"}
            messages = problem_messages(t, refusal, fields)
            return await self._list_page(request, gateway, provider, errors=messages, values=values, status_code=422)
        # The secret is shown on this response only.
        return await self._list_page(request, gateway, provider, issued=issued)

    async def _endpoint_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        endpoint_id: uuid.UUID,
        *,
        issued: contracts.WebhookSecretIssued | None = None,
        notice: str = "",
    ) -> Template:
        log = await ask(
            gateway.caller,
            contracts.ListWebhookDeliveries(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, limit=LOG_LENGTH
            ),
        )
        return provider_page(
            request,
            "aanbieder/webhook.html",
            provider,
            endpoint=log.endpoint,
            deliveries=log.deliveries,
            issued=issued,
            notice=notice or request.query_params.get("melding", ""),
            event_types=contracts.WEBHOOK_EVENT_TYPES,
        )

    @get("/{endpoint_id:uuid}", name="provider_webhook")
    async def endpoint(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Template:
        provider = await find_provider(request, gateway)
        return await self._endpoint_page(request, gateway, provider, endpoint_id)

    @post("/{endpoint_id:uuid}/geheim", name="provider_rotate_webhook_secret")
    async def rotate(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, endpoint_id: FromPath[uuid.UUID]
    ) -> Template:
        provider = await find_provider(request, gateway)
        issued = await ask(
            gateway.caller,
            contracts.RotateWebhookSecret(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, rotated_by=actor_of(request)
            ),
        )
        return await self._endpoint_page(request, gateway, provider, endpoint_id, issued=issued)

    @post("/{endpoint_id:uuid}/status", name="provider_webhook_status")
    async def set_status(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        endpoint_id: FromPath[uuid.UUID],
        data: Annotated[WebhookStatusForm, FORM],
    ) -> Redirect:
        provider = await find_provider(request, gateway)
        enabled = data.enabled == "1"
        await ask(
            gateway.caller,
            contracts.SetWebhookEndpointEnabled(
                provider_id=provider.provider_id, endpoint_id=endpoint_id, enabled=enabled, changed_by=actor_of(request)
            ),
        )
        return Redirect(f"{WEBHOOKS}/{endpoint_id}?melding={'aan' if enabled else 'uit'}", status_code=303)

    @post("/{endpoint_id:uuid}/test", name="provider_webhook_test")
    async def send_test(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        endpoint_id: FromPath[uuid.UUID],
        data: Annotated[WebhookTestForm, FORM],
    ) -> Redirect:
        provider = await find_provider(request, gateway)
        if data.alle == "1":
            # The "every type" button: one test message of each event type.
            await ask(
                gateway.caller,
                contracts.SendTestWebhooks(
                    provider_id=provider.provider_id, endpoint_id=endpoint_id, requested_by=actor_of(request)
                ),
            )
            return Redirect(f"{WEBHOOKS}/{endpoint_id}?melding=tests", status_code=303)
        await ask(
            gateway.caller,
            contracts.SendTestWebhook(
                provider_id=provider.provider_id,
                endpoint_id=endpoint_id,
                event_type=data.event_type,
                requested_by=actor_of(request),
            ),
        )
        return Redirect(f"{WEBHOOKS}/{endpoint_id}?melding=test", status_code=303)

    @post("/{endpoint_id:uuid}/afleveringen/{delivery_id:uuid}/opnieuw", name="provider_webhook_redeliver")
    async def redeliver(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        endpoint_id: FromPath[uuid.UUID],
        delivery_id: FromPath[uuid.UUID],
    ) -> Redirect:
        provider = await find_provider(request, gateway)
        await ask(
            gateway.caller,
            contracts.RedeliverWebhook(
                provider_id=provider.provider_id,
                endpoint_id=endpoint_id,
                delivery_id=delivery_id,
                requested_by=actor_of(request),
            ),
        )
        return Redirect(f"{WEBHOOKS}/{endpoint_id}?melding=opnieuw", status_code=303)
