"""The registry's units of work: the kit's (state + events in one transaction) plus mail in the same transaction.

Two flavours share one contract (:class:`MailingUnitOfWork`):

- :class:`RegistryUnitOfWork` for requests and scheduled jobs: it opens the transaction and commits it;
- :class:`EventUnitOfWork` for event handlers: the consumer owns that transaction (it records the inbox row and
  commits), so the handler's mail joins it and the mail relay is woken once the consumer has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol, Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import OutboxRelay, UnitOfWork
from registry.adapters.mail_relay import MailRelay
from registry.adapters.repositories.mail import insert_mail


class MailingUnitOfWork(Protocol):
    """What a registry use case needs of its transaction: the session, events, and mail."""

    @property
    def session(self) -> AsyncSession: ...

    def emit(self, message: Message) -> Envelope: ...

    async def queue_mail(self, *, to: str, subject: str, body: str, person_id: uuid.UUID | None) -> uuid.UUID: ...


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
        mail_id = await insert_mail(self.session, to=to, subject=subject, body=body, person_id=person_id)
        self._mail_queued = True
        return mail_id

    async def commit(self) -> None:
        await super().commit()
        if self._mail_queued and self._mail_relay is not None:
            self._mail_relay.wake()
        self._mail_queued = False


class EventUnitOfWork:
    """The consumer's unit of work as a registry event handler sees it: the same transaction, plus mail.

    It has no ``commit``: the consumer commits after recording the inbox row, so the effect, its events, its
    mail and "this message was handled" are one transaction (a redelivered duplicate sends nothing twice).
    """

    def __init__(self, inner: UnitOfWork, mail_relay: MailRelay | None) -> None:
        self._inner = inner
        self._mail_relay = mail_relay
        self._wake_hooked = False

    @property
    def session(self) -> AsyncSession:
        return self._inner.session

    def emit(self, message: Message) -> Envelope:
        return self._inner.emit(message)

    async def queue_mail(self, *, to: str, subject: str, body: str, person_id: uuid.UUID | None) -> uuid.UUID:
        """Write a mail in the consumer's transaction; the mail relay is woken when that transaction commits."""
        mail_id = await insert_mail(self.session, to=to, subject=subject, body=body, person_id=person_id)
        if self._mail_relay is not None and not self._wake_hooked:
            relay = self._mail_relay

            def wake_after_commit(_session: Any) -> None:
                relay.wake()

            # The consumer commits, not us: hook the wake to that commit (a rollback sends nothing, as it must).
            sa.event.listen(self.session.sync_session, "after_commit", wake_after_commit, once=True)
            self._wake_hooked = True
        return mail_id


# Opens a unit of work: how the scheduled jobs take one transaction per page.
UnitOfWorkFactory = Callable[[], RegistryUnitOfWork]
