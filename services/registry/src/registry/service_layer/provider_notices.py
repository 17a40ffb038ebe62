"""Telling training providers of the accreditation committee's decisions and of disputes of their posts (the
registry sends the register's mail).

The accreditation service carries the provider's name and contact address on its decision events; the registry
keeps the latest of them per provider (`provider_contacts`) to address later mail, such as a dispute. A provider
without an address on the event (an old message) gets no mail; the portal shows decisions and disputes either way.
"""

from __future__ import annotations

import uuid
from typing import Any

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts.envelope import Envelope
from registry.adapters.repositories import notices
from registry.adapters.repositories.mail import address_language, contact_of
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext


async def _remember_contact(
    session: Any, ctx: RegistryContext, provider_id: uuid.UUID | None, name: str, email: str | None
) -> None:
    if provider_id is None or not email:
        return
    await notices.remember_provider_contact(session, provider_id, name=name, email=email, at=ctx.now())


async def tell_provider_of_accreditation(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    event: accreditation_contracts.CourseAccredited,
    _envelope: Envelope,
) -> None:
    """Mail the provider's contact address that its course was accredited (with points and validity)."""
    await _remember_contact(uow.session, ctx, event.provider_id, event.provider_name, event.provider_contact_email)
    if not event.provider_contact_email:
        return
    subject, body = notifications.course_accredited(
        event.provider_name,
        event.title,
        notifications.points_text(event.points),
        event.valid_from,
        event.valid_until,
        event.reason,
        await address_language(uow.session, event.provider_contact_email),
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)


async def tell_provider_of_withdrawal(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    event: accreditation_contracts.AccreditationWithdrawn,
    _envelope: Envelope,
) -> None:
    """Mail the provider's contact address that an accreditation was withdrawn, and from when."""
    await _remember_contact(uow.session, ctx, event.provider_id, event.provider_name, event.provider_contact_email)
    if not event.provider_contact_email:
        return
    subject, body = notifications.accreditation_withdrawn(
        event.provider_name,
        event.title,
        event.withdrawn_on,
        event.reason,
        await address_language(uow.session, event.provider_contact_email),
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)


async def tell_provider_of_disabled_webhook(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    event: accreditation_contracts.WebhookEndpointDisabled,
    _envelope: Envelope,
) -> None:
    """Mail the provider's contact address that one of its webhook endpoints kept failing and was disabled."""
    await _remember_contact(uow.session, ctx, event.provider_id, event.provider_name, event.provider_contact_email)
    if not event.provider_contact_email:
        return
    subject, body = notifications.webhook_endpoint_disabled(
        event.provider_name,
        event.url,
        event.failed_attempts,
        await address_language(uow.session, event.provider_contact_email),
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)


async def tell_provider_of_dispute(
    uow: MailingUnitOfWork, ctx: RegistryContext, event: portfolio_contracts.ActivityDisputed
) -> bool:
    """Mail the provider whose attendance entry a professional disputed; False when no address is known."""
    row = await notices.provider_contact(uow.session, event.provider_id)
    if row is None:
        return False
    contact = await contact_of(uow.session, event.person_id)
    number = contact.registration_number if contact is not None else None
    subject, body = notifications.attendance_disputed_for_provider(
        row.name,
        number,
        event.reason,
        ctx.today(event.disputed_at),
        await address_language(uow.session, row.contact_email),
    )
    await uow.queue_mail(to=row.contact_email, subject=subject, body=body, person_id=None)
    return True


async def tell_provider_of_objection_step(
    uow: MailingUnitOfWork,
    ctx: RegistryContext,
    event: accreditation_contracts.CourseObjectionStepped,
    _envelope: Envelope,
) -> None:
    """Mail the provider a step in their objection against a course decision (receipt, acknowledgement, hearing,
    extension, decision with reasons), as people are mailed theirs."""
    await _remember_contact(uow.session, ctx, event.provider_id, event.provider_name, event.provider_contact_email)
    if not event.provider_contact_email:
        return
    hearing = None
    if event.hearing_at is not None and event.hearing_place:
        hearing = (event.hearing_at.astimezone(ctx.policy.timezone), event.hearing_place)
    subject, body = notifications.course_objection_step(
        event.provider_name,
        event.title,
        event.step,
        event.decided_on,
        event.decision_due_on,
        await address_language(uow.session, event.provider_contact_email),
        hearing=hearing,
        reasons=event.reasons,
        upheld=None if event.outcome is None else event.outcome == "upheld",
    )
    await uow.queue_mail(to=event.provider_contact_email, subject=subject, body=body, person_id=None)
