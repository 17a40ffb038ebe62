"""Demo accounts: a confirmed account with a known password (and TOTP secret for staff), for demonstrations and
tests; switched off in a real deployment."""

from __future__ import annotations

import uuid

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Forbidden, RuleViolation, invalid
from registry.adapters.repositories.accounts import account_id_by_email, add_account
from registry.adapters.repositories.security_log import DONE, record_action
from registry.domain.accounts import (
    InvalidAccountData,
    parse_account_roles,
    requires_second_factor,
    sorted_account_roles,
    validate_sign_up,
)
from registry.service_layer.context import RegistryContext


async def create_demo_account(ctx: RegistryContext, command: contracts.CreateDemoAccount) -> contracts.DemoAccountReady:
    """A confirmed account with a known password (and TOTP secret for staff); idempotent by e-mail."""
    if not ctx.policy.allow_demo_commands:
        raise Forbidden("demo_commands_disabled", "Demo commands are switched off in this deployment.")
    try:
        new = validate_sign_up(
            email=command.email, password=command.password, initials=command.initials, surname=command.surname
        )
    except InvalidAccountData as exc:
        raise invalid("invalid_sign_up", exc.problems) from exc
    roles = parse_account_roles(command.account_roles)
    if requires_second_factor(roles) and not command.totp_secret:
        raise RuleViolation("totp_secret_required", "A staff account needs a TOTP secret.")
    async with ctx.unit_of_work() as uow:
        existing = await account_id_by_email(uow.session, new.email)
        if existing is not None:
            return contracts.DemoAccountReady(account_id=existing, created=False)
        now = ctx.now()
        account_id = uuid.uuid4()
        added = await add_account(
            uow.session,
            account_id=account_id,
            email=new.email,
            password_hash=await ctx.passwords.hash(command.password),
            initials=new.initials,
            surname=new.surname,
            roles=sorted_account_roles(roles),
            now=now,
            totp_secret=ctx.secrets.seal(command.totp_secret) if command.totp_secret else None,
            email_confirmed_at=now,
        )
        if not added:
            raise RuntimeError(f"a concurrent request created the demo account {new.email} first")
        await record_action(
            uow,
            at=now,
            action="create_demo_account",
            subject=f"account:{account_id}",
            client_ip="",
            actor_account_id=None,
            person_id=account_id,
            result=DONE,
        )
        await uow.commit()
    return contracts.DemoAccountReady(account_id=account_id, created=True)
