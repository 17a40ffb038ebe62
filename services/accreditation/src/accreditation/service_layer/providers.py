"""Providers: the organisation, the accounts that act for it, and its API keys."""

from __future__ import annotations

import uuid
from typing import Any

from accreditation.adapters.repositories import providers as repository
from accreditation.adapters.repositories.dialect import Session, as_utc, commit_unless_duplicate
from accreditation.domain import api_keys as keys
from accreditation.domain.text import actor, bounded_text, required_text
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Conflict, NotFound, Unauthenticated
from lklr_shared.kit.actor import current_actor
from lklr_shared.kit.security_log import record_security_event

MAX_NAME = 200


async def provider_details(session: Session, provider_id: uuid.UUID) -> contracts.ProviderDetails:
    """Load one provider with its linked accounts (404 ``provider_not_found``)."""
    row = await repository.provider(session, provider_id)
    if row is None:
        raise NotFound("provider_not_found", f"There is no provider {provider_id}.")
    accounts = await repository.linked_accounts(session, provider_id)
    return contracts.ProviderDetails(
        provider_id=row.provider_id,
        name=row.name,
        contact_email=row.contact_email,
        created_at=as_utc(row.created_at),
        account_ids=list(accounts),
    )


async def require_provider(session: Session, provider_id: uuid.UUID) -> str:
    """The provider's name; 404 ``provider_not_found`` when there is no such provider."""
    name = await repository.provider_name(session, provider_id)
    if name is None:
        raise NotFound("provider_not_found", f"There is no provider {provider_id}.")
    return name


async def asked_with_sandbox_key(session: Session) -> bool:
    """Whether the current request comes with a sandbox API key (from the gateway's signed actor assertion)."""
    claims = current_actor()
    if claims is None or claims.kind != "api_key" or claims.key_id is None:
        return False
    return await repository.is_sandbox_key(session, claims.key_id)


async def insert_provider(
    session: Session, *, provider_id: uuid.UUID, name: str, contact_email: str, by: str, ctx: AccreditationContext
) -> None:
    """Insert a provider row; 409 ``provider_name_taken`` when the name (case-insensitive) exists."""
    if await repository.name_taken(session, name.casefold()):
        raise Conflict("provider_name_taken", f"A provider named {name!r} is already registered.")
    await repository.insert_provider(
        session,
        provider_id=provider_id,
        name=name,
        name_key=name.casefold(),
        contact_email=contact_email,
        created_at=ctx.now(),
        created_by=by,
    )


async def register_provider(
    ctx: AccreditationContext, command: contracts.RegisterProvider
) -> contracts.ProviderDetails:
    """Register a provider. The unique name key settles a race between two registrations of one name."""
    name = required_text(command.name, "provider_name", max_length=MAX_NAME)
    email = bounded_text(command.contact_email, "contact_email", max_length=320)
    provider_id = uuid.uuid4()
    async with ctx.unit_of_work() as uow:
        await insert_provider(
            uow.session,
            provider_id=provider_id,
            name=name,
            contact_email=email,
            by=actor(command.registered_by),
            ctx=ctx,
        )
        if not await commit_unless_duplicate(uow):
            raise Conflict("provider_name_taken", f"A provider named {name!r} is already registered.")
    async with ctx.unit_of_work() as uow:
        return await provider_details(uow.session, provider_id)


async def get_provider(ctx: AccreditationContext, query: contracts.GetProvider) -> contracts.ProviderDetails:
    async with ctx.unit_of_work() as uow:
        return await provider_details(uow.session, query.provider_id)


async def list_providers(ctx: AccreditationContext, _query: contracts.ListProviders) -> contracts.ProviderList:
    async with ctx.unit_of_work() as uow:
        ids = await repository.provider_ids_by_name(uow.session)
        return contracts.ProviderList(providers=[await provider_details(uow.session, pid) for pid in ids])


async def link_account(ctx: AccreditationContext, command: contracts.LinkProviderAccount) -> contracts.ProviderDetails:
    """Let an account act for a provider; an account acts for one provider only (its primary key)."""
    account_id = required_text(command.account_id, "account_id", max_length=200)
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, command.provider_id)
        current = await repository.provider_of_account(uow.session, account_id)
        if current is not None and current != command.provider_id:
            raise Conflict("account_linked_elsewhere", f"Account {account_id} already acts for another provider.")
        if current is None:
            await repository.link_account(
                uow.session,
                account_id=account_id,
                provider_id=command.provider_id,
                linked_at=ctx.now(),
                linked_by=actor(command.linked_by),
            )
            if not await commit_unless_duplicate(uow):
                raise Conflict("account_linked_elsewhere", f"Account {account_id} was linked concurrently.")
    async with ctx.unit_of_work() as uow:
        return await provider_details(uow.session, command.provider_id)


async def unlink_account(
    ctx: AccreditationContext, command: contracts.UnlinkProviderAccount
) -> contracts.ProviderDetails:
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, command.provider_id)
        if not await repository.unlink_account(uow.session, command.provider_id, command.account_id):
            raise NotFound("account_not_linked", f"Account {command.account_id} does not act for this provider.")
        await uow.commit()
    async with ctx.unit_of_work() as uow:
        return await provider_details(uow.session, command.provider_id)


