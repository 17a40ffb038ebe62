"""Password reset: the mailed single-use link, and setting a new password with it (which ends every session and
token of the account)."""

from __future__ import annotations

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import invalid
from registry.adapters.repositories.accounts import account_by_id, named_account_by_email, update_account
from registry.adapters.repositories.people import person_row
from registry.adapters.repositories.security_log import record_own_action
from registry.adapters.repositories.throttle import clear_throttle
from registry.adapters.repositories.tokens import revoke_account_tokens, spend_one_time_token, usable_one_time_token
from registry.domain.accounts import TokenPurpose, normalise_email, password_problems
from registry.domain.languages import stored_language
from registry.service_layer import notifications
from registry.service_layer.accounts.links import log_link_request, mail_link, refuse_token, send_link_once
from registry.service_layer.context import RegistryContext
from registry.service_layer.public_register import admit_account_request


async def request_password_reset(
    ctx: RegistryContext, command: contracts.RequestPasswordReset
) -> contracts.PasswordResetRequested:
    """Mail a single-use, expiring reset link when the address has an account; always the same answer."""
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        now = ctx.now()
        email = normalise_email(command.email)[:254]
        row = await named_account_by_email(uow.session, email)
        outcome = "no_account"
        if row is not None:
            name = f"{row.initials} {row.surname}"
            lifetime = ctx.policy.password_reset_token_lifetime
            outcome = await send_link_once(
                uow,
                row.account_id,
                TokenPurpose.RESET_PASSWORD,
                now,
                lambda: mail_link(
                    uow,
                    row.account_id,
                    TokenPurpose.RESET_PASSWORD,
                    to=email,
                    now=now,
                    lifetime=lifetime,
                    compose=lambda token: notifications.reset_password(
                        name, ctx.links.reset_password(token), round(lifetime.total_seconds() / 60), command.language
                    ),
                ),
            )
        await log_link_request(uow, "request_password_reset", email, row, outcome, client_ip=command.client_ip, now=now)
        await uow.commit()
    return contracts.PasswordResetRequested()


async def reset_password(ctx: RegistryContext, command: contracts.ResetPassword) -> contracts.PasswordChanged:
    """Set a new password with a reset token; ends every session and token of the account."""
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        session = uow.session
        now = ctx.now()
        pending = await usable_one_time_token(session, command.token, TokenPurpose.RESET_PASSWORD, now)
        if pending is None:
            await refuse_token(uow, "reset_password", command.client_ip, now)
        account = await account_by_id(session, pending)
        # Checked before the token is spent, so a too-short password does not cost the user their link.
        problems = password_problems(command.new_password, email=account.email)
        if problems:
            raise invalid("invalid_password", problems)
        account_id = await spend_one_time_token(session, command.token, TokenPurpose.RESET_PASSWORD, now)
        if account_id is None:  # spent by a concurrent request between the two reads
            await refuse_token(uow, "reset_password", command.client_ip, now)
        password_hash = await ctx.passwords.hash(command.new_password)
        await update_account(
            session, account_id, password_hash=password_hash, email_confirmed_at=account.email_confirmed_at or now
        )
        await revoke_account_tokens(session, account_id, now)
        await clear_throttle(session, account.email)
        person = await person_row(session, account_id)
        subject, body = notifications.password_changed(
            f"{person.initials} {person.surname}", stored_language(account.preferred_language)
        )
        await uow.queue_mail(to=account.email, subject=subject, body=body, person_id=account_id)
        await record_own_action(
            uow, at=now, action="reset_password", account_id=account_id, client_ip=command.client_ip
        )
        await uow.commit()
        return contracts.PasswordChanged(account_id=account_id)
