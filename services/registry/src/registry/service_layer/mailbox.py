"""The development mailbox: what the folder mailer wrote, for the gateway's development mail page."""

from __future__ import annotations

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import NotFound
from registry.service_layer.context import RegistryContext


async def list_dev_mail(ctx: RegistryContext, query: contracts.ListDevMail) -> contracts.DevMailbox:
    """Newest first. Only with the folder mailer: with SMTP the mail is gone to real mailboxes (404)."""
    if ctx.dev_mailbox is None:
        raise NotFound("dev_mail_disabled", "There is no development mailbox in this deployment.")
    entries = await ctx.dev_mailbox.read(query.limit)
    return contracts.DevMailbox(
        messages=[
            contracts.DevMail(
                mail_id=entry.mail_id, to=entry.to, subject=entry.subject, body=entry.body, sent_at=entry.sent_at
            )
            for entry in entries
        ]
    )
