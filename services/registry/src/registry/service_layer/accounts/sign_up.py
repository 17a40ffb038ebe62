"""Sign-up and confirming the address: an unconfirmed professional account, and the mailed link that confirms it."""

from __future__ import annotations

import uuid
from datetime import datetime

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Conflict, invalid
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.accounts import (
    account_by_email,
    account_by_id,
    add_account,
    named_account_by_email,
    replace_unconfirmed,
    update_account,
)
from registry.adapters.repositories.security_log import (
    DONE,
    REFUSED,
    action_logged_since,
    record_action,
    record_own_action,
)
from registry.adapters.repositories.tokens import mailed_since, spend_one_time_token
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import (
    AccountRole,
    InvalidAccountData,
    TokenPurpose,
    mail_window_start,
    normalise_email,
    validate_sign_up,
)
from registry.domain.languages import Language
from registry.service_layer import notifications
from registry.service_layer.accounts.links import log_link_request, mail_link, refuse_token, send_link_once
from registry.service_layer.context import RegistryContext
from registry.service_layer.public_register import admit_account_request


async def sign_up(ctx: RegistryContext, command: contracts.SignUp) -> contracts.SignUpAccepted:
    """Create an unconfirmed professional account and mail a confirmation link (see SignUp's docstring for
    what happens when the address is taken)."""
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        try:
            new = validate_sign_up(
                email=command.email, password=command.password, initials=command.initials, surname=command.surname
            )
        except InvalidAccountData as exc:
            raise invalid("invalid_sign_up", exc.problems) from exc
        # Hash before looking the address up, so every branch below costs the same time.
        password_hash = await ctx.passwords.hash(command.password)
        now = ctx.now()
        existing = await account_by_email(uow.session, new.email)
        name = f"{new.initials} {new.surname}"
        result = DONE
        if existing is not None and await _signed_up_recently(uow, existing.account_id, now):
            # At most one sign-up mail a minute per address, as for resends and resets: the form is anonymous and
            # must not become a way to flood someone's mailbox. Nothing changes (not the password either, or a
            # second sign-up within the minute could set the password the first one's link then confirms).
            account_id = existing.account_id
            outcome, result = "throttled", REFUSED
        elif existing is None:
            account_id = uuid.uuid4()
            added = await add_account(
                uow.session,
                account_id=account_id,
                email=new.email,
                password_hash=password_hash,
                initials=new.initials,
                surname=new.surname,
                roles=[AccountRole.PROFESSIONAL],
                now=now,
                preferred_language=command.language,
            )
            if not added:
                # Two sign-ups for one new address raced; the other one won.
                raise Conflict("sign_up_in_progress", "This address is being signed up right now; try again.")
            await _mail_confirmation(
                uow, ctx, account_id=account_id, email=new.email, name=name, now=now, lang=command.language
            )
            outcome = "created"
        elif existing.email_confirmed_at is None:
            # The newest sign-up wins, and older links stop working: whoever can read the mailbox confirms the
            # password they chose, never one someone else set before them.
            account_id = existing.account_id
            await replace_unconfirmed(
                uow.session,
                account_id,
                password_hash=password_hash,
                language=command.language,
                initials=new.initials,
                surname=new.surname,
                now=now,
            )
            await _mail_confirmation(
                uow, ctx, account_id=account_id, email=new.email, name=name, now=now, lang=command.language
            )
            outcome = "replaced_unconfirmed"
        else:
            account_id = existing.account_id
            subject, body = notifications.sign_up_for_existing_account(name, command.language)
            await uow.queue_mail(to=new.email, subject=subject, body=body, person_id=account_id)
            outcome = "already_confirmed"
        await record_action(
            uow,
            at=now,
            action="sign_up",
            subject=f"account:{account_id}",
            client_ip=command.client_ip,
            actor_account_id=None,
            person_id=account_id,
            result=result,
            detail={"outcome": outcome},
        )
        await uow.commit()
        return contracts.SignUpAccepted(email=new.email)


async def _signed_up_recently(uow: UnitOfWork, account_id: uuid.UUID, now: datetime) -> bool:
    """Whether a sign-up for this account mailed something within the last minute."""
    since = mail_window_start(now)
    return await action_logged_since(uow.session, account_id, "sign_up", DONE, since) or await mailed_since(
        uow.session, account_id, TokenPurpose.CONFIRM_EMAIL, since
    )


async def _mail_confirmation(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    *,
    account_id: uuid.UUID,
    email: str,
    name: str,
    now: datetime,
    lang: Language,
) -> None:
    lifetime = ctx.policy.confirmation_token_lifetime
    await mail_link(
        uow,
        account_id,
        TokenPurpose.CONFIRM_EMAIL,
        to=email,
        now=now,
        lifetime=lifetime,
        compose=lambda token: notifications.confirm_email(
            name, ctx.links.confirm_email(token), round(lifetime.total_seconds() / 3600), lang
        ),
    )


async def confirm_email(ctx: RegistryContext, command: contracts.ConfirmEmail) -> contracts.EmailConfirmed:
    """Confirm an address with its token (400 token_invalid when unknown, used, replaced or expired)."""
    async with ctx.unit_of_work() as uow:
        now = ctx.now()
        account_id = await spend_one_time_token(uow.session, command.token, TokenPurpose.CONFIRM_EMAIL, now)
        if account_id is None:
            await refuse_token(uow, "confirm_email", command.client_ip, now)
        row = await account_by_id(uow.session, account_id)
        if row.email_confirmed_at is None:
            await update_account(uow.session, account_id, email_confirmed_at=now)
        await record_own_action(uow, at=now, action="confirm_email", account_id=account_id, client_ip=command.client_ip)
        await uow.commit()
    return contracts.EmailConfirmed(account_id=account_id, email=row.email)


async def request_email_confirmation(
    ctx: RegistryContext, command: contracts.RequestEmailConfirmation
) -> contracts.EmailConfirmationRequested:
    """Mail a fresh confirmation link to an unconfirmed account; the same answer in every case."""
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        now = ctx.now()
        email = normalise_email(command.email)
        row = await named_account_by_email(uow.session, email)
        outcome = "no_account"
        if row is not None and row.email_confirmed_at is None:
            name = f"{row.initials} {row.surname}"
            outcome = await send_link_once(
                uow,
                row.account_id,
                TokenPurpose.CONFIRM_EMAIL,
                now,
                lambda: _mail_confirmation(
                    uow, ctx, account_id=row.account_id, email=email, name=name, now=now, lang=command.language
                ),
            )
        elif row is not None:
            outcome = "already_confirmed"
        await log_link_request(
            uow, "request_email_confirmation", email, row, outcome, client_ip=command.client_ip, now=now
        )
        await uow.commit()
    return contracts.EmailConfirmationRequested()
