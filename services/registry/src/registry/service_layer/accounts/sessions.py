"""Sessions and API tokens after sign-in: checking one on each request, and ending one (logout, revoking a token)."""

from __future__ import annotations

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Unauthenticated
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.security_log import record_own_action
from registry.adapters.repositories.tokens import revoke_access_token, valid_access_token
from registry.adapters.sql import as_utc
from registry.domain.accounts import AccessTokenKind, effective_roles, parse_account_roles, sorted_account_roles
from registry.domain.languages import stored_language
from registry.service_layer.context import RegistryContext


async def validate_session(ctx: RegistryContext, query: contracts.ValidateSession) -> contracts.AuthenticatedAccount:
    """The account behind a browser session (401 session_invalid when it is not valid)."""
    async with ctx.unit_of_work() as uow:
        return await _authenticate_token(uow, ctx, query.session_token, AccessTokenKind.SESSION)


async def verify_api_token(ctx: RegistryContext, query: contracts.VerifyApiToken) -> contracts.AuthenticatedAccount:
    """The account behind an API bearer token (401 session_invalid when it is not valid)."""
    async with ctx.unit_of_work() as uow:
        return await _authenticate_token(uow, ctx, query.token, AccessTokenKind.API)


async def end_session(ctx: RegistryContext, command: contracts.EndSession) -> contracts.SessionEnded:
    """Log out: end the browser session (an unknown or already ended one is fine)."""
    async with ctx.unit_of_work() as uow:
        await _revoke_token(uow, ctx, command.session_token, AccessTokenKind.SESSION, client_ip=command.client_ip)
    return contracts.SessionEnded()


async def revoke_api_token(ctx: RegistryContext, command: contracts.RevokeApiToken) -> contracts.ApiTokenRevoked:
    """Revoke an API token (an unknown or already revoked one is fine)."""
    async with ctx.unit_of_work() as uow:
        await _revoke_token(uow, ctx, command.token, AccessTokenKind.API, client_ip=command.client_ip)
    return contracts.ApiTokenRevoked()


async def _authenticate_token(
    uow: UnitOfWork, ctx: RegistryContext, token: str, kind: AccessTokenKind
) -> contracts.AuthenticatedAccount:
    """The account behind a valid session or API token, with its roles as they are now and of those only what the
    token may use: staff roles need a sign-in that passed the second factor (401 when the token is not valid)."""
    row = await valid_access_token(uow.session, token, kind, ctx.now())
    if row is None:
        raise Unauthenticated("session_invalid", "The session or token is not valid (expired, ended or unknown).")
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


async def _revoke_token(
    uow: UnitOfWork, ctx: RegistryContext, token: str, kind: AccessTokenKind, *, client_ip: str
) -> None:
    """End a session or revoke an API token; an unknown or already ended one is fine (logout is idempotent)."""
    now = ctx.now()
    revoked = await revoke_access_token(uow.session, token, kind, now)
    if revoked is not None:
        action = "end_session" if kind is AccessTokenKind.SESSION else "revoke_api_token"
        await record_own_action(uow, at=now, action=action, account_id=revoked, client_ip=client_ip)
    await uow.commit()
