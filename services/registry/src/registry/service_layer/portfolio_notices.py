"""Telling people about portfolio events: new provider-placed entries to check, and disputes for the office.

New entries are collected, not mailed one by one: a provider's attendance post becomes one ActivitiesPlaced per
batch (older messages: one ActivityRecorded per person), and a provider posting ten courses in an hour would
otherwise send ten mails. The scheduled digest job (``send_entry_digests``, below) mails each person one list of
what arrived since the last digest.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts.envelope import Envelope
from registry.adapters.repositories import jobs as job_rows
from registry.adapters.repositories import notices
from registry.adapters.repositories.mail import contact_of
from registry.adapters.unit_of_work import MailingUnitOfWork, UnitOfWorkFactory
from registry.service_layer import notifications, provider_notices
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact, mail_office

log = logging.getLogger(__name__)

PROVIDER_PLACED = "provider_placed"


def _notice(
    entry: portfolio_contracts.ActivityRecorded | portfolio_contracts.PlacedEntry, recorded_at: datetime
) -> dict[str, Any]:
    """The digest's note of one provider-placed entry."""
    return {
        "activity_id": entry.activity_id,
        "person_id": entry.person_id,
        "category": entry.category,
        "points": entry.points,
        "completion_date": entry.completion_date,
        "recorded_at": recorded_at,
    }


async def note_new_entry(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivityRecorded, _envelope: Envelope
) -> None:
    """Remember a provider-placed entry for the person's next digest (their own entries need no mail).

    Keyed by the activity, so the same entry announced twice is noted once.
    """
    if event.source != PROVIDER_PLACED:
        return
    await notices.note_entry(uow.session, _notice(event, ctx.now()))


async def note_new_entries(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivitiesPlaced, _envelope: Envelope
) -> None:
    """Remember a batch of provider-placed entries for each person's next digest, in one statement.

    Keyed by the activity, so entries announced twice (a batch re-sent, or an old per-entry event) are noted once.
    """
    recorded_at = ctx.now()
    await notices.note_entries(uow.session, [_notice(entry, recorded_at) for entry in event.entries])


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


async def send_entry_digests(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int
) -> int:
    """The digest job: one mail per person listing the provider-placed entries noted since their last digest."""
    check_days = ctx.scheme_on(ctx.today(now)).portfolio.confirm_dispute_window_days
    digests = 0
    while True:
        async with unit_of_work() as uow:
            page = await job_rows.unnotified_entries_page(uow.session, limit=batch_size)
            if not page:
                return digests
            per_person: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for notice in page:
                per_person[notice.person_id].append(notice)
            for person_id, noted in per_person.items():
                contact = await contact_of(uow.session, person_id)
                if contact is None or contact.email is None:
                    continue  # nobody to mail (no account): the notices are closed all the same
                entries = [
                    (notice.completion_date, notice.category, notifications.points_text(notice.points))
                    for notice in noted
                ]
                await mail_contact(
                    uow,
                    contact,
                    notifications.new_entries_to_check(contact.name, entries, check_days, contact.language),
                )
                digests += 1
            await job_rows.mark_notified(uow.session, [notice.activity_id for notice in page], now)
            await uow.commit()
        if len(page) < batch_size:
            return digests
