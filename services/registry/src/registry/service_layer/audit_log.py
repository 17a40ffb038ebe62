"""Writing the audit trail and the login log: who did what, when, from where, with what result."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import audit_trail, login_attempts
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import LoginOutcome

DONE = "done"
REFUSED = "refused"


async def record_action(
    uow: UnitOfWork | MailingUnitOfWork,
    *,
    at: datetime,
    action: str,
    subject: str,
    client_ip: str,
    actor_account_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    result: str = DONE,
    detail: Mapping[str, str] | None = None,
) -> None:
    """Add an audit-trail entry in the caller's transaction (it commits or rolls back with the change)."""
    await uow.session.execute(
        sa.insert(audit_trail).values(
            at=at,
            actor_account_id=actor_account_id,
            person_id=person_id,
            action=action,
            subject=subject[:200],
            result=result,
            client_ip=client_ip[:64],
            detail=dict(detail or {}),
        )
    )


async def record_login_attempt(
    uow: UnitOfWork,
    *,
    at: datetime,
    email: str,
    account_id: uuid.UUID | None,
    channel: str,
    client_ip: str,
    result: LoginOutcome,
) -> None:
    """Add a login-log row in the caller's transaction."""
    await uow.session.execute(
        sa.insert(login_attempts).values(
            at=at,
            email=email[:254],
            account_id=account_id,
            channel=channel,
            client_ip=client_ip[:64],
            result=result.value,
        )
    )
