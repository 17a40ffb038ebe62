"""One's own account: reading it, and the language of one's later mails."""

from __future__ import annotations

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import NotFound
from registry.adapters.repositories.accounts import account_view, lock_preferred_language, update_account
from registry.adapters.repositories.security_log import record_own_action
from registry.service_layer.actors import load_actor
from registry.service_layer.context import RegistryContext


async def get_my_account(ctx: RegistryContext, query: contracts.GetMyAccount) -> contracts.AccountView:
    """The actor's own account."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        view = await account_view(uow.session, actor.account_id)
    if view is None:  # the actor was just loaded; only a concurrent deletion could get here
        raise NotFound("not_found", "No such account.")
    return view


async def set_preferred_language(
    ctx: RegistryContext, command: contracts.SetPreferredLanguage
) -> contracts.AccountView:
    """Set the language of the actor's later mails (Mijn LKLR's setting, or the site language they switched to).
    A change is written to the audit trail; the language it already has changes nothing."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, command.actor_account_id)
        now = ctx.now()
        before = await lock_preferred_language(uow.session, actor.account_id)
        if before != command.language:
            await update_account(uow.session, actor.account_id, preferred_language=command.language)
            await record_own_action(
                uow,
                at=now,
                action="set_preferred_language",
                account_id=actor.account_id,
                client_ip=command.client_ip,
                detail={"before": before, "after": command.language},
            )
        view = await account_view(uow.session, actor.account_id)
        assert view is not None  # the actor was just loaded, and its row is locked
        await uow.commit()
    return view
