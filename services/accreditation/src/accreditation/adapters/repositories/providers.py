"""Providers, the accounts that act for them, and their API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import api_keys, provider_accounts, providers

# --- Providers ---------------------------------------------------------------------------------------------------


async def provider(session: AsyncSession, provider_id: uuid.UUID) -> Any | None:
    """The provider's row, or None."""
    return (await session.execute(sa.select(providers).where(providers.c.provider_id == provider_id))).first()


async def provider_name(session: AsyncSession, provider_id: uuid.UUID) -> str | None:
    """The provider's name, or None when there is no such provider."""
    name = (
        await session.execute(sa.select(providers.c.name).where(providers.c.provider_id == provider_id))
    ).scalar_one_or_none()
    return None if name is None else str(name)


async def provider_contact(session: AsyncSession, provider_id: uuid.UUID) -> tuple[str, str | None]:
    """The provider's name and contact address (an empty name and None if there is no such provider)."""
    row = (
        await session.execute(
            sa.select(providers.c.name, providers.c.contact_email).where(providers.c.provider_id == provider_id)
        )
    ).first()
    return (row.name, row.contact_email) if row is not None else ("", None)


async def name_taken(session: AsyncSession, name_key: str) -> bool:
    """Whether a provider has this (case-folded) name."""
    found = await session.execute(sa.select(providers.c.provider_id).where(providers.c.name_key == name_key))
    return found.first() is not None


async def insert_provider(session: AsyncSession, **values: Any) -> None:
    """Insert a provider row."""
    await session.execute(sa.insert(providers).values(**values))


async def provider_ids_by_name(session: AsyncSession) -> list[uuid.UUID]:
    """Every provider's id, in the order of their names."""
    return list((await session.execute(sa.select(providers.c.provider_id).order_by(providers.c.name_key))).scalars())


# --- Accounts that act for a provider ----------------------------------------------------------------------------


async def linked_accounts(session: AsyncSession, provider_id: uuid.UUID) -> list[str]:
    """The accounts that act for the provider."""
    return list(
        (
            await session.execute(
                sa.select(provider_accounts.c.account_id)
                .where(provider_accounts.c.provider_id == provider_id)
                .order_by(provider_accounts.c.account_id)
            )
        ).scalars()
    )


async def provider_of_account(session: AsyncSession, account_id: str) -> uuid.UUID | None:
    """The provider the account acts for, if any."""
    found = await session.execute(
        sa.select(provider_accounts.c.provider_id).where(provider_accounts.c.account_id == account_id)
    )
    return found.scalar_one_or_none()


async def link_account(session: AsyncSession, **values: Any) -> None:
    """Insert an account's link to a provider."""
    await session.execute(sa.insert(provider_accounts).values(**values))


async def unlink_account(session: AsyncSession, provider_id: uuid.UUID, account_id: str) -> bool:
    """Remove the account's link to the provider; False if there was none."""
    deleted = await session.execute(
        sa.delete(provider_accounts).where(
            provider_accounts.c.account_id == account_id, provider_accounts.c.provider_id == provider_id
        )
    )
    return int(getattr(deleted, "rowcount", 0) or 0) > 0


# --- API keys ----------------------------------------------------------------------------------------------------


async def insert_api_key(session: AsyncSession, **values: Any) -> None:
    """Insert a key row (its digest, never the key)."""
    await session.execute(sa.insert(api_keys).values(**values))


async def api_key(session: AsyncSession, key_id: uuid.UUID, provider_id: uuid.UUID | None = None) -> Any | None:
    """The key's row (only if it is ``provider_id``'s, when given), or None."""
    query = sa.select(api_keys).where(api_keys.c.key_id == key_id)
    if provider_id is not None:
        query = query.where(api_keys.c.provider_id == provider_id)
    return (await session.execute(query)).first()


async def api_keys_of(session: AsyncSession, provider_id: uuid.UUID) -> Sequence[Any]:
    """The provider's keys, newest first."""
    return (
        await session.execute(
            sa.select(api_keys)
            .where(api_keys.c.provider_id == provider_id)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.key_id)
        )
    ).all()


async def revoke_api_key(session: AsyncSession, provider_id: uuid.UUID, key_id: uuid.UUID, **values: Any) -> None:
    """Mark the provider's key revoked (a key already revoked keeps its first revocation)."""
    await session.execute(
        sa.update(api_keys)
        .where(api_keys.c.key_id == key_id, api_keys.c.provider_id == provider_id, api_keys.c.revoked_at.is_(None))
        .values(**values)
    )


async def api_key_by_prefix(session: AsyncSession, prefix: str) -> Any | None:
    """The key with this lookup prefix and its provider's id and name, or None."""
    return (
        await session.execute(
            sa.select(
                api_keys.c.key_id,
                api_keys.c.key_digest,
                api_keys.c.revoked_at,
                api_keys.c.sandbox,
                providers.c.provider_id,
                providers.c.name,
            )
            .join(providers, providers.c.provider_id == api_keys.c.provider_id)
            .where(api_keys.c.lookup_prefix == prefix)
        )
    ).first()


async def is_sandbox_key(session: AsyncSession, key_id: uuid.UUID) -> bool:
    """Whether the key is a sandbox key."""
    sandbox = (
        await session.execute(sa.select(api_keys.c.sandbox).where(api_keys.c.key_id == key_id))
    ).scalar_one_or_none()
    return bool(sandbox)
