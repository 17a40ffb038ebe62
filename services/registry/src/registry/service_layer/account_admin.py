"""The administrator's account work: look an account up by e-mail and set which staff roles it holds.

Every role change is written to the audit trail (who, which account, the roles before and after, when, from where,
the result); refusals too. A change of roles ends every session and API token of the account: power given must
be claimed with a fresh sign-in that passes the second factor, and power taken is gone at once. A staff role given
to an account without a TOTP secret mails it a one-time enrolment link (``accounts.mail_second_factor_link``);
until it has enrolled from that link, its sign-ins carry no staff role.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, NotFound, RuleViolation
from registry.adapters.repositories.accounts import (
    account_id_by_email,
    account_view,
    lock_for_role_change,
    update_account,
)
from registry.adapters.repositories.security_log import DONE, REFUSED, record_action
from registry.adapters.repositories.tokens import revoke_account_tokens
from registry.domain.accounts import (
    AccountRole,
    UnknownRole,
    normalise_email,
    parse_account_roles,
    parse_staff_roles,
    removes_last_administrator,
    requires_second_factor,
    sorted_account_roles,
    with_staff_roles,
)
from registry.service_layer.accounts.second_factor import mail_second_factor_link
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext

_NO_ACCOUNT = "There is no account with this id or address."


async def find_account(ctx: RegistryContext, query: contracts.FindAccount) -> contracts.AccountView:
    """The account with exactly this address, for the administrator only."""
    email = normalise_email(query.email)[:254]
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        await require_role(
            uow, actor, AccountRole.ADMINISTRATOR, at=ctx.now(), action="find_account", subject=f"email:{email}"
        )
        account_id = await account_id_by_email(uow.session, email)
        view = await account_view(uow.session, account_id) if account_id is not None else None
    if view is None:
        raise NotFound("account_not_found", _NO_ACCOUNT)
    return view


async def set_account_roles(ctx: RegistryContext, command: contracts.SetAccountRoles) -> contracts.AccountView:
    """Set an account's staff roles (the professional role stays); see SetAccountRoles for the refusals."""
    async with ctx.unit_of_work() as uow:
        now = ctx.now()
        subject = f"account:{command.account_id}"
        actor = await load_actor(uow, command.actor_account_id)
        await require_role(
            uow,
            actor,
            AccountRole.ADMINISTRATOR,
            at=now,
            action="set_account_roles",
            subject=subject,
            client_ip=command.client_ip,
        )

        async def log(person_id: uuid.UUID | None, detail: dict[str, str], result: str = DONE) -> None:
            await record_action(
                uow,
                at=now,
                action="set_account_roles",
                subject=subject,
                client_ip=command.client_ip,
                actor_account_id=actor.account_id,
                person_id=person_id,
                result=result,
                detail=detail,
            )

        async def refuse(reason: str, error: Exception) -> NoReturn:
            await log(None, {"reason": reason}, REFUSED)
            await uow.commit()
            raise error

        try:
            staff = parse_staff_roles(command.roles)
        except UnknownRole as exc:
            await refuse("unknown_role", RuleViolation("unknown_role", str(exc)))
        # Serialise role changes: the "is anyone else administrator" check below must not race another change. The
        # target and every administrator row are locked in one statement, in key order, so two concurrent demotions
        # queue behind each other (and cannot deadlock).
        locked = await lock_for_role_change(uow.session, command.account_id, AccountRole.ADMINISTRATOR)
        target = next((row for row in locked if row.account_id == command.account_id), None)
        if target is None:
            await refuse("account_not_found", NotFound("account_not_found", _NO_ACCOUNT))
        before = parse_account_roles(target.account_roles)
        after = with_staff_roles(before, staff)
        others = [parse_account_roles(row.account_roles) for row in locked if row.account_id != target.account_id]
        if removes_last_administrator(before, after, others):
            await refuse(
                "last_administrator",
                Conflict("last_administrator", "This is the last administrator; give the role to someone else first."),
            )
        before_text = ",".join(role.value for role in sorted_account_roles(before))
        after_text = ",".join(role.value for role in sorted_account_roles(after))
        detail = {"before": before_text, "after": after_text}
        if after != before:
            await update_account(
                uow.session, target.account_id, account_roles=[role.value for role in sorted_account_roles(after)]
            )
            detail["sessions_ended"] = str(await revoke_account_tokens(uow.session, target.account_id, now))
        if requires_second_factor(after) and not target.totp_secret:
            # Saving again while the enrolment is pending sends a fresh link (the older one stops working).
            await mail_second_factor_link(uow, ctx, target.account_id, now=now)
            detail["enrolment_link_mailed"] = "yes"
        await log(target.account_id, detail)
        await uow.commit()
        view = await account_view(uow.session, target.account_id)
        assert view is not None
        return view
