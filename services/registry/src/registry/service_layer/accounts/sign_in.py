"""Sign-in with a password (and a TOTP code for enrolled staff) under the per-address throttle: a browser session
(``Login``) or an API token (``IssueApiToken``)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Forbidden, TooManyRequests, Unauthenticated
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.accounts import account_by_email, update_account
from registry.adapters.repositories.people import person_row
from registry.adapters.repositories.security_log import record_login_attempt
from registry.adapters.repositories.throttle import clear_throttle, lock_throttle, store_throttle
from registry.adapters.repositories.tokens import issue_access_token
from registry.domain.accounts import (
    FAILED_RESULTS,
    AccessTokenKind,
    AccountRole,
    LoginOutcome,
    effective_roles,
    normalise_email,
    parse_account_roles,
    requires_second_factor,
    sorted_account_roles,
)
from registry.domain.login_throttle import RefusalReason, ThrottleState, after_failure, check_attempt
from registry.service_layer.context import RegistryContext
from registry.service_layer.public_register import admit_account_request

WEB_CHANNEL = "web"
API_CHANNEL = "api_token"
ENROLLMENT_CHANNEL = "totp_enrollment"

Refuse = Callable[[LoginOutcome, Exception], Awaitable[NoReturn]]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """An account that passed a sign-in, and whether that sign-in passed the second factor."""

    account_id: uuid.UUID
    email: str
    initials: str
    surname: str
    # Every role the account holds; what a session or token may use of them is ``usable_roles``.
    roles: tuple[AccountRole, ...]
    # Whether this sign-in passed the second factor (a TOTP code).
    second_factor: bool

    @property
    def usable_roles(self) -> tuple[AccountRole, ...]:
        return sorted_account_roles(effective_roles(self.roles, second_factor=self.second_factor))

    @property
    def second_factor_pending(self) -> bool:
        """Staff roles held that this sign-in cannot use (no second factor enrolled yet)."""
        return len(self.usable_roles) < len(self.roles)


async def login(ctx: RegistryContext, command: contracts.Login) -> contracts.LoginResult:
    """Sign in and open a session; staff without a code get ``totp_required`` (see Login's docstring)."""
    async with ctx.unit_of_work() as uow:
        signed_in = await _sign_in(uow, ctx, command, channel=WEB_CHANNEL, code_must_be_given=False)
        if signed_in is None:
            return contracts.LoginResult(authenticated=False, totp_required=True)
        return await open_session(uow, ctx, signed_in, client_ip=command.client_ip)


async def open_session(
    uow: UnitOfWork, ctx: RegistryContext, signed_in: SignedIn, *, client_ip: str
) -> contracts.LoginResult:
    """Issue a browser session to a signed-in account and commit."""
    now = ctx.now()
    expires_at = now + ctx.policy.session_lifetime
    token = await issue_access_token(
        uow.session,
        signed_in.account_id,
        AccessTokenKind.SESSION,
        now=now,
        expires_at=expires_at,
        client_ip=client_ip,
        second_factor=signed_in.second_factor,
    )
    await uow.commit()
    return contracts.LoginResult(
        authenticated=True,
        account_id=signed_in.account_id,
        email=signed_in.email,
        initials=signed_in.initials,
        surname=signed_in.surname,
        account_roles=[role.value for role in signed_in.usable_roles],
        session_token=token,
        session_expires_at=expires_at,
        second_factor=signed_in.second_factor,
        second_factor_pending=signed_in.second_factor_pending,
    )


async def issue_api_token(ctx: RegistryContext, command: contracts.IssueApiToken) -> contracts.ApiTokenIssued:
    """Exchange credentials (with TOTP code for enrolled staff, required) for an API bearer token."""
    async with ctx.unit_of_work() as uow:
        signed_in = await _sign_in(uow, ctx, command, channel=API_CHANNEL, code_must_be_given=True)
        if signed_in is None:
            # Unreachable: with code_must_be_given a missing code is already an error; kept so a change there
            # cannot silently hand out a token without the second factor.
            raise Unauthenticated("totp_required", "Staff accounts must send their TOTP code.")
        now = ctx.now()
        expires_at = now + ctx.policy.api_token_lifetime
        token = await issue_access_token(
            uow.session,
            signed_in.account_id,
            AccessTokenKind.API,
            now=now,
            expires_at=expires_at,
            client_ip=command.client_ip,
            label=command.label,
            second_factor=signed_in.second_factor,
        )
        await uow.commit()
    return contracts.ApiTokenIssued(
        token=token,
        account_id=signed_in.account_id,
        account_roles=[role.value for role in signed_in.usable_roles],
        expires_at=expires_at,
        second_factor=signed_in.second_factor,
    )


async def _sign_in(
    uow: UnitOfWork,
    ctx: RegistryContext,
    command: contracts.Login | contracts.IssueApiToken,
    *,
    channel: str,
    code_must_be_given: bool,
) -> SignedIn | None:
    """Admit the request under the client's rate limit and check its credentials (see :func:`authenticate`)."""
    await admit_account_request(uow, ctx, command.client_ip)
    return await authenticate(
        uow,
        ctx,
        email_input=command.email,
        password=command.password,
        totp_code=command.totp_code,
        client_ip=command.client_ip,
        channel=channel,
        code_must_be_given=code_must_be_given,
    )


async def authenticate(
    uow: UnitOfWork,
    ctx: RegistryContext,
    *,
    email_input: str,
    password: str,
    totp_code: str | None,
    client_ip: str,
    channel: str,
    code_must_be_given: bool,
) -> SignedIn | None:
    """Check credentials under the throttle; return the account (with whether the second factor was passed), or
    None when a staff code is still needed. A staff account without a TOTP secret is signed in on its password
    alone, without the second factor: its staff roles do not count until it enrols from the mailed link.

    Every outcome is logged. Failures and refusals are committed before the error is raised, so the log and
    the throttle keep them although the request fails.
    """
    session = uow.session
    now = ctx.now()
    email = normalise_email(email_input)[:254]
    state = await lock_throttle(session, email)
    account = await account_by_email(session, email)
    account_id = account.account_id if account is not None else None

    async def log(result: LoginOutcome) -> None:
        await record_login_attempt(
            uow, at=now, email=email, account_id=account_id, channel=channel, client_ip=client_ip, result=result
        )

    async def fail(result: LoginOutcome, code: str, message: str) -> NoReturn:
        assert result in FAILED_RESULTS
        await count_failure(uow, ctx, email, state, now)
        await log(result)
        await uow.commit()
        raise Unauthenticated(code, message)

    async def refuse(result: LoginOutcome, error: Exception) -> NoReturn:
        await log(result)
        await uow.commit()
        raise error

    await check_throttle(ctx, state, now, refuse)
    if account is None:
        await ctx.passwords.spend_equal_time(password)
        await fail(LoginOutcome.UNKNOWN_ACCOUNT, "invalid_credentials", "The e-mail address or password is wrong.")
    if not await ctx.passwords.verify(account.password_hash, password):
        await fail(LoginOutcome.WRONG_PASSWORD, "invalid_credentials", "The e-mail address or password is wrong.")
    if account.email_confirmed_at is None:
        await refuse(
            LoginOutcome.EMAIL_NOT_CONFIRMED,
            Forbidden("email_not_confirmed", "Confirm your e-mail address first (see the mail we sent)."),
        )
    roles = parse_account_roles(account.account_roles)
    second_factor = False
    if requires_second_factor(roles) and account.totp_secret:
        if not (totp_code or "").strip():
            if code_must_be_given:
                await refuse(
                    LoginOutcome.TOTP_REQUIRED,
                    Unauthenticated("totp_required", "Staff accounts must send their TOTP code."),
                )
            await log(LoginOutcome.TOTP_REQUIRED)
            await uow.commit()
            return None
        step = ctx.totp.matching_step(ctx.secrets.open(account.totp_secret), totp_code or "", ctx.second_factor_now())
        if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
            await fail(LoginOutcome.INVALID_TOTP, "invalid_totp", "The code is wrong or was already used.")
        await update_account(session, account.account_id, totp_last_step=step)
        second_factor = True
    if ctx.passwords.needs_rehash(account.password_hash):
        await update_account(session, account.account_id, password_hash=await ctx.passwords.hash(password))
    await clear_throttle(session, email)
    await log(LoginOutcome.SUCCEEDED)
    return await signed_in_as(uow, account, roles, second_factor=second_factor)


async def signed_in_as(uow: UnitOfWork, account: Any, roles: Iterable[AccountRole], *, second_factor: bool) -> SignedIn:
    """The signed-in account with its name (from its person row)."""
    person = await person_row(uow.session, account.account_id)
    return SignedIn(
        account_id=account.account_id,
        email=account.email,
        initials=person.initials,
        surname=person.surname,
        roles=sorted_account_roles(roles),
        second_factor=second_factor,
    )


async def count_failure(uow: UnitOfWork, ctx: RegistryContext, email: str, state: ThrottleState, now: datetime) -> None:
    """Count a failed attempt at ``email`` in its (locked) throttle row."""
    await store_throttle(uow.session, email, after_failure(state, now, ctx.policy.throttle))


async def check_throttle(ctx: RegistryContext, state: ThrottleState, now: datetime, refuse: Refuse) -> None:
    """Refuse (429 too_many_attempts, logged) while the address is backing off or locked."""
    refusal = check_attempt(state, now, ctx.policy.throttle)
    if refusal is not None:
        locked = refusal.reason is RefusalReason.LOCKED
        await refuse(
            LoginOutcome.REFUSED_LOCKED if locked else LoginOutcome.REFUSED_BACKOFF,
            TooManyRequests(
                "too_many_attempts",
                "Too many failed sign-in attempts for this address; wait before trying again.",
                retry_after=refusal.retry_after_seconds,
            ),
        )
