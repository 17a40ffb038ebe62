"""Telling people about portfolio events: new provider-placed entries to check, and disputes for the office.

New entries are collected, not mailed one by one: a provider's attendance post becomes one ActivitiesPlaced per
batch (older messages: one ActivityRecorded per person), and a provider posting ten courses in an hour would
otherwise send ten mails. The scheduled digest job
(``scheduled_jobs.send_entry_digests``) mails each person one list of what arrived since the last digest.
"""

from __future__ import annotations

import logging

from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts.envelope import Envelope
from registry.adapters.orm import entry_notices
from registry.adapters.repositories.mail import contact_of
from registry.adapters.sql import insert_if_absent, insert_many_if_absent
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.service_layer import notifications, provider_notices
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_office

log = logging.getLogger(__name__)

PROVIDER_PLACED = "provider_placed"


async def note_new_entry(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivityRecorded, _envelope: Envelope
) -> None:
    """Remember a provider-placed entry for the person's next digest (their own entries need no mail).

    Keyed by the activity, so the same entry announced twice is noted once.
    """
    if event.source != PROVIDER_PLACED:
        return
    await insert_if_absent(
        uow.session,
        entry_notices,
        {
            "activity_id": event.activity_id,
            "person_id": event.person_id,
            "category": event.category,
            "points": event.points,
            "completion_date": event.completion_date,
            "recorded_at": ctx.now(),
        },
        [entry_notices.c.activity_id],
    )


async def note_new_entries(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivitiesPlaced, _envelope: Envelope
) -> None:
    """Remember a batch of provider-placed entries for each person's next digest, in one statement.

    Keyed by the activity, so entries announced twice (a batch re-sent, or an old per-entry event) are noted once.
    """
    recorded_at = ctx.now()
    await insert_many_if_absent(
        uow.session,
        entry_notices,
        [
            {
                "activity_id": entry.activity_id,
                "person_id": entry.person_id,
                "category": entry.category,
                "points": entry.points,
                "completion_date": entry.completion_date,
                "recorded_at": recorded_at,
            }
            for entry in event.entries
        ],
        [entry_notices.c.activity_id],
    )


async def tell_of_dispute(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivityDisputed, _envelope: Envelope
) -> None:
    """A professional disputed a provider-placed entry: the office and the provider hear of it (the provider also
    sees it in its portal, through the accreditation service)."""
    contact = await contact_of(uow.session, event.person_id)
    person = contact.name if contact is not None else f"persoon {event.person_id}"
    number = contact.registration_number if contact is not None else None
    await mail_office(
        uow,
        lambda lang: notifications.activity_disputed_for_office(
            person, number, event.reason, ctx.today(event.disputed_at), lang
        ),
    )
    if not await provider_notices.tell_provider_of_dispute(uow, ctx, event):
        log.info("no contact address known for provider %s: the dispute is shown in its portal only", event.provider_id)
