"""The administrator's account work: look an account up by e-mail and set which staff roles it holds.

Every role change is written to the audit trail (who, which account, the roles before and after, when, from where,
the result); refusals too. A change of roles ends every session and API token of the account: power given must
be claimed with a fresh sign-in that passes the second factor, and power taken is gone at once. A staff role given
to an account without a TOTP secret mails it a one-time enrolment link (``accounts.mail_second_factor_link``);
until it has enrolled from that link, its sign-ins carry no staff role.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NoReturn

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import access_tokens, accounts
from registry.adapters.sql import may_hold_role
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import (
    AccountRole,
    UnknownRole,
    normalise_email,
    parse_account_roles,
    parse_staff_roles,
    requires_second_factor,
    sorted_account_roles,
    with_staff_roles,
)
from registry.service_layer.accounts import mail_second_factor_link
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.audit_log import REFUSED, record_action
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import conflict, not_found, unprocessable
from registry.service_layer.views import account_view

_NO_ACCOUNT = "There is no account with this id or address."


async def find_account(uow: UnitOfWork, ctx: RegistryContext, query: contracts.FindAccount) -> contracts.AccountView:
    """The account with exactly this address, for the administrator only."""
    email = normalise_email(query.email)[:254]
    actor = await load_actor(uow, query.actor_account_id)
    await require_role(
        uow, actor, AccountRole.ADMINISTRATOR, at=ctx.now(), action="find_account", subject=f"email:{email}"
    )
    account_id = (
        await uow.session.execute(sa.select(accounts.c.account_id).where(accounts.c.email == email))
    ).scalar_one_or_none()
    view = await account_view(uow.session, account_id) if account_id is not None else None
    if view is None:
        raise not_found("account_not_found", _NO_ACCOUNT)
    return view


async def set_account_roles(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.SetAccountRoles
) -> contracts.AccountView:
    """Set an account's staff roles (the professional role stays); see SetAccountRoles for the refusals."""
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

    async def refuse(reason: str, error: Exception) -> NoReturn:
        await record_action(
            uow,
            at=now,
            action="set_account_roles",
            subject=subject,
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=None,
            result=REFUSED,
            detail={"reason": reason},
        )
        await uow.commit()
        raise error

    try:
        staff = parse_staff_roles(command.roles)
    except UnknownRole as exc:
        await refuse("unknown_role", unprocessable("unknown_role", str(exc)))
    # Serialise role changes: the "is anyone else administrator" check below must not race another change. The
    # target and every administrator row are locked in one statement, in key order, so two concurrent demotions
    # queue behind each other (and cannot deadlock).
    locked = (
        await uow.session.execute(
            sa.select(accounts.c.account_id, accounts.c.account_roles, accounts.c.totp_secret)
            .where(
                sa.or_(
                    accounts.c.account_id == command.account_id,
                    may_hold_role(accounts.c.account_roles, AccountRole.ADMINISTRATOR.value),
                )
            )
            .order_by(accounts.c.account_id)
            .with_for_update()
        )
    ).all()
    target = next((row for row in locked if row.account_id == command.account_id), None)
    if target is None:
        await refuse("account_not_found", not_found("account_not_found", _NO_ACCOUNT))
    before = parse_account_roles(target.account_roles)
    after = with_staff_roles(before, staff)
    removes_administrator = AccountRole.ADMINISTRATOR in before and AccountRole.ADMINISTRATOR not in after
    if removes_administrator and not _other_administrators(locked, exclude=target.account_id):
        await refuse(
            "last_administrator",
            conflict("last_administrator", "This is the last administrator; give the role to someone else first."),
        )
    before_text = ",".join(role.value for role in sorted_account_roles(before))
    after_text = ",".join(role.value for role in sorted_account_roles(after))
    detail = {"before": before_text, "after": after_text}
    if after != before:
        await uow.session.execute(
            sa.update(accounts)
            .where(accounts.c.account_id == target.account_id)
            .values(account_roles=[role.value for role in sorted_account_roles(after)])
        )
        ended = await uow.session.execute(
            sa.update(access_tokens)
            .where(access_tokens.c.account_id == target.account_id, access_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(access_tokens.c.token_hash)
        )
        detail["sessions_ended"] = str(len(ended.all()))
    if requires_second_factor(after) and not target.totp_secret:
        # Saving again while the enrolment is pending sends a fresh link (the older one stops working).
        await mail_second_factor_link(uow, ctx, target.account_id, now=now)
        detail["enrolment_link_mailed"] = "yes"
    await record_action(
        uow,
        at=now,
        action="set_account_roles",
        subject=subject,
        client_ip=command.client_ip,
        actor_account_id=actor.account_id,
        person_id=target.account_id,
        detail=detail,
    )
    await uow.commit()
    view = await account_view(uow.session, target.account_id)
    assert view is not None
    return view


def _other_administrators(rows: Sequence[Any], *, exclude: uuid.UUID) -> bool:
    """Whether an account other than ``exclude`` holds the administrator role (the roles, not the text, decide)."""
    return any(
        row.account_id != exclude and AccountRole.ADMINISTRATOR in parse_account_roles(row.account_roles)
        for row in rows
    )
