"""The public web pages (server-rendered)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.entrypoints.rendering import page
from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import coverage, get_statistics
from lklr_shared.kit.rpc import RpcError

log = logging.getLogger(__name__)

# /portfolio: see portfolio_routes; /register and /mijn: see registry_routes.


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
        return page(request, "vragen.html", version=version)

    @get("/asyncapi", name="asyncapi_page")
    async def asyncapi_page(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        document = gateway.asyncapi
        messages = document["components"]["messages"]
        events = []
        rpc = []
        for _key, channel in document["channels"].items():
            if channel.get("bindings", {}).get("amqp", {}).get("is") == "routingKey":
                message = messages[next(iter(channel["messages"]))]
                events.append(
                    {"routing_key": channel["address"], "owner": message["x-owner"], "summary": message["summary"]}
                )
        for operation in document["operations"].values():
            if operation["action"] != "receive":
                continue
            channel = document["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]
            request_key = operation["messages"][0]["$ref"].rsplit("/", 1)[-1]
            reply_keys = [ref["$ref"].rsplit("/", 1)[-1] for ref in operation["reply"]["messages"]]
            rpc.append(
                {
                    "queue": channel["address"],
                    "request": request_key,
                    "kind": messages[request_key]["x-kind"],
                    "summary": messages[request_key]["summary"],
                    "replies": reply_keys,
                }
            )
        return page(request, "asyncapi.html", events=events, rpc=rpc, exchange=gateway.events_exchange)
