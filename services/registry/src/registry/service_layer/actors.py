"""Who is asking: the acting account behind a request, and the role checks on it.

The gateway authenticates and passes the account id (which the RPC server has checked against the signed actor
assertion); the roles come from the registry's own tables, so a role taken away counts at once and a gateway cannot
grant itself one, and of those only the ones the assertion carries count (staff roles need the second factor).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from lklr_shared.errors import Forbidden, Unauthenticated
from lklr_shared.kit.actor import current_actor
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.accounts import confirmed_account
from registry.adapters.repositories.security_log import REFUSED, record_action
from registry.domain.accounts import AccountRole, parse_account_roles


@dataclass(frozen=True, slots=True)
class Actor:
    """A confirmed account acting through the gateway."""

    account_id: uuid.UUID
    email: str
    roles: frozenset[AccountRole]

    def has(self, role: AccountRole) -> bool:
        return role in self.roles


async def load_actor(uow: UnitOfWork, account_id: uuid.UUID) -> Actor:
    """The acting account, or 401 actor_unknown when it does not exist or never confirmed its address."""
    row = await confirmed_account(uow.session, account_id)
    if row is None:
        raise Unauthenticated("actor_unknown", "The acting account does not exist or is not confirmed.")
    roles = parse_account_roles(row.account_roles)
    claims = current_actor()
    if claims is not None:
        # Roles count as the gateway asserted them for this sign-in too: a staff role only after the second factor.
        roles = frozenset(role for role in roles if role.value in claims.roles)
    return Actor(account_id=account_id, email=row.email, roles=roles)


async def require_role(
    uow: UnitOfWork,
    actor: Actor,
    role: AccountRole,
    *,
    at: datetime,
    action: str,
    subject: str,
    client_ip: str = "",
) -> None:
    """Raise 403 forbidden unless the actor has ``role``; a refusal is written to the audit trail first.

    Called before the use case changes anything, so committing here stores only the refusal.
    """
    if actor.has(role):
        return
    await record_action(
        uow,
        at=at,
        action=action,
        subject=subject,
        client_ip=client_ip,
        actor_account_id=actor.account_id,
        person_id=None,
        result=REFUSED,
        detail={"missing_role": role.value},
    )
    await uow.commit()
    raise Forbidden("forbidden", f"This needs the {role.value} role.")
