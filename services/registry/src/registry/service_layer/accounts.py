"""Account use cases: sign-up, confirmation, sign-in (sessions and API tokens), password reset.

Design, in short (the registry README has the long form):

- Nothing here tells a caller whether an address has an account: sign-up, resend and reset requests always
  answer the same, unknown addresses cost the same hashing time as wrong passwords, and the sign-in throttle
  is kept per address typed, account or not.
- Sessions are server-side: a random token whose SHA-256 is stored, handed to the gateway for its signed
  cookie. The gateway asks ValidateSession per request, so logout, a password reset or a role change (which
  ends every session and token of the account) takes effect at once. API tokens are the same mechanism with a
  longer life.
- Staff accounts need a TOTP code on top of the password; a code is accepted once (its time step is stored).
  Each session and token records whether its sign-in passed the code, and staff roles count only when it did.
- A staff account without a secret signs in with its password as a professional only. It enrols from the one-time
  link the administrator's role change mailed, together with its password (``start_second_factor_enrolment``):
  a secret is pending until a code from it is confirmed (``confirm_totp_enrollment``) with the short-lived token
  that step returned. Knowing the password alone never enrols a second factor.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import (
    access_tokens,
    accounts,
    audit_trail,
    login_throttle,
    one_time_tokens,
    people,
    totp_enrollments,
)
from registry.adapters.security import new_token, token_hash
from registry.adapters.sql import insert_if_absent
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import (
    FAILED_RESULTS,
    TOTP_ENROLLMENT_LIFETIME,
    AccessTokenKind,
    AccountRole,
    InvalidAccountData,
    LoginOutcome,
    TokenPurpose,
    effective_roles,
    normalise_email,
    parse_account_roles,
    password_problems,
    requires_second_factor,
    sorted_account_roles,
    validate_sign_up,
)
from registry.domain.login_throttle import (
    RefusalReason,
    ThrottleState,
    after_failure,
    check_attempt,
)
from registry.service_layer import notifications
from registry.service_layer.actors import load_actor
from registry.service_layer.audit_log import DONE, REFUSED, record_action, record_login_attempt
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import (
    bad_request,
    conflict,
    forbidden,
    invalid,
    not_found,
    too_many,
    unauthenticated,
    unprocessable,
)
from registry.service_layer.mailing import stored_language
from registry.service_layer.public_register import admit_account_request
from registry.service_layer.records import as_utc, as_utc_or_none
from registry.service_layer.views import account_view

WEB_CHANNEL = "web"
API_CHANNEL = "api_token"
ENROLLMENT_CHANNEL = "totp_enrollment"
# At most one confirmation or reset mail per address per minute: the request endpoints are anonymous, and
# must not become a way to flood someone's mailbox.
MAIL_REQUEST_INTERVAL = timedelta(minutes=1)
_TOKEN_INVALID = "This link or code is invalid, already used, or expired. Ask for a new one."


# ---------------------------------------------------------------------------------------------------------------
# Sign-up and confirmation


async def sign_up(uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.SignUp) -> contracts.SignUpAccepted:
    """Create an unconfirmed professional account and mail a confirmation link (see SignUp's docstring for
    what happens when the address is taken)."""
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
    existing = (await uow.session.execute(sa.select(accounts).where(accounts.c.email == new.email))).first()
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
        try:
            await uow.session.execute(
                sa.insert(people).values(
                    person_id=account_id,
                    initials=new.initials,
                    surname=new.surname,
                    roles=[],
                    created_at=now,
                    updated_at=now,
                )
            )
            await uow.session.execute(
                sa.insert(accounts).values(
                    account_id=account_id,
                    email=new.email,
                    password_hash=password_hash,
                    account_roles=[AccountRole.PROFESSIONAL.value],
                    created_at=now,
                    preferred_language=command.language,
                )
            )
        except IntegrityError as exc:
            # Two sign-ups for one new address raced; the other one won.
            raise conflict("sign_up_in_progress", "This address is being signed up right now; try again.") from exc
        await _mail_confirmation(
            uow, ctx, account_id=account_id, email=new.email, name=name, now=now, lang=command.language
        )
        outcome = "created"
    elif existing.email_confirmed_at is None:
        # The newest sign-up wins, and older links stop working: whoever can read the mailbox confirms the
        # password they chose, never one someone else set before them.
        account_id = existing.account_id
        await uow.session.execute(
            sa.update(accounts)
            .where(accounts.c.account_id == account_id)
            .values(password_hash=password_hash, preferred_language=command.language)
        )
        await uow.session.execute(
            sa.update(people)
            .where(people.c.person_id == account_id)
            .values(initials=new.initials, surname=new.surname, updated_at=now)
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


async def _mail_confirmation(
    uow: RegistryUnitOfWork,
    ctx: RegistryContext,
    *,
    account_id: uuid.UUID,
    email: str,
    name: str,
    now: datetime,
    lang: notifications.Language,
) -> None:
    lifetime = ctx.policy.confirmation_token_lifetime
    token = await _issue_one_time_token(uow, account_id, TokenPurpose.CONFIRM_EMAIL, now=now, lifetime=lifetime)
    subject, body = notifications.confirm_email(
        name, ctx.links.confirm_email(token), round(lifetime.total_seconds() / 3600), lang
    )
    await uow.queue_mail(to=email, subject=subject, body=body, person_id=account_id)


async def confirm_email(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.ConfirmEmail
) -> contracts.EmailConfirmed:
    """Confirm an address with its token (400 token_invalid when unknown, used, replaced or expired)."""
    now = ctx.now()
    account_id = await _spend_one_time_token(uow, command.token, TokenPurpose.CONFIRM_EMAIL, now)
    if account_id is None:
        await _refuse_token(uow, "confirm_email", command.client_ip, now)
    row = (await uow.session.execute(sa.select(accounts).where(accounts.c.account_id == account_id))).one()
    if row.email_confirmed_at is None:
        await uow.session.execute(
            sa.update(accounts).where(accounts.c.account_id == account_id).values(email_confirmed_at=now)
        )
    await record_action(
        uow,
        at=now,
        action="confirm_email",
        subject=f"account:{account_id}",
        client_ip=command.client_ip,
        actor_account_id=account_id,
        person_id=account_id,
    )
    await uow.commit()
    return contracts.EmailConfirmed(account_id=account_id, email=row.email)


async def request_email_confirmation(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.RequestEmailConfirmation
) -> contracts.EmailConfirmationRequested:
    """Mail a fresh confirmation link to an unconfirmed account; the same answer in every case."""
    await admit_account_request(uow, ctx, command.client_ip)
    now = ctx.now()
    email = normalise_email(command.email)
    row = (
        await uow.session.execute(
            sa.select(accounts.c.account_id, accounts.c.email_confirmed_at, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.email == email)
        )
    ).first()
    outcome = "no_account"
    if row is not None and row.email_confirmed_at is None:
        if await _mailed_recently(uow, row.account_id, TokenPurpose.CONFIRM_EMAIL, now):
            outcome = "throttled"
        else:
            await _mail_confirmation(
                uow,
                ctx,
                account_id=row.account_id,
                email=email,
                name=f"{row.initials} {row.surname}",
                now=now,
                lang=command.language,
            )
            outcome = "sent"
    elif row is not None:
        outcome = "already_confirmed"
    await record_action(
        uow,
        at=now,
        action="request_email_confirmation",
        subject=f"email:{email}",
        client_ip=command.client_ip,
        actor_account_id=None,
        person_id=row.account_id if row is not None else None,
        detail={"outcome": outcome},
    )
    await uow.commit()
    return contracts.EmailConfirmationRequested()


# ---------------------------------------------------------------------------------------------------------------
# Sign-in


@dataclass(frozen=True, slots=True)
class _SignedIn:
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


async def login(uow: UnitOfWork, ctx: RegistryContext, command: contracts.Login) -> contracts.LoginResult:
    """Sign in and open a session; staff without a code get ``totp_required`` (see Login's docstring)."""
    await admit_account_request(uow, ctx, command.client_ip)
    signed_in = await _authenticate(
        uow,
        ctx,
        email_input=command.email,
        password=command.password,
        totp_code=command.totp_code,
        client_ip=command.client_ip,
        channel=WEB_CHANNEL,
        code_must_be_given=False,
    )
    if signed_in is None:
        return contracts.LoginResult(authenticated=False, totp_required=True)
    return await _open_session(uow, ctx, signed_in, client_ip=command.client_ip)


async def _open_session(
    uow: UnitOfWork, ctx: RegistryContext, signed_in: _SignedIn, *, client_ip: str
) -> contracts.LoginResult:
    now = ctx.now()
    expires_at = now + ctx.policy.session_lifetime
    token = await _issue_access_token(
        uow,
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


async def issue_api_token(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.IssueApiToken
) -> contracts.ApiTokenIssued:
    """Exchange credentials (with TOTP code for enrolled staff, required) for an API bearer token."""
    await admit_account_request(uow, ctx, command.client_ip)
    signed_in = await _authenticate(
        uow,
        ctx,
        email_input=command.email,
        password=command.password,
        totp_code=command.totp_code,
        client_ip=command.client_ip,
        channel=API_CHANNEL,
        code_must_be_given=True,
    )
    if signed_in is None:
        # Unreachable: with code_must_be_given a missing code is already an error; kept so a change there
        # cannot silently hand out a token without the second factor.
        raise unauthenticated("totp_required", "Staff accounts must send their TOTP code.")
    now = ctx.now()
    expires_at = now + ctx.policy.api_token_lifetime
    token = await _issue_access_token(
        uow,
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


async def _authenticate(
    uow: UnitOfWork,
    ctx: RegistryContext,
    *,
    email_input: str,
    password: str,
    totp_code: str | None,
    client_ip: str,
    channel: str,
    code_must_be_given: bool,
) -> _SignedIn | None:
    """Check credentials under the throttle; return the account (with whether the second factor was passed), or
    None when a staff code is still needed. A staff account without a TOTP secret is signed in on its password
    alone, without the second factor: its staff roles do not count until it enrols from the mailed link.

    Every outcome is logged. Failures and refusals are committed before the error is raised, so the log and
    the throttle keep them although the request fails.
    """
    session = uow.session
    now = ctx.now()
    email = normalise_email(email_input)[:254]
    state = await _lock_throttle(uow, email)
    account = (await session.execute(sa.select(accounts).where(accounts.c.email == email))).first()
    account_id = account.account_id if account is not None else None

    async def log(result: LoginOutcome) -> None:
        await record_login_attempt(
            uow, at=now, email=email, account_id=account_id, channel=channel, client_ip=client_ip, result=result
        )

    async def fail(result: LoginOutcome, code: str, message: str) -> NoReturn:
        assert result in FAILED_RESULTS
        await _count_failure(uow, ctx, email, state, now)
        await log(result)
        await uow.commit()
        raise unauthenticated(code, message)

    async def refuse(result: LoginOutcome, error: Exception) -> NoReturn:
        await log(result)
        await uow.commit()
        raise error

    await _check_throttle(ctx, state, now, refuse)
    if account is None:
        await ctx.passwords.spend_equal_time(password)
        await fail(LoginOutcome.UNKNOWN_ACCOUNT, "invalid_credentials", "The e-mail address or password is wrong.")
    if not await ctx.passwords.verify(account.password_hash, password):
        await fail(LoginOutcome.WRONG_PASSWORD, "invalid_credentials", "The e-mail address or password is wrong.")
    if account.email_confirmed_at is None:
        await refuse(
            LoginOutcome.EMAIL_NOT_CONFIRMED,
            forbidden("email_not_confirmed", "Confirm your e-mail address first (see the mail we sent)."),
        )
    roles = parse_account_roles(account.account_roles)
    second_factor = False
    if requires_second_factor(roles) and account.totp_secret:
        if not (totp_code or "").strip():
            if code_must_be_given:
                await refuse(
                    LoginOutcome.TOTP_REQUIRED,
                    unauthenticated("totp_required", "Staff accounts must send their TOTP code."),
                )
            await log(LoginOutcome.TOTP_REQUIRED)
            await uow.commit()
            return None
        step = ctx.totp.matching_step(ctx.secrets.open(account.totp_secret), totp_code or "", ctx.second_factor_now())
        if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
            await fail(LoginOutcome.INVALID_TOTP, "invalid_totp", "The code is wrong or was already used.")
        await session.execute(
            sa.update(accounts).where(accounts.c.account_id == account.account_id).values(totp_last_step=step)
        )
        second_factor = True
    if ctx.passwords.needs_rehash(account.password_hash):
        await session.execute(
            sa.update(accounts)
            .where(accounts.c.account_id == account.account_id)
            .values(password_hash=await ctx.passwords.hash(password))
        )
    await session.execute(sa.delete(login_throttle).where(login_throttle.c.email == email))
    await log(LoginOutcome.SUCCEEDED)
    return await _signed_in(session, account, roles, second_factor=second_factor)


async def _signed_in(
    session: AsyncSession, account: Any, roles: Iterable[AccountRole], *, second_factor: bool
) -> _SignedIn:
    """The signed-in account with its name (from its person row)."""
    person = (await session.execute(sa.select(people).where(people.c.person_id == account.account_id))).one()
    return _SignedIn(
        account_id=account.account_id,
        email=account.email,
        initials=person.initials,
        surname=person.surname,
        roles=sorted_account_roles(roles),
        second_factor=second_factor,
    )


async def _lock_throttle(uow: UnitOfWork, email: str) -> ThrottleState:
    """Lock the address's throttle row for the whole attempt and read it: parallel guesses at one address queue
    behind each other instead of all reading "no failures yet"."""
    session = uow.session
    await insert_if_absent(session, login_throttle, {"email": email, "failures": 0}, [login_throttle.c.email])
    throttle_row = (
        await session.execute(sa.select(login_throttle).where(login_throttle.c.email == email).with_for_update())
    ).one()
    return ThrottleState(
        failures=throttle_row.failures,
        last_failure_at=as_utc_or_none(throttle_row.last_failure_at),
        locked_until=as_utc_or_none(throttle_row.locked_until),
    )


async def _count_failure(
    uow: UnitOfWork, ctx: RegistryContext, email: str, state: ThrottleState, now: datetime
) -> None:
    """Count a failed attempt at ``email`` in its (locked) throttle row."""
    failed = after_failure(state, now, ctx.policy.throttle)
    await uow.session.execute(
        sa.update(login_throttle)
        .where(login_throttle.c.email == email)
        .values(failures=failed.failures, last_failure_at=failed.last_failure_at, locked_until=failed.locked_until)
    )


async def _check_throttle(
    ctx: RegistryContext,
    state: ThrottleState,
    now: datetime,
    refuse: Callable[[LoginOutcome, Exception], Awaitable[NoReturn]],
) -> None:
    """Refuse (429 too_many_attempts, logged) while the address is backing off or locked."""
    refusal = check_attempt(state, now, ctx.policy.throttle)
    if refusal is not None:
        locked = refusal.reason is RefusalReason.LOCKED
        await refuse(
            LoginOutcome.REFUSED_LOCKED if locked else LoginOutcome.REFUSED_BACKOFF,
            too_many(
                "too_many_attempts",
                "Too many failed sign-in attempts for this address; wait before trying again.",
                refusal.retry_after_seconds,
            ),
        )


# ---------------------------------------------------------------------------------------------------------------
# TOTP enrolment, from the link an administrator's role change mails


async def mail_second_factor_link(
    uow: RegistryUnitOfWork, ctx: RegistryContext, account_id: uuid.UUID, *, now: datetime
) -> None:
    """Mail the account a one-time enrolment link (an older unused one stops working). Called by the
    administrator's role change for a staff account without a second factor."""
    row = (
        await uow.session.execute(
            sa.select(accounts.c.email, accounts.c.preferred_language, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.account_id == account_id)
        )
    ).one()
    lifetime = ctx.policy.second_factor_link_lifetime
    token = await _issue_one_time_token(uow, account_id, TokenPurpose.ENROL_SECOND_FACTOR, now=now, lifetime=lifetime)
    subject, body = notifications.enrol_second_factor(
        f"{row.initials} {row.surname}",
        ctx.links.enrol_second_factor(token),
        valid_hours=round(lifetime.total_seconds() / 3600),
        lang=stored_language(row.preferred_language),
    )
    await uow.queue_mail(to=row.email, subject=subject, body=body, person_id=account_id)


async def start_second_factor_enrolment(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.StartSecondFactorEnrolment
) -> contracts.LoginResult:
    """Check the mailed link and the password (under the sign-in throttle), then keep a fresh secret pending and
    hand it out once (see StartSecondFactorEnrolment)."""
    await admit_account_request(uow, ctx, command.client_ip)
    now = ctx.now()
    account_id = await _usable_one_time_token(uow, command.token, TokenPurpose.ENROL_SECOND_FACTOR, now)
    if account_id is None:
        await _refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
    account = (await uow.session.execute(sa.select(accounts).where(accounts.c.account_id == account_id))).one()
    if account.totp_secret or not requires_second_factor(parse_account_roles(account.account_roles)):
        await _refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
    signed_in = await _authenticate(
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
        await _refuse_token(uow, "start_totp_enrollment", command.client_ip, now)
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
    await uow.session.execute(sa.delete(totp_enrollments).where(totp_enrollments.c.account_id == account_id))
    await uow.session.execute(
        sa.insert(totp_enrollments).values(
            account_id=account_id,
            secret=ctx.secrets.seal(secret),
            token_hash=token_hash(token),
            created_at=now,
            expires_at=expires_at,
        )
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
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.ConfirmTotpEnrollment
) -> contracts.LoginResult:
    """Activate the pending secret with a current code from it and open a session (see ConfirmTotpEnrollment).

    The throttle of the account's address applies as at Login: a wrong code counts as a failure, and while the
    address is backing off or locked no code is even checked.
    """
    await admit_account_request(uow, ctx, command.client_ip)
    session = uow.session
    now = ctx.now()
    pending = (
        await session.execute(
            sa.select(totp_enrollments.c.account_id, accounts.c.email)
            .join(accounts, accounts.c.account_id == totp_enrollments.c.account_id)
            .where(
                totp_enrollments.c.token_hash == token_hash(command.enrollment_token.strip()),
                totp_enrollments.c.expires_at > now,
            )
        )
    ).first()
    if pending is None:
        await _refuse_token(uow, "confirm_totp_enrollment", command.client_ip, now)
    email = pending.email
    state = await _lock_throttle(uow, email)
    # Read again under the throttle lock: a concurrent sign-in may have replaced the secret, or a confirmation
    # may have activated it, since the first read.
    enrollment = (
        await session.execute(
            sa.select(totp_enrollments).where(
                totp_enrollments.c.token_hash == token_hash(command.enrollment_token.strip()),
                totp_enrollments.c.expires_at > now,
            )
        )
    ).first()
    account = (await session.execute(sa.select(accounts).where(accounts.c.account_id == pending.account_id))).one()

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

    await _check_throttle(ctx, state, now, refuse)
    roles = parse_account_roles(account.account_roles)
    if enrollment is None or account.totp_secret or not requires_second_factor(roles):
        # Replaced by a newer sign-in, already enrolled, or no longer staff: this enrollment is over (a replacing
        # enrollment has another token and is left alone).
        if enrollment is not None:
            await session.execute(
                sa.delete(totp_enrollments).where(totp_enrollments.c.account_id == account.account_id)
            )
        await _refuse_token(uow, "confirm_totp_enrollment", command.client_ip, now)
    step = ctx.totp.matching_step(ctx.secrets.open(enrollment.secret), command.totp_code, ctx.second_factor_now())
    if step is None:
        await _count_failure(uow, ctx, email, state, now)
        await log(LoginOutcome.INVALID_TOTP)
        await uow.commit()
        raise unauthenticated("invalid_totp", "The code is wrong or was already used.")
    await session.execute(
        sa.update(accounts)
        .where(accounts.c.account_id == account.account_id)
        .values(totp_secret=enrollment.secret, totp_last_step=step)
    )
    await session.execute(sa.delete(totp_enrollments).where(totp_enrollments.c.account_id == account.account_id))
    # The mailed link has done its work: it cannot start another enrolment.
    await session.execute(
        sa.update(one_time_tokens)
        .where(
            one_time_tokens.c.account_id == account.account_id,
            one_time_tokens.c.purpose == TokenPurpose.ENROL_SECOND_FACTOR.value,
            one_time_tokens.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    await session.execute(sa.delete(login_throttle).where(login_throttle.c.email == email))
    await log(LoginOutcome.SUCCEEDED)
    await record_action(
        uow,
        at=now,
        action="enroll_totp",
        subject=f"account:{account.account_id}",
        client_ip=command.client_ip,
        actor_account_id=account.account_id,
        person_id=account.account_id,
    )
    return await _open_session(
        uow, ctx, await _signed_in(session, account, roles, second_factor=True), client_ip=command.client_ip
    )


# ---------------------------------------------------------------------------------------------------------------
# Sessions and API tokens


async def _issue_access_token(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    kind: AccessTokenKind,
    *,
    now: datetime,
    expires_at: datetime,
    client_ip: str,
    second_factor: bool,
    label: str = "",
) -> str:
    token = new_token()
    await uow.session.execute(
        sa.insert(access_tokens).values(
            token_hash=token_hash(token),
            account_id=account_id,
            token_kind=kind.value,
            label=label[:100],
            client_ip=client_ip[:64],
            issued_at=now,
            expires_at=expires_at,
            second_factor=second_factor,
        )
    )
    return token


async def authenticate_token(
    uow: UnitOfWork, ctx: RegistryContext, token: str, kind: AccessTokenKind
) -> contracts.AuthenticatedAccount:
    """The account behind a valid session or API token, with its roles as they are now and of those only what the
    token may use: staff roles need a sign-in that passed the second factor (401 when the token is not valid)."""
    now = ctx.now()
    row = (
        await uow.session.execute(
            sa.select(
                access_tokens.c.expires_at,
                access_tokens.c.second_factor,
                accounts.c.account_id,
                accounts.c.email,
                accounts.c.account_roles,
                accounts.c.preferred_language,
                people.c.initials,
                people.c.surname,
            )
            .join(accounts, accounts.c.account_id == access_tokens.c.account_id)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(
                access_tokens.c.token_hash == token_hash(token),
                access_tokens.c.token_kind == kind.value,
                access_tokens.c.revoked_at.is_(None),
                access_tokens.c.expires_at > now,
                accounts.c.email_confirmed_at.is_not(None),
            )
        )
    ).first()
    if row is None:
        raise unauthenticated("session_invalid", "The session or token is not valid (expired, ended or unknown).")
    held = parse_account_roles(row.account_roles)
    usable = effective_roles(held, second_factor=bool(row.second_factor))
    return contracts.AuthenticatedAccount(
        account_id=row.account_id,
        email=row.email,
        initials=row.initials,
        surname=row.surname,
        account_roles=[role.value for role in sorted_account_roles(usable)],
        token_kind=kind.value,
        expires_at=as_utc(row.expires_at),
        second_factor=bool(row.second_factor),
        second_factor_pending=usable != held,
        preferred_language=stored_language(row.preferred_language),
    )


async def revoke_token(
    uow: UnitOfWork, ctx: RegistryContext, token: str, kind: AccessTokenKind, *, client_ip: str
) -> None:
    """End a session or revoke an API token; an unknown or already ended one is fine (logout is idempotent)."""
    now = ctx.now()
    revoked = (
        await uow.session.execute(
            sa.update(access_tokens)
            .where(
                access_tokens.c.token_hash == token_hash(token),
                access_tokens.c.token_kind == kind.value,
                access_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .returning(access_tokens.c.account_id)
        )
    ).scalar_one_or_none()
    if revoked is not None:
        await record_action(
            uow,
            at=now,
            action="end_session" if kind is AccessTokenKind.SESSION else "revoke_api_token",
            subject=f"account:{revoked}",
            client_ip=client_ip,
            actor_account_id=revoked,
            person_id=revoked,
        )
    await uow.commit()


# ---------------------------------------------------------------------------------------------------------------
# Password reset


async def request_password_reset(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.RequestPasswordReset
) -> contracts.PasswordResetRequested:
    """Mail a single-use, expiring reset link when the address has an account; always the same answer."""
    await admit_account_request(uow, ctx, command.client_ip)
    now = ctx.now()
    email = normalise_email(command.email)[:254]
    row = (
        await uow.session.execute(
            sa.select(accounts.c.account_id, people.c.initials, people.c.surname)
            .join(people, people.c.person_id == accounts.c.account_id)
            .where(accounts.c.email == email)
        )
    ).first()
    outcome = "no_account"
    if row is not None:
        if await _mailed_recently(uow, row.account_id, TokenPurpose.RESET_PASSWORD, now):
            outcome = "throttled"
        else:
            lifetime = ctx.policy.password_reset_token_lifetime
            token = await _issue_one_time_token(
                uow, row.account_id, TokenPurpose.RESET_PASSWORD, now=now, lifetime=lifetime
            )
            subject, body = notifications.reset_password(
                f"{row.initials} {row.surname}",
                ctx.links.reset_password(token),
                round(lifetime.total_seconds() / 60),
                command.language,
            )
            await uow.queue_mail(to=email, subject=subject, body=body, person_id=row.account_id)
            outcome = "sent"
    await record_action(
        uow,
        at=now,
        action="request_password_reset",
        subject=f"email:{email}",
        client_ip=command.client_ip,
        actor_account_id=None,
        person_id=row.account_id if row is not None else None,
        detail={"outcome": outcome},
    )
    await uow.commit()
    return contracts.PasswordResetRequested()


async def reset_password(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.ResetPassword
) -> contracts.PasswordChanged:
    """Set a new password with a reset token; ends every session and token of the account."""
    await admit_account_request(uow, ctx, command.client_ip)
    now = ctx.now()
    pending = await _usable_one_time_token(uow, command.token, TokenPurpose.RESET_PASSWORD, now)
    if pending is None:
        await _refuse_token(uow, "reset_password", command.client_ip, now)
    account = (await uow.session.execute(sa.select(accounts).where(accounts.c.account_id == pending))).one()
    # Checked before the token is spent, so a too-short password does not cost the user their link.
    problems = password_problems(command.new_password, email=account.email)
    if problems:
        raise invalid("invalid_password", problems)
    account_id = await _spend_one_time_token(uow, command.token, TokenPurpose.RESET_PASSWORD, now)
    if account_id is None:  # spent by a concurrent request between the two reads
        await _refuse_token(uow, "reset_password", command.client_ip, now)
    password_hash = await ctx.passwords.hash(command.new_password)
    await uow.session.execute(
        sa.update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(password_hash=password_hash, email_confirmed_at=account.email_confirmed_at or now)
    )
    await uow.session.execute(
        sa.update(access_tokens)
        .where(access_tokens.c.account_id == account_id, access_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await uow.session.execute(sa.delete(login_throttle).where(login_throttle.c.email == account.email))
    person = (await uow.session.execute(sa.select(people).where(people.c.person_id == account_id))).one()
    subject, body = notifications.password_changed(
        f"{person.initials} {person.surname}", stored_language(account.preferred_language)
    )
    await uow.queue_mail(to=account.email, subject=subject, body=body, person_id=account_id)
    await record_action(
        uow,
        at=now,
        action="reset_password",
        subject=f"account:{account_id}",
        client_ip=command.client_ip,
        actor_account_id=account_id,
        person_id=account_id,
    )
    await uow.commit()
    return contracts.PasswordChanged(account_id=account_id)


# ---------------------------------------------------------------------------------------------------------------
# Single-use tokens


async def _issue_one_time_token(
    uow: UnitOfWork, account_id: uuid.UUID, purpose: TokenPurpose, *, now: datetime, lifetime: timedelta
) -> str:
    """A fresh token for ``purpose``; any older unused one of the account stops working."""
    await uow.session.execute(
        sa.update(one_time_tokens)
        .where(
            one_time_tokens.c.account_id == account_id,
            one_time_tokens.c.purpose == purpose.value,
            one_time_tokens.c.used_at.is_(None),
            one_time_tokens.c.invalidated_at.is_(None),
        )
        .values(invalidated_at=now)
    )
    token = new_token()
    await uow.session.execute(
        sa.insert(one_time_tokens).values(
            token_hash=token_hash(token),
            account_id=account_id,
            purpose=purpose.value,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _usable(purpose: TokenPurpose, token: str, now: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        one_time_tokens.c.token_hash == token_hash(token.strip()),
        one_time_tokens.c.purpose == purpose.value,
        one_time_tokens.c.used_at.is_(None),
        one_time_tokens.c.invalidated_at.is_(None),
        one_time_tokens.c.expires_at > now,
    ]


async def _usable_one_time_token(uow: UnitOfWork, token: str, purpose: TokenPurpose, now: datetime) -> uuid.UUID | None:
    found = await uow.session.execute(sa.select(one_time_tokens.c.account_id).where(*_usable(purpose, token, now)))
    account_id: uuid.UUID | None = found.scalar_one_or_none()
    return account_id


async def _spend_one_time_token(uow: UnitOfWork, token: str, purpose: TokenPurpose, now: datetime) -> uuid.UUID | None:
    """Mark the token used and return its account, in one conditional UPDATE: of two concurrent uses, exactly
    one gets the account and the other gets None."""
    spent = await uow.session.execute(
        sa.update(one_time_tokens)
        .where(*_usable(purpose, token, now))
        .values(used_at=now)
        .returning(one_time_tokens.c.account_id)
    )
    account_id: uuid.UUID | None = spent.scalar_one_or_none()
    return account_id


async def _mailed_recently(uow: UnitOfWork, account_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> bool:
    found = await uow.session.execute(
        sa.select(sa.func.count())
        .select_from(one_time_tokens)
        .where(
            one_time_tokens.c.account_id == account_id,
            one_time_tokens.c.purpose == purpose.value,
            one_time_tokens.c.created_at > now - MAIL_REQUEST_INTERVAL,
        )
    )
    return int(found.scalar_one()) > 0


async def _signed_up_recently(uow: UnitOfWork, account_id: uuid.UUID, now: datetime) -> bool:
    """Whether a sign-up for this account mailed something within the last MAIL_REQUEST_INTERVAL."""
    found = await uow.session.execute(
        sa.select(sa.func.count())
        .select_from(audit_trail)
        .where(
            audit_trail.c.person_id == account_id,
            audit_trail.c.action == "sign_up",
            audit_trail.c.result == DONE,
            audit_trail.c.at > now - MAIL_REQUEST_INTERVAL,
        )
    )
    return int(found.scalar_one()) > 0 or await _mailed_recently(uow, account_id, TokenPurpose.CONFIRM_EMAIL, now)


async def _refuse_token(uow: UnitOfWork, action: str, client_ip: str, now: datetime) -> NoReturn:
    """Log a failed token use (guessing links is an attack worth seeing) and raise 400 token_invalid."""
    await record_action(
        uow,
        at=now,
        action=action,
        subject="token",
        client_ip=client_ip,
        actor_account_id=None,
        person_id=None,
        result=REFUSED,
    )
    await uow.commit()
    raise bad_request("token_invalid", _TOKEN_INVALID)


# ---------------------------------------------------------------------------------------------------------------
# Own account, and demo accounts


async def get_my_account(
    uow: UnitOfWork, _ctx: RegistryContext, query: contracts.GetMyAccount
) -> contracts.AccountView:
    actor = await load_actor(uow, query.actor_account_id)
    view = await account_view(uow.session, actor.account_id)
    if view is None:  # the actor was just loaded; only a concurrent deletion could get here
        raise not_found("not_found", "No such account.")
    return view


async def set_preferred_language(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.SetPreferredLanguage
) -> contracts.AccountView:
    """Set the language of the actor's later mails (Mijn LKLR's setting, or the site language they switched to).
    A change is written to the audit trail; the language it already has changes nothing."""
    actor = await load_actor(uow, command.actor_account_id)
    now = ctx.now()
    before = (
        await uow.session.execute(
            sa.select(accounts.c.preferred_language).where(accounts.c.account_id == actor.account_id).with_for_update()
        )
    ).scalar_one()
    if before != command.language:
        await uow.session.execute(
            sa.update(accounts)
            .where(accounts.c.account_id == actor.account_id)
            .values(preferred_language=command.language)
        )
        await record_action(
            uow,
            at=now,
            action="set_preferred_language",
            subject=f"account:{actor.account_id}",
            client_ip=command.client_ip,
            actor_account_id=actor.account_id,
            person_id=actor.account_id,
            detail={"before": before, "after": command.language},
        )
    view = await account_view(uow.session, actor.account_id)
    assert view is not None  # the actor was just loaded, and its row is locked
    await uow.commit()
    return view


async def create_demo_account(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.CreateDemoAccount
) -> contracts.DemoAccountReady:
    """A confirmed account with a known password (and TOTP secret for staff); idempotent by e-mail."""
    if not ctx.policy.allow_demo_commands:
        raise forbidden("demo_commands_disabled", "Demo commands are switched off in this deployment.")
    try:
        new = validate_sign_up(
            email=command.email, password=command.password, initials=command.initials, surname=command.surname
        )
    except InvalidAccountData as exc:
        raise invalid("invalid_sign_up", exc.problems) from exc
    roles = parse_account_roles(command.account_roles)
    if requires_second_factor(roles) and not command.totp_secret:
        raise unprocessable("totp_secret_required", "A staff account needs a TOTP secret.")
    existing = (
        await uow.session.execute(sa.select(accounts.c.account_id).where(accounts.c.email == new.email))
    ).scalar_one_or_none()
    if existing is not None:
        return contracts.DemoAccountReady(account_id=existing, created=False)
    now = ctx.now()
    account_id = uuid.uuid4()
    await uow.session.execute(
        sa.insert(people).values(
            person_id=account_id, initials=new.initials, surname=new.surname, roles=[], created_at=now, updated_at=now
        )
    )
    await uow.session.execute(
        sa.insert(accounts).values(
            account_id=account_id,
            email=new.email,
            password_hash=await ctx.passwords.hash(command.password),
            account_roles=[role.value for role in sorted_account_roles(roles)],
            totp_secret=ctx.secrets.seal(command.totp_secret) if command.totp_secret else None,
            email_confirmed_at=now,
            created_at=now,
        )
    )
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
