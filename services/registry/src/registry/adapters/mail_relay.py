"""The mail outbox relay: sends mails that use cases wrote in their transaction, after the commit.

It works like the event outbox relay (woken right after a commit that queued mail, polling as a fallback,
exponential backoff per failed mail), so a change that rolls back sends nothing and a committed change never
loses its mail: a mail that cannot be sent stays in the table, is retried, and every failure is logged with
its reason in ``last_error``. Delivery is at-least-once: a crash between handing over and marking sent sends
that mail again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.kit.db import transaction
from lklr_shared.kit.outbox import PollingRelay, backoff_delay
from registry.adapters.mail import Mailer, MailNotSent, OutgoingMail
from registry.adapters.repositories.mail import due_mails, mark_not_sent, mark_sent

log = logging.getLogger(__name__)

# Mail servers are down for minutes to hours, not milliseconds: retry up to once an hour, never give up.
MAX_RETRY_SECONDS = 3600.0


class MailRelay(PollingRelay):
    """Sends unsent rows of ``mail_outbox`` through a :class:`Mailer` (the kit's polling relay loop)."""

    what = "mail"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        mailer: Mailer,
        *,
        poll_seconds: float = 5.0,
        batch_size: int = 50,
    ) -> None:
        super().__init__(poll_seconds=poll_seconds, batch_size=batch_size)
        self._session_factory = session_factory
        self._mailer = mailer

    async def relay_once(self) -> int:
        """Send one batch of due mails; return how many were looked at."""
        async with transaction(self._session_factory) as session:
            rows = await due_mails(session, utcnow(), self._batch_size)
            for mail_id, to_address, subject, body, attempts in rows:
                try:
                    await self._mailer.send(OutgoingMail(mail_id=mail_id, to=to_address, subject=subject, body=body))
                except MailNotSent as exc:
                    delay = backoff_delay(attempts + 1, base=5.0, cap=MAX_RETRY_SECONDS)
                    log.warning("mail %s not sent (attempt %s), retry in %.0fs: %s", mail_id, attempts + 1, delay, exc)
                    await mark_not_sent(
                        session,
                        mail_id,
                        attempts=attempts + 1,
                        error=str(exc),
                        next_attempt_at=utcnow() + timedelta(seconds=delay),
                    )
                    continue
                await mark_sent(session, mail_id, attempts=attempts + 1, now=utcnow())
            return len(rows)