async def find_provider_for_account(
    ctx: AccreditationContext, query: contracts.FindProviderForAccount
) -> contracts.ProviderDetails:
    async with ctx.unit_of_work() as uow:
        provider_id = await repository.provider_of_account(uow.session, query.account_id)
        if provider_id is None:
            raise NotFound("no_provider_for_account", f"Account {query.account_id} does not act for any provider.")
        return await provider_details(uow.session, provider_id)


async def acts_for(ctx: AccreditationContext, account_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
    """Whether the account is linked to the provider (a provider's contact acts for it, and only for it)."""
    async with ctx.unit_of_work() as uow:
        # An account acts for one provider at most (its primary key).
        return await repository.provider_of_account(uow.session, str(account_id)) == provider_id


def _key_info(row: Any) -> contracts.ApiKeyInfo:
    return contracts.ApiKeyInfo(
        key_id=row.key_id,
        provider_id=row.provider_id,
        label=row.label,
        display_prefix=keys.display_prefix(row.lookup_prefix),
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at is not None else None,
        revoked_by=row.revoked_by,
        active=row.revoked_at is None,
        sandbox=row.sandbox,
    )


async def insert_api_key(
    session: Session,
    *,
    provider_id: uuid.UUID,
    material: keys.ApiKeyMaterial,
    label: str,
    by: str,
    ctx: AccreditationContext,
    key_id: uuid.UUID | None = None,
    sandbox: bool = False,
) -> uuid.UUID:
    """Store a key's digest (never the key) and return its id."""
    key_id = key_id or uuid.uuid4()
    await repository.insert_api_key(
        session,
        key_id=key_id,
        provider_id=provider_id,
        lookup_prefix=material.lookup_prefix,
        key_digest=material.digest,
        label=label,
        created_at=ctx.now(),
        created_by=by,
        sandbox=sandbox,
    )
    return key_id


async def create_api_key(ctx: AccreditationContext, command: contracts.CreateApiKey) -> contracts.ApiKeyCreated:
    """Create a key; the plaintext leaves this function once, in the reply, and is stored nowhere."""
    label = bounded_text(command.label, "label", max_length=200)
    material = keys.generate_api_key()
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, command.provider_id)
        key_id = await insert_api_key(
            uow.session,
            provider_id=command.provider_id,
            material=material,
            label=label,
            by=actor(command.created_by),
            ctx=ctx,
            sandbox=command.sandbox,
        )
        await record_security_event(
            uow.session,
            actor=command.created_by,
            action="api_key.create",
            object=f"api_key:{key_id}",
            detail={"provider": str(command.provider_id)} | ({"sandbox": "true"} if command.sandbox else {}),
        )
        # A prefix collision (36^8 space) fails the unique index and surfaces as an error; the caller retries.
        await uow.commit()
        row = await repository.api_key(uow.session, key_id)
    return contracts.ApiKeyCreated(key=_key_info(row), api_key=material.plaintext)


async def list_api_keys(ctx: AccreditationContext, query: contracts.ListApiKeys) -> contracts.ApiKeyList:
    async with ctx.unit_of_work() as uow:
        await require_provider(uow.session, query.provider_id)
        rows = await repository.api_keys_of(uow.session, query.provider_id)
    return contracts.ApiKeyList(keys=[_key_info(row) for row in rows])


async def revoke_api_key(ctx: AccreditationContext, command: contracts.RevokeApiKey) -> contracts.ApiKeyInfo:
    """Revoke a key at once; another provider's key is reported as not found."""
    async with ctx.unit_of_work() as uow:
        await repository.revoke_api_key(
            uow.session, command.provider_id, command.key_id, revoked_at=ctx.now(), revoked_by=actor(command.revoked_by)
        )
        row = await repository.api_key(uow.session, command.key_id, command.provider_id)
        if row is None:
            raise NotFound("api_key_not_found", f"This provider has no API key {command.key_id}.")
        await record_security_event(
            uow.session,
            actor=command.revoked_by,
            action="api_key.revoke",
            object=f"api_key:{command.key_id}",
            detail={"provider": str(command.provider_id)},
        )
        await uow.commit()
    return _key_info(row)


async def authenticate_api_key(
    ctx: AccreditationContext, query: contracts.AuthenticateApiKey
) -> contracts.ApiKeyIdentity:
    """The provider a presented key belongs to. One indexed lookup by prefix, one constant-time digest
    comparison: cheap enough for every API request."""
    refusal = Unauthenticated("invalid_api_key", "The API key is not valid.")
    prefix = keys.lookup_prefix_of(query.api_key)
    if prefix is None:
        raise refusal
    async with ctx.unit_of_work() as uow:
        row = await repository.api_key_by_prefix(uow.session, prefix)
    if row is None or row.revoked_at is not None or not keys.key_matches(query.api_key, row.key_digest):
        raise refusal
    return contracts.ApiKeyIdentity(
        provider_id=row.provider_id,
        provider_name=row.name,
        key_id=row.key_id,
        actor=f"api-key:{row.key_id}",
        sandbox=row.sandbox,
    )
