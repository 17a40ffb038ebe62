"""The public web pages (server-rendered)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import coverage, get_statistics
from gateway.web.rendering import page
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.asyncapi import key as asyncapi_key
from lklr_shared.kit.asyncapi import rpc_operations
from lklr_shared.kit.asyncapi import summary as asyncapi_summary
from lklr_shared.kit.requests import ask
from lklr_shared.kit.topology import Topology

log = logging.getLogger(__name__)

# /portfolio: see features/portfolio; /register: features/register; /mijn: features/mine.


class Pages(Controller):
    include_in_schema = False

    @get("/", name="start")
    async def start(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        try:
            statistics = await get_statistics(gateway.caller)
        except RpcError as exc:
            # The start page is the front door: it renders without figures rather than failing.
            log.warning("start page without statistics: %s (%s)", exc.message, exc.code)
            statistics = None
        percentage = coverage(statistics) if statistics is not None else None
        return page(request, "start.html", statistics=statistics, percentage=percentage)

    @get("/vragen", name="faq")
    async def faq(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        version = gateway.scheme.version_in_force(gateway.today())
        try:
            retention = await ask(gateway.caller, registry_contracts.GetRetentionSchedule())
        except RpcError as exc:
            # The FAQ is the scheme's: it renders without the retention table rather than failing.
            log.warning("FAQ without the retention schedule: %s (%s)", exc.message, exc.code)
            retention = None
        return page(request, "vragen.html", version=version, retention=retention)

    @get("/asyncapi", name="asyncapi_page")
    async def asyncapi_page(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        document = gateway.asyncapi
        events = [
            {
                "routing_key": channel["address"],
                "owner": channel["address"].split(".", 1)[0],
                "summary": channel.get("description", ""),
            }
            for channel in document["channels"].values()
            if channel.get("bindings", {}).get("amqp", {}).get("is") == "routingKey"
        ]
        queues = {
            name: channel["address"]
            for name, channel in document["channels"].items()
            if channel.get("bindings", {}).get("amqp", {}).get("is") == "queue"
        }
        # The document lists each queue's requests as payloads; kinds and replies come from the catalogue it was
        # generated from (the queue names, with the deployment's prefix, from the document itself).
        rpc = [
            {
                "queue": queues[f"{operation.service}.rpc"],
                "request": asyncapi_key(operation.request),
                "kind": operation.request.kind,
                "summary": asyncapi_summary(operation.request),
                "replies": [asyncapi_key(reply) for reply in operation.replies],
            }
            for operation in rpc_operations(Topology())
            if f"{operation.service}.rpc" in queues
        ]
        return page(request, "asyncapi.html", events=events, rpc=rpc, exchange=gateway.events_exchange)
