"""The administrator's view of the security event logs (`/beheer/beveiligingslog`): every service's log, newest
first, read through `system.ListSecurityEvents`. Read only: the logs are append-only in each service's database
and nothing in the application edits them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.service_layer.context import GatewayDep
from gateway.web.rendering import page
from gateway.web.web_session import role_required
from lklr_shared.contracts.system import ListSecurityEvents, SecurityEvent, SecurityEventList
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE

log = logging.getLogger(__name__)

SERVICES: Final = ("registry", "portfolio", "accreditation", "audit")
PAGE_SIZE: Final = 200


class AdminSecurityLogPage(Controller):
    path = "/beheer/beveiligingslog"
    include_in_schema = False
    guards = [role_required("administrator")]

    @get("", name="admin_security_log")
    async def show(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        """The logs of one service (`?dienst=`) or all, optionally one action (`?actie=`), newest first."""
        chosen = request.query_params.get("dienst", "")
        services = [chosen] if chosen in SERVICES else list(SERVICES)
        action = (request.query_params.get("actie") or "").strip()[:60] or None
        query = ListSecurityEvents(limit=PAGE_SIZE, action=action)
        answers = await asyncio.gather(
            *(gateway.caller.call(service, query) for service in services), return_exceptions=True
        )
        events: list[SecurityEvent] = []
        unavailable: list[str] = []
        for service, answer in zip(services, answers, strict=True):
            if isinstance(answer, SecurityEventList):
                events += answer.events
            elif isinstance(answer, RpcError):
                log.warning("security log of %s unavailable: %s (%s)", service, answer.message, answer.code)
                unavailable.append(service)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                unavailable.append(service)
        events.sort(key=lambda event: event.at, reverse=True)
        return page(
            request,
            "beheer/beveiligingslog.html",
            events=events[:PAGE_SIZE],
            services=SERVICES,
            chosen=chosen if chosen in SERVICES else "",
            action=action or "",
            unavailable=unavailable,
            local_time=lambda moment: moment.astimezone(REGISTER_TIME_ZONE).strftime("%d-%m-%Y %H:%M:%S"),
        )
