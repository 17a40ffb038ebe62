"""The administrator's system page (`/beheer/systeem`): per service whether it is ready, its queues (depth,
consumers, dead letters with the command that replays them), its outbox backlog and, for the audit, its workers and
the cases waiting. Read through `system.GetOperationalStatus`, which every service answers.

The overview is a partial (`/beheer/systeem/overzicht`) that the page's own script (`/static/systeem.js`; the CSP
forbids inline script) fetches again every few seconds, so the figures refresh without reloading the page.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.service_layer.context import GatewayDep
from gateway.web.rendering import page
from gateway.web.web_session import role_required
from lklr_shared.contracts.system import GetOperationalStatus, OperationalStatus
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE

log = logging.getLogger(__name__)

REFRESH_MILLISECONDS: Final = 5000
DEAD_LETTER_TOOL: Final = "uv run python -m lklr_shared.kit.deadletters"


@dataclass
class ServiceView:
    """One service's row on the page: its status, or why it could not be asked."""

    name: str
    status: OperationalStatus | None = None
    problem: str = ""
    commands: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.status is not None and all(self.status.checks.values())


def dead_letter_commands(status: OperationalStatus) -> dict[str, list[str]]:
    """Per dead-letter queue holding messages: the operator's commands to list and to replay them."""
    prefix = f"{DEAD_LETTER_TOOL} --prefix {status.broker_prefix}" if status.broker_prefix else DEAD_LETTER_TOOL
    return {
        queue.name: [f"{prefix} list {queue.consumer}", f"{prefix} replay {queue.consumer}"]
        for queue in status.queues
        if queue.role == "dead_letters" and queue.messages > 0
    }


async def service_views(gateway: GatewayDep) -> list[ServiceView]:
    """Ask every service for its operational status at once; one that cannot answer shows why."""
    answers = await asyncio.gather(
        *(gateway.caller.call(service, GetOperationalStatus()) for service in gateway.services), return_exceptions=True
    )
    views = []
    for service, answer in zip(gateway.services, answers, strict=True):
        if isinstance(answer, OperationalStatus):
            views.append(ServiceView(service, answer, commands=dead_letter_commands(answer)))
        elif isinstance(answer, RpcError):
            log.warning("operational status of %s unavailable: %s (%s)", service, answer.message, answer.code)
            views.append(ServiceView(service, problem=answer.code))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            views.append(ServiceView(service, problem="unexpected_reply"))
    return views


class AdminSystemPage(Controller):
    path = "/beheer/systeem"
    include_in_schema = False
    guards = [role_required("administrator")]

    async def _render(self, request: Request[Any, Any, Any], gateway: GatewayDep, template: str) -> Template:
        return page(
            request,
            template,
            services=await service_views(gateway),
            checked_at=datetime.now(REGISTER_TIME_ZONE).strftime("%d-%m-%Y %H:%M:%S"),
            refresh_milliseconds=REFRESH_MILLISECONDS,
        )

    @get("", name="admin_system")
    async def show(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        """The page with the overview in it."""
        response = await self._render(request, gateway, "beheer/systeem.html")
        response.headers["Cache-Control"] = "no-store"
        return response

    @get("/overzicht", name="admin_system_overview")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        """Only the overview (the page's script replaces its copy with this every few seconds)."""
        response = await self._render(request, gateway, "beheer/_systeem_overzicht.html")
        response.headers["Cache-Control"] = "no-store"
        return response
