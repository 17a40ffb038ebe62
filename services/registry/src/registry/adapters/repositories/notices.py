"""What the registry keeps to mail about other services' events: providers' contact addresses, and the
provider-placed portfolio entries waiting for a person's next digest."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.kit.db import upsert
from registry.adapters.orm import entry_notices, provider_contacts
from registry.adapters.sql import insert_if_absent, insert_many_if_absent


async def remember_provider_contact(
    session: AsyncSession, provider_id: uuid.UUID, *, name: str, email: str, at: datetime
) -> None:
    """Keep the provider's latest name and contact address (for later mail, such as a dispute)."""
    await upsert(
        session,
        provider_contacts,
        {"provider_id": provider_id, "name": name, "contact_email": email, "updated_at": at},
        ["provider_id"],
    )


async def provider_contact(session: AsyncSession, provider_id: uuid.UUID) -> Any:
    """The provider's name and contact address, or None when none is known."""
    return (
        await session.execute(
            sa.select(provider_contacts.c.name, provider_contacts.c.contact_email).where(
                provider_contacts.c.provider_id == provider_id
            )
        )
    ).first()


async def note_entry(session: AsyncSession, entry: Mapping[str, Any]) -> None:
    """Note one entry for its person's next digest, once per activity."""
    await insert_if_absent(session, entry_notices, entry, [entry_notices.c.activity_id])


async def note_entries(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    """Note a batch of entries for their people's next digests in one statement, once per activity."""
    await insert_many_if_absent(session, entry_notices, entries, [entry_notices.c.activity_id])
