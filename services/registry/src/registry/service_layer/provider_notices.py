"""Telling training providers of the accreditation committee's decisions (the registry sends the register's mail).

The accreditation service carries the provider's contact address on its decision events, so the registry needs no
copy of the provider register. A provider without an address on the event (an old message) gets no mail; the
decision itself is shown in the provider portal either way.
"""

from __future__ import annotations

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts.envelope import Envelope
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext


async def tell_provider_of_accreditation(
    uow: MailingUnitOfWork,
    _ctx: RegistryContext,
    event: accreditation_contracts.CourseAccredited,
    _envelope: Envelope,
) -> None:
    """Mail the provider's contact address that its course was accredited (with points and validity)."""
    if not event.provider_contact_email:
        return
    subject, body = notifications.course_accredited(
        event.provider_name,
        event.title,
        notifications.points_text(event.points),
        event.valid_from,
        event.valid_until,
        event.reason,
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)


async def tell_provider_of_withdrawal(
    uow: MailingUnitOfWork,
    _ctx: RegistryContext,
    event: accreditation_contracts.AccreditationWithdrawn,
    _envelope: Envelope,
) -> None:
    """Mail the provider's contact address that an accreditation was withdrawn, and from when."""
    if not event.provider_contact_email:
        return
    subject, body = notifications.accreditation_withdrawn(
        event.provider_name, event.title or str(event.course_id), event.withdrawn_on, event.reason
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)
