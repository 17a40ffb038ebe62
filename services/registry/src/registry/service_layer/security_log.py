"""The registry's security event log, as every service shows it (``system.ListSecurityEvents``): its audit trail
(every change by or about a person, role changes and refusals included) and its sign-in log (every attempt, its
result and lockouts), both append-only, read together, newest first."""

from __future__ import annotations

from typing import Any

from lklr_shared.contracts.system import ListSecurityEvents, SecurityEvent, SecurityEventList
from registry.adapters.repositories.security_log import newest_audit_entries, newest_login_attempts
from registry.adapters.sql import as_utc
from registry.service_layer.context import RegistryContext

SERVICE = "registry"
SIGN_IN = "sign_in"


async def list_security_events(ctx: RegistryContext, query: ListSecurityEvents) -> SecurityEventList:
    """The newest entries of both logs (one ``action`` if asked: ``sign_in`` is the sign-in log)."""
    events: list[SecurityEvent] = []
    async with ctx.unit_of_work() as uow:
        if query.action in (None, SIGN_IN):
            attempts = await newest_login_attempts(uow.session, limit=query.limit, before=query.before)
            events += [_sign_in(row) for row in attempts]
        if query.action != SIGN_IN:
            trail = await newest_audit_entries(uow.session, limit=query.limit, action=query.action, before=query.before)
            events += [_action(row) for row in trail]
    events.sort(key=lambda event: event.at, reverse=True)
    return SecurityEventList(events=events[: query.limit])


def _sign_in(row: Any) -> SecurityEvent:
    account = f"account:{row.account_id}" if row.account_id is not None else "unknown account"
    return SecurityEvent(
        service=SERVICE,
        at=as_utc(row.at),
        # The address typed is the object; who typed it is known only when it names an account.
        actor=account,
        action=SIGN_IN,
        object=f"email:{row.email}",
        result=row.result,
        origin=row.client_ip,
        detail={"channel": row.channel},
    )


def _action(row: Any) -> SecurityEvent:
    return SecurityEvent(
        service=SERVICE,
        at=as_utc(row.at),
        actor=f"account:{row.actor_account_id}" if row.actor_account_id is not None else "anonymous",
        action=row.action,
        object=row.subject,
        result=row.result,
        origin=row.client_ip,
        detail={str(key): str(value) for key, value in (row.detail or {}).items()},
    )
