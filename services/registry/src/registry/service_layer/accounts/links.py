"""The single-use links the registry mails (confirm an address, reset a password, enrol a second factor): issuing
one, answering an anonymous request for one, and refusing a link that does not work."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn

from lklr_shared.errors import InvalidRequest
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.security_log import REFUSED, record_action
from registry.adapters.repositories.tokens import issue_one_time_token, mailed_since
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.accounts import TokenPurpose, mail_window_start
from registry.service_layer.notifications import Mail

TOKEN_INVALID = "This link or code is invalid, already used, or expired. Ask for a new one."


async def mail_link(
    uow: MailingUnitOfWork,
    account_id: uuid.UUID,
    purpose: TokenPurpose,
    *,
    to: str,
    now: datetime,
    lifetime: timedelta,
    compose: Callable[[str], Mail],
) -> None:
    """Issue a fresh token for ``purpose`` (an older unused one stops working) and mail it: ``compose`` writes the
    mail around the token."""
    token = await issue_one_time_token(uow.session, account_id, purpose, now=now, lifetime=lifetime)
    subject, body = compose(token)
    await uow.queue_mail(to=to, subject=subject, body=body, person_id=account_id)


async def send_link_once(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    purpose: TokenPurpose,
    now: datetime,
    send: Callable[[], Awaitable[None]],
) -> str:
    """Send a link unless one for ``purpose`` went to the account within the last minute (the request is
    anonymous and must not flood a mailbox); the outcome as the audit trail names it."""
    if await mailed_since(uow.session, account_id, purpose, mail_window_start(now)):
        return "throttled"
    await send()
    return "sent"


async def log_link_request(
    uow: UnitOfWork, action: str, email: str, account: Any, outcome: str, *, client_ip: str, now: datetime
) -> None:
    """Write an anonymous request for a link to the audit trail, with what came of it (``account``: the account
    row of the address, or None)."""
    await record_action(
        uow,
        at=now,
        action=action,
        subject=f"email:{email}",
        client_ip=client_ip,
        actor_account_id=None,
        person_id=account.account_id if account is not None else None,
        detail={"outcome": outcome},
    )


async def refuse_token(uow: UnitOfWork, action: str, client_ip: str, now: datetime) -> NoReturn:
    """Log a failed token use (guessing links is an attack worth seeing) and raise 400 token_invalid."""
    await record_action(
        uow,
        at=now,
        action=action,
        subject="token",
        client_ip=client_ip,
        actor_account_id=None,
        person_id=None,
        result=REFUSED,
    )
    await uow.commit()
    raise InvalidRequest("token_invalid", TOKEN_INVALID)
