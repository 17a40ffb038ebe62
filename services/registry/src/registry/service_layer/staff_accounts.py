"""The office's (and the administrator's) view of staff accounts: who holds which staff role (e.g. the assessment committee members the
office registers as reviewers with the audit)."""

from __future__ import annotations

from typing import Final

from lklr_shared.contracts import registry as contracts
from registry.adapters.repositories.accounts import staff_account_views
from registry.domain.accounts import AccountRole
from registry.domain.status import RegistrationStatus
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext

# A person is a registered professional while their registration is in the register (a suspension interrupts it,
# an expiry or striking off ends it).
IN_REGISTER: Final = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.REREGISTRATION_PENDING, RegistrationStatus.SUSPENDED}
)


async def list_staff_accounts(ctx: RegistryContext, query: contracts.ListStaffAccounts) -> contracts.StaffAccounts:
    """Staff accounts (optionally of one role), for the office and the administrator."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        if not actor.has(AccountRole.ADMINISTRATOR):
            await require_role(
                uow,
                actor,
                AccountRole.OFFICE,
                at=ctx.now(),
                action="list_staff_accounts",
                subject=f"accounts:{query.role or 'staff'}",
            )
        role = AccountRole(query.role) if query.role is not None else None
        return contracts.StaffAccounts(accounts=await staff_account_views(uow.session, role, in_register=IN_REGISTER))
