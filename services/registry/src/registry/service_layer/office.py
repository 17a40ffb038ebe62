"""What the office's requests start with: the staff member asking (refused and logged without the role), and the
registration a typed number names."""

from __future__ import annotations

import uuid
from datetime import datetime

from lklr_shared.errors import invalid
from lklr_shared.kit.outbox import UnitOfWork
from registry.domain.accounts import AccountRole
from registry.domain.registration_number import (
    InvalidRegistrationNumber,
    RegistrationNumber,
    parse_registration_number,
)
from registry.service_layer.actors import Actor, load_actor, require_role
from registry.service_layer.context import RegistryContext


async def office_member(
    uow: UnitOfWork,
    ctx: RegistryContext,
    actor_account_id: uuid.UUID,
    *,
    action: str,
    subject: str,
    client_ip: str = "",
) -> tuple[Actor, datetime]:
    """The acting office member and the time the request is judged at; 403 (logged) for anyone else."""
    actor = await load_actor(uow, actor_account_id)
    now = ctx.now()
    await require_role(uow, actor, AccountRole.OFFICE, at=now, action=action, subject=subject, client_ip=client_ip)
    return actor, now


def typed_number(typed: str) -> RegistrationNumber:
    """The registration number the office typed, or 422 invalid_registration_number with the reason."""
    try:
        return parse_registration_number(typed)
    except InvalidRegistrationNumber as exc:
        raise invalid("invalid_registration_number", [(exc.reason_code.value, exc.message)]) from exc
