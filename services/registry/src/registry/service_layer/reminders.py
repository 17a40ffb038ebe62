"""The reminder job: registered professionals without an application in are reminded that their cycle ends, each
reminder of a cycle once (claimed by its unique key before its mail is queued, whichever replica gets there
first)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from lklr_shared.scheme import Period, PeriodUnit
from registry.adapters.repositories import jobs as job_rows
from registry.adapters.unit_of_work import RegistryUnitOfWork, UnitOfWorkFactory
from registry.domain.languages import stored_language
from registry.domain.reminders import plan_reminders, reminder_horizon, reminder_schedule
from registry.service_layer import notifications
from registry.service_layer.context import RegistryContext


async def send_cycle_reminders(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, now: datetime, *, batch_size: int
) -> tuple[int, int]:
    """Remind registered professionals without an application in that their cycle ends (each reminder of
    a cycle once); returns (sent, skipped)."""
    today = ctx.today(now)
    horizon = reminder_horizon(
        today, [offset for version in ctx.scheme.versions for offset in version.reregistration.reminders_before_end]
    )
    if horizon is None:
        return 0, 0
    sent = skipped = 0
    after: uuid.UUID | None = None
    while True:
        async with unit_of_work() as uow:
            page = await job_rows.reminder_page(
                uow.session, today=today, horizon=horizon, after=after, limit=batch_size
            )
            if not page:
                return sent, skipped
            handled = await job_rows.handled_reminders(uow.session, [row.cycle_id for row in page])
            for row in page:
                row_sent, row_skipped = await _remind(
                    uow, ctx, row, handled.get((row.cycle_id, row.ends_on), set()), now=now, today=today
                )
                sent += row_sent
                skipped += row_skipped
            await uow.commit()
        if len(page) < batch_size:
            return sent, skipped
        after = page[-1].person_id


async def _remind(
    uow: RegistryUnitOfWork, ctx: RegistryContext, row: Any, handled: set[str], *, now: datetime, today: date
) -> tuple[int, int]:
    rules = ctx.scheme.get(row.scheme_version).reregistration
    plan = plan_reminders(
        reminder_schedule(row.ends_on, rules.reminders_before_end),
        today=today,
        cycle_end=row.ends_on,
        already_handled=handled,
    )
    skipped = 0
    for reminder in plan.skip:
        skipped += int(await _claim(uow, row, reminder.key, reminder.due_on, now))
    if plan.send is None:
        return 0, skipped
    if not await _claim(uow, row, plan.send.key, plan.send.due_on, now):
        return 0, skipped  # another replica sent it a moment ago
    opens_on = Period(amount=rules.application_opens_months_before_end, unit=PeriodUnit.MONTHS).before(row.ends_on)
    subject, body = notifications.cycle_end_reminder(
        f"{row.initials} {row.surname}",
        row.registration_number,
        row.ends_on,
        today,
        opens_on,
        stored_language(row.preferred_language),
    )
    mail_id = await uow.queue_mail(to=row.email, subject=subject, body=body, person_id=row.person_id)
    await job_rows.set_reminder_mail(
        uow.session, cycle_id=row.cycle_id, cycle_ends_on=row.ends_on, reminder=plan.send.key, mail_id=mail_id
    )
    return 1, skipped


async def _claim(uow: RegistryUnitOfWork, row: Any, key: str, due_on: date, now: datetime) -> bool:
    return await job_rows.claim_reminder(
        uow.session,
        cycle_id=row.cycle_id,
        cycle_ends_on=row.ends_on,
        reminder=key,
        person_id=row.person_id,
        due_on=due_on,
        at=now,
    )
