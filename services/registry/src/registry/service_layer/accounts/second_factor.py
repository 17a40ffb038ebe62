"""The second factor (TOTP): the enrolment link an administrator's role change mails, starting an enrolment from
it with the password, and confirming the pending secret with a code from it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NoReturn

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Unauthenticated
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.accounts import account_by_id, update_account
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.security_log import record_login_attempt, record_own_action
from registry.adapters.repositories.throttle import clear_throttle, lock_throttle
from registry.adapters.repositories.tokens import (
    drop_enrollment,
    enrollment_by_token,
    replace_enrollment,
    usable_one_time_token,
    use_up,
)
from registry.adapters.security import new_token
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import (
    TOTP_ENROLLMENT_LIFETIME,
    LoginOutcome,
    TokenPurpose,
    parse_account_roles,
    requires_second_factor,
)
from registry.service_layer import notifications
from registry.service_layer.accounts.links import mail_link, refuse_token
from registry.service_layer.accounts.sign_in import (
    ENROLLMENT_CHANNEL,
    authenticate,
    check_throttle,
    count_failure,
    open_session,
    signed_in_as,
)
from registry.service_layer.context import RegistryContext
from registry.service_layer.public_register import admit_account_request


async def mail_second_factor_link(
    uow: RegistryUnitOfWork, ctx: RegistryContext, account_id: uuid.UUID, *, now: datetime
) -> None:
    """Mail the account a one-time enrolment link (an older unused one stops working). Called by the
    administrator's role change for a staff account without a second factor."""
    contact = await contact_of(uow.session, account_id)
    assert contact is not None and contact.email is not None  # the account was just locked by the role change
    lifetime = ctx.policy.second_factor_link_lifetime
    await mail_link(
        uow,
        account_id,
        TokenPurpose.ENROL_SECOND_FACTOR,
        to=contact.email,
        now=now,
        lifetime=lifetime,
        compose=lambda token: notifications.enrol_second_factor(
            contact.name,
            ctx.links.enrol_second_factor(token),
            valid_hours=round(lifetime.total_seconds() / 3600),
            lang=contact.language,
        ),
    )


async def start_second_factor_enrolment(
    ctx: RegistryContext, command: contracts.StartSecondFactorEnrolment
) -> contracts.LoginResult:
    """Check the mailed link and the password (under the sign-in throttle), then keep a fresh secret pending and
    hand it out once (see StartSecondFactorEnrolment)."""
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        now = ctx.now()
        account_id = await usable_one_time_token(uow.session, command.token, TokenPurpose.ENROL_SECOND_FACTOR, now)
        if account_id is None:
            await refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
        account = await account_by_id(uow.session, account_id)
        if account.totp_secret or not requires_second_factor(parse_account_roles(account.account_roles)):
            await refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
        signed_in = await authenticate(
            uow,
            ctx,
            email_input=account.email,
            password=command.password,
            totp_code=None,
            client_ip=command.client_ip,
            channel=ENROLLMENT_CHANNEL,
            code_must_be_given=False,
        )
        if signed_in is None:  # enrolled by a concurrent request since the read above
            await refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
        return await _start_enrollment(uow, ctx, account_id=account.account_id, email=account.email)


async def _start_enrollment(
    uow: UnitOfWork, ctx: RegistryContext, *, account_id: uuid.UUID, email: str
) -> contracts.LoginResult:
    """Generate a secret, keep it pending for the account (replacing an unconfirmed one, whose token then stops
    working) and hand it out once with a short-lived enrollment token. Nothing about the secret is logged."""
    now = ctx.now()
    secret = ctx.totp.new_secret()
    token = new_token()
    expires_at = now + TOTP_ENROLLMENT_LIFETIME
    await replace_enrollment(
        uow.session, account_id, sealed_secret=ctx.secrets.seal(secret), token=token, now=now, expires_at=expires_at
    )
    await uow.commit()
    return contracts.LoginResult(
        authenticated=False,
        totp_enrollment_required=True,
        enrollment_token=token,
        enrollment_expires_at=expires_at,
        totp_secret=secret,
        totp_uri=ctx.totp.provisioning_uri(secret, email),
        email=email,
    )


async def confirm_totp_enrollment(
    ctx: RegistryContext, command: contracts.ConfirmTotpEnrollment
) -> contracts.LoginResult:
    """Activate the pending secret with a current code from it and open a session (see ConfirmTotpEnrollment).

    The throttle of the account's address applies as at Login: a wrong code counts as a failure, and while the
    address is backing off or locked no code is even checked.
    """
    async with ctx.unit_of_work() as uow:
        await admit_account_request(uow, ctx, command.client_ip)
        session = uow.session
        now = ctx.now()
        pending = await enrollment_by_token(session, command.enrollment_token, now)
        if pending is None:
            await refuse_token(uow, "confirm_totp_enrollment", command.client_ip, now)
        email = (await account_by_id(session, pending.account_id)).email
        state = await lock_throttle(session, email)
        # Read again under the throttle lock: a concurrent sign-in may have replaced the secret, or a confirmation
        # may have activated it, since the first read.
        enrollment = await enrollment_by_token(session, command.enrollment_token, now)
        account = await account_by_id(session, pending.account_id)

        async def log(result: LoginOutcome) -> None:
            await record_login_attempt(
                uow,
                at=now,
                email=email,
                account_id=account.account_id,
                channel=ENROLLMENT_CHANNEL,
                client_ip=command.client_ip,
                result=result,
            )

        async def refuse(result: LoginOutcome, error: Exception) -> NoReturn:
            await log(result)
            await uow.commit()
            raise error

        await check_throttle(ctx, state, now, refuse)
        roles = parse_account_roles(account.account_roles)
        if enrollment is None or account.totp_secret or not requires_second_factor(roles):
            # Replaced by a newer sign-in, already enrolled, or no longer staff: this enrollment is over (a replacing
            # enrollment has another token and is left alone).
            if enrollment is not None:
                await drop_enrollment(session, account.account_id)
            await refuse_token(uow, "confirm_totp_enrollment", command.client_ip, now)
        step = ctx.totp.matching_step(ctx.secrets.open(enrollment.secret), command.totp_code, ctx.second_factor_now())
        if step is None:
            await count_failure(uow, ctx, email, state, now)
            await log(LoginOutcome.INVALID_TOTP)
            await uow.commit()
            raise Unauthenticated("invalid_totp", "The code is wrong or was already used.")
        await update_account(session, account.account_id, totp_secret=enrollment.secret, totp_last_step=step)
        await drop_enrollment(session, account.account_id)
        # The mailed link has done its work: it cannot start another enrolment.
        await use_up(session, account.account_id, TokenPurpose.ENROL_SECOND_FACTOR, now)
        await clear_throttle(session, email)
        await log(LoginOutcome.SUCCEEDED)
        await record_own_action(
            uow, at=now, action="enroll_totp", account_id=account.account_id, client_ip=command.client_ip
        )
        signed_in = await signed_in_as(uow, account, roles, second_factor=True)
        return await open_session(uow, ctx, signed_in, client_ip=command.client_ip)
