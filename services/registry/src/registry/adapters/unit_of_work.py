"""The registry's unit of work: the kit's (state + events in one transaction) plus mail in the same transaction."""

from __future__ import annotations

import uuid
from typing import Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import Envelope, utcnow
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from registry.adapters.mail_relay import MailRelay
from registry.adapters.orm import mail_outbox


class RegistryUnitOfWork(UnitOfWork):
    """A UnitOfWork that can also queue mail; the commit wakes the mail relay when mail was queued."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        relay: OutboxRelay | None = None,
        *,
        mail_relay: MailRelay | None = None,
        caused_by: Envelope | None = None,
    ) -> None:
        super().__init__(session_factory, relay, caused_by=caused_by)
        self._mail_relay = mail_relay
        self._mail_queued = False

    async def __aenter__(self) -> Self:
        self._mail_queued = False
        return await super().__aenter__()

    async def queue_mail(self, *, to: str, subject: str, body: str, person_id: uuid.UUID | None) -> uuid.UUID:
        """Write a mail into the outbox in this transaction; it is sent after the commit."""
        mail_id = uuid.uuid4()
        now = utcnow()
        await self.session.execute(
            sa.insert(mail_outbox).values(
                mail_id=mail_id,
                person_id=person_id,
                to_address=to,
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
        )
        self._mail_queued = True
        return mail_id

    async def commit(self) -> None:
        await super().commit()
        if self._mail_queued and self._mail_relay is not None:
            self._mail_relay.wake()
        self._mail_queued = False
