"""The registry's security event log, as every service shows it (``system.ListSecurityEvents``): its audit trail
(every change by or about a person, role changes and refusals included) and its sign-in log (every attempt, its
result and lockouts), both append-only, read together, newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lklr_shared.contracts.system import ListSecurityEvents, SecurityEvent, SecurityEventList
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import audit_trail, login_attempts
from registry.service_layer.context import RegistryContext
from registry.service_layer.records import as_utc

SERVICE = "registry"
SIGN_IN = "sign_in"


async def list_security_events(uow: UnitOfWork, _ctx: RegistryContext, query: ListSecurityEvents) -> SecurityEventList:
    """The newest entries of both logs (one ``action`` if asked: ``sign_in`` is the sign-in log)."""
    session = uow.session
    events: list[SecurityEvent] = []
    if query.action in (None, SIGN_IN):
        attempts = sa.select(login_attempts).order_by(login_attempts.c.at.desc()).limit(query.limit)
        if query.before is not None:
            attempts = attempts.where(login_attempts.c.at < query.before)
        events += [_sign_in(row) for row in (await session.execute(attempts)).all()]
    if query.action != SIGN_IN:
        trail = sa.select(audit_trail).order_by(audit_trail.c.at.desc()).limit(query.limit)
        if query.action is not None:
            trail = trail.where(audit_trail.c.action == query.action)
        if query.before is not None:
            trail = trail.where(audit_trail.c.at < query.before)
        events += [_action(row) for row in (await session.execute(trail)).all()]
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
