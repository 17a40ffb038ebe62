"""The expiry job: registrations whose cycle ended without a granted re-registration lapse, and the person is told."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from registry.adapters.repositories import jobs as job_rows
from registry.adapters.repositories import objections as objection_rows
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.unit_of_work import RegistryUnitOfWork, UnitOfWorkFactory
from registry.domain.reregistration import LAPSES_AT_CYCLE_END, lapse_date, lapses
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

LAPSE_REASON = "cycle ended without a granted re-registration"


async def expire_lapsed_registrations(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int
) -> int:
    """Registrations whose cycle ended without an application in, or with one not granted: expired.

    A pending re-registration keeps the registration until the decision, so it is never expired here; nor is
    one whose refused re-registration is under objection (the decision on the objection lapses it if need be).
    """
    today = ctx.today(now)
    statuses = [status.value for status in LAPSES_AT_CYCLE_END]
    expired = 0
    after: uuid.UUID | None = None
    while True:
        async with unit_of_work() as uow:
            page = await job_rows.lapsed_page(
                uow.session, statuses=statuses, today=today, after=after, limit=batch_size
            )
            if not page:
                return expired
            for person_id in page:
                expired += await _expire(uow, ctx, person_id, now=now, today=today)
            await uow.commit()
        if len(page) < batch_size:
            return expired
        after = page[-1]


async def _expire(
    uow: RegistryUnitOfWork, ctx: RegistryContext, person_id: uuid.UUID, *, now: datetime, today: date
) -> int:
    registration = await load_registration(uow.session, person_id, for_update=True)
    # Checked again under the lock: an application or an extension may have come in since the page was read.
    if registration is None or not lapses(registration.status, registration.cycle, today):
        return 0
    if await objection_rows.is_held(uow.session, person_id):
        return 0
    await change_status(
        uow,
        ctx,
        person_id,
        RegistrationStatus.EXPIRED,
        by=SYSTEM_ACTOR,
        reason=LAPSE_REASON,
        now=now,
        manual=False,
        effective_on=lapse_date(registration.cycle),
        notify=False,
    )
    contact = await contact_of(uow.session, person_id)
    if contact is not None:
        await mail_contact(
            uow,
            contact,
            notifications.registration_lapsed(
                contact.name, registration.number.value, registration.cycle.end, contact.language
            ),
        )
    return 1
