"""The registry's scheduled jobs: lapse registrations at cycle end, remind before it, mail digests of new entries,
erase what has passed its retention (``service_layer/erasure.py`` does the erasing), and prune the sign-in log
and the audit trail after the logs' retention.

They run by themselves every few seconds (``entrypoints/scheduler.py``) and on request (RunScheduledJobs, for
tests and the demo's time travel), always judging by the registry's clock. Every job is safe with several
registry replicas running it at the same moment:

- work is taken in pages of rows locked with SKIP LOCKED (PostgreSQL), so two replicas take different rows,
  and each row is checked again under its lock before anything changes;
- a reminder is claimed by inserting its unique key (cycle, cycle end, offset) before its mail is queued, so a
  reminder goes out once whichever replica gets there first;
- every change commits with its events and mail in one transaction per page.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import Period, PeriodUnit
from registry.adapters.orm import (
    accounts,
    cycles,
    entry_notices,
    erasures,
    people,
    registration_applications,
    registrations,
    reminders_sent,
    reregistrations,
    status_history,
)
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import load_registration
from registry.adapters.repositories.security_log import record_action
from registry.adapters.sql import claim, lock_rows_skipping_locked
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import STAFF_ROLES, AccountRole, parse_account_roles
from registry.domain.languages import stored_language
from registry.domain.reminders import plan_reminders, reminder_schedule
from registry.domain.reregistration import LAPSES_AT_CYCLE_END, ApplicationState, lapse_date, lapses
from registry.domain.retention import AFTER_REGISTRATION, ENDED, DataKind
from registry.domain.status import RegistrationStatus
from registry.service_layer import erasure, notifications
from registry.service_layer.actors import load_actor, require_role
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import forbidden
from registry.service_layer.mailing import mail_contact
from registry.service_layer.objections import holds_registration, is_held
from registry.service_layer.registrations import SYSTEM_ACTOR, change_status

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], RegistryUnitOfWork]

LAPSE_REASON = "cycle ended without a granted re-registration"
_MONTH_END_SLACK_DAYS = 4


@dataclass(frozen=True, slots=True)
class JobsReport:
    """What one run of the jobs did in this process."""

    ran_at: datetime
    register_day: date
    expired: int = 0
    reminders_sent: int = 0
    reminders_skipped: int = 0
    entry_digests_sent: int = 0
    erasures: int = 0
    log_rows_pruned: int = 0

    def as_reply(self) -> contracts.ScheduledJobsReport:
        return contracts.ScheduledJobsReport(
            ran_at=self.ran_at,
            register_day=self.register_day,
            expired=self.expired,
            reminders_sent=self.reminders_sent,
            reminders_skipped=self.reminders_skipped,
            entry_digests_sent=self.entry_digests_sent,
            erasures=self.erasures,
            log_rows_pruned=self.log_rows_pruned,
        )


def _is_latest_cycle() -> sa.ColumnElement[bool]:
    """``cycles`` is the person's latest cycle (no later one exists); a NOT EXISTS instead of max(), so the
    query can lock rows (PostgreSQL refuses FOR UPDATE with aggregates)."""
    later = cycles.alias("later_cycle")
    return ~sa.exists().where(later.c.person_id == cycles.c.person_id, later.c.sequence > cycles.c.sequence)


class ScheduledJobs:
    """The jobs, with the unit-of-work factory and context they run with."""

    def __init__(self, unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, *, batch_size: int = 200) -> None:
        self._unit_of_work = unit_of_work
        self._ctx = ctx
        self._batch_size = batch_size
        # One run at a time per process (the timer and a RunScheduledJobs request); other replicas are kept
        # apart by the database, see the module docstring.
        self._running = asyncio.Lock()

    async def run_all(self) -> JobsReport:
        """Run every job once, judged by the clock's "now" at the start of the run."""
        async with self._running:
            now = self._ctx.now()
            expired = await self.expire_lapsed_registrations(now)
            sent, skipped = await self.send_cycle_reminders(now)
            digests = await self.send_entry_digests(now)
            erased = await self.erase_past_retention(now)
            pruned = await self.prune_logs(now)
        report = JobsReport(
            ran_at=now,
            register_day=self._ctx.today(now),
            expired=expired,
            reminders_sent=sent,
            reminders_skipped=skipped,
            entry_digests_sent=digests,
            erasures=erased,
            log_rows_pruned=pruned,
        )
        if expired or sent or skipped or digests or erased or pruned:
            log.info("scheduled jobs: %s", report)
        return report

    # --- expiry ---------------------------------------------------------------------------------------------

    async def expire_lapsed_registrations(self, now: datetime) -> int:
        """Registrations whose cycle ended without an application in, or with one not granted: expired.

        A pending re-registration keeps the registration until the decision, so it is never expired here; nor is
        one whose refused re-registration is under objection (the decision on the objection lapses it if need be).
        """
        ctx = self._ctx
        today = ctx.today(now)
        expired = 0
        after: uuid.UUID | None = None
        while True:
            async with self._unit_of_work() as uow:
                query = (
                    sa.select(registrations.c.person_id)
                    .join(cycles, cycles.c.person_id == registrations.c.person_id)
                    .where(
                        _is_latest_cycle(),
                        registrations.c.status.in_([status.value for status in LAPSES_AT_CYCLE_END]),
                        cycles.c.ends_on < today,
                        # An objection against a refused re-registration keeps the registration while it runs.
                        ~holds_registration(registrations.c.person_id),
                    )
                    .order_by(registrations.c.person_id)
                    .limit(self._batch_size)
                )
                if after is not None:
                    query = query.where(registrations.c.person_id > after)
                page = list(
                    (await uow.session.execute(lock_rows_skipping_locked(query, uow.session, registrations))).scalars()
                )
                if not page:
                    return expired
                for person_id in page:
                    expired += await self._expire(uow, person_id, now=now, today=today)
                await uow.commit()
            if len(page) < self._batch_size:
                return expired
            after = page[-1]

    async def _expire(self, uow: RegistryUnitOfWork, person_id: uuid.UUID, *, now: datetime, today: date) -> int:
        registration = await load_registration(uow.session, person_id, for_update=True)
        # Checked again under the lock: an application or an extension may have come in since the page was read.
        if registration is None or not lapses(registration.status, registration.cycle, today):
            return 0
        if await is_held(uow.session, person_id):
            return 0
        await change_status(
            uow,
            self._ctx,
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

    # --- erasure after retention -----------------------------------------------------------------------------

    async def erase_past_retention(self, now: datetime) -> int:
        """Erase, in every service, what has passed its retention: kinds of data of registrations that ended
        (the registration itself last, with whatever is left), and sign-ups never confirmed that are older than the
        account period. Returns how many people had something erased."""
        ctx = self._ctx
        shortest = min(ctx.retention.period(kind) for kind in AFTER_REGISTRATION)
        ended_at = (
            sa.select(sa.func.max(status_history.c.at))
            .where(
                status_history.c.person_id == registrations.c.person_id,
                status_history.c.to_status.in_([status.value for status in ENDED]),
            )
            .scalar_subquery()
        )
        erased = 0
        after: uuid.UUID | None = None
        while True:
            async with self._unit_of_work() as uow:
                query = (
                    sa.select(registrations.c.person_id)
                    .where(
                        registrations.c.status.in_([status.value for status in ENDED]),
                        ended_at < now - shortest,
                    )
                    .order_by(registrations.c.person_id)
                    .limit(self._batch_size)
                )
                if after is not None:
                    query = query.where(registrations.c.person_id > after)
                page = list(
                    (await uow.session.execute(lock_rows_skipping_locked(query, uow.session, registrations))).scalars()
                )
                for person_id in page:
                    erased += await self._erase_if_due(uow, person_id, now=now)
                await uow.commit()
            if len(page) < self._batch_size:
                break
            after = page[-1]
        return erased + await self._erase_unused_accounts(now)

    async def _erase_if_due(self, uow: RegistryUnitOfWork, person_id: uuid.UUID, *, now: datetime) -> int:
        ctx = self._ctx
        registration = await load_registration(uow.session, person_id, for_update=True)
        if registration is None or registration.status not in ENDED:
            return 0
        applying = (
            await uow.session.execute(
                sa.select(registration_applications.c.application_id).where(
                    registration_applications.c.person_id == person_id,
                    registration_applications.c.status == "pending",
                )
            )
        ).first()
        if applying is not None:
            return 0  # applying again after the end: the office is deciding on this very history
        ended_at = await erasure.ended_at(uow.session, person_id)
        if ended_at is None:
            return 0
        # Only erasures since this end count: a person who registered again and ended again has new data of
        # every kind, whatever was erased after an earlier end.
        done = (
            await uow.session.execute(
                sa.select(erasures.c.kinds).where(
                    erasures.c.pseudonym == ctx.pseudonyms.of(person_id), erasures.c.requested_at >= ended_at
                )
            )
        ).scalars()
        already = {DataKind(kind) for kinds in done for kind in kinds}
        due = ctx.retention.due_after_registration(ctx.today(ended_at), ctx.today(now), already)
        if not due:
            return 0
        await erasure.request_erasure(
            uow, ctx, person_id, due, reason="retention_passed", now=now, number=registration.number.value
        )
        return 1

    async def prune_logs(self, now: datetime) -> int:
        """Delete sign-in log and audit trail rows older than the logs' retention (a page per transaction);
        returns how many went. Counted from when each row was written, whoever it names: a person's rows of
        the last period stay until they age out too, or until the person is erased."""
        before = now - self._ctx.retention.period(DataKind.LOGS)
        pruned = 0
        while True:
            async with self._unit_of_work() as uow:
                attempts, trail = await erasure.prune_logs(uow.session, before=before, limit=self._batch_size)
                await uow.commit()
            pruned += attempts + trail
            if attempts < self._batch_size and trail < self._batch_size:
                return pruned

    async def _erase_unused_accounts(self, now: datetime) -> int:
        """Accounts never confirmed, of people who never registered nor applied, older than the account period.

        A confirmed account without a registration is kept until its owner erases it: it may be a training
        provider's contact, who signs in rarely (the provider's systems use API keys), and which accounts act for a
        provider only the accreditation service knows."""
        ctx = self._ctx
        query = (
            sa.select(accounts.c.account_id, accounts.c.account_roles)
            .where(
                accounts.c.email_confirmed_at.is_(None),
                accounts.c.created_at < now - ctx.retention.period(DataKind.ACCOUNT),
                ~sa.exists().where(registrations.c.person_id == accounts.c.account_id),
                ~sa.exists().where(registration_applications.c.person_id == accounts.c.account_id),
            )
            .order_by(accounts.c.account_id)
            .limit(self._batch_size)
        )
        erased = 0
        after: uuid.UUID | None = None
        while True:
            async with self._unit_of_work() as uow:
                page_query = query if after is None else query.where(accounts.c.account_id > after)
                rows = (await uow.session.execute(lock_rows_skipping_locked(page_query, uow.session, accounts))).all()
                for row in rows:
                    if parse_account_roles(row.account_roles) & STAFF_ROLES:
                        continue  # the register's own people: an administrator takes their roles away first
                    await erasure.request_erasure(
                        uow, ctx, row.account_id, list(DataKind), reason="retention_passed", now=now, number=None
                    )
                    erased += 1
                await uow.commit()
            if len(rows) < self._batch_size:
                break
            after = rows[-1].account_id
        return erased

    # --- reminders ------------------------------------------------------------------------------------------

    async def send_cycle_reminders(self, now: datetime) -> tuple[int, int]:
        """Remind registered professionals without an application in that their cycle ends (each reminder of
        a cycle once); returns (sent, skipped)."""
        ctx = self._ctx
        today = ctx.today(now)
        offsets = [offset for version in ctx.scheme.versions for offset in version.reregistration.reminders_before_end]
        if not offsets:
            return 0, 0
        # The last cycle end any reminder can be due for today, with a few days to spare: month arithmetic is
        # not symmetric at month ends (31 December minus 6 months is 30 June, 30 June plus 6 months is 30
        # December). The exact rule per cycle follows in Python.
        horizon = max(offset.after(today) for offset in offsets) + timedelta(days=_MONTH_END_SLACK_DAYS)
        application_in = sa.exists().where(
            reregistrations.c.cycle_id == cycles.c.cycle_id,
            reregistrations.c.state != ApplicationState.REFUSED.value,
        )
        sent = skipped = 0
        after: uuid.UUID | None = None
        while True:
            async with self._unit_of_work() as uow:
                query = (
                    sa.select(
                        registrations.c.person_id,
                        registrations.c.registration_number,
                        cycles.c.cycle_id,
                        cycles.c.ends_on,
                        cycles.c.scheme_version,
                        accounts.c.email,
                        accounts.c.preferred_language,
                        people.c.initials,
                        people.c.surname,
                    )
                    .join(cycles, cycles.c.person_id == registrations.c.person_id)
                    .join(accounts, accounts.c.account_id == registrations.c.person_id)
                    .join(people, people.c.person_id == registrations.c.person_id)
                    .where(
                        _is_latest_cycle(),
                        registrations.c.status == RegistrationStatus.REGISTERED.value,
                        cycles.c.ends_on >= today,
                        cycles.c.ends_on <= horizon,
                        ~application_in,
                    )
                    .order_by(registrations.c.person_id)
                    .limit(self._batch_size)
                )
                if after is not None:
                    query = query.where(registrations.c.person_id > after)
                page = (await uow.session.execute(lock_rows_skipping_locked(query, uow.session, registrations))).all()
                if not page:
                    return sent, skipped
                handled = await self._handled_reminders(uow, page)
                for row in page:
                    row_sent, row_skipped = await self._remind(
                        uow, row, handled.get((row.cycle_id, row.ends_on), set()), now=now, today=today
                    )
                    sent += row_sent
                    skipped += row_skipped
                await uow.commit()
            if len(page) < self._batch_size:
                return sent, skipped
            after = page[-1].person_id

    @staticmethod
    async def _handled_reminders(uow: UnitOfWork, page: list[Any]) -> dict[tuple[uuid.UUID, date], set[str]]:
        rows = (
            await uow.session.execute(
                sa.select(reminders_sent.c.cycle_id, reminders_sent.c.cycle_ends_on, reminders_sent.c.reminder).where(
                    reminders_sent.c.cycle_id.in_([row.cycle_id for row in page])
                )
            )
        ).all()
        handled: dict[tuple[uuid.UUID, date], set[str]] = defaultdict(set)
        for row in rows:
            handled[(row.cycle_id, row.cycle_ends_on)].add(row.reminder)
        return handled

    async def _remind(
        self, uow: RegistryUnitOfWork, row: Any, handled: set[str], *, now: datetime, today: date
    ) -> tuple[int, int]:
        rules = self._ctx.scheme.get(row.scheme_version).reregistration
        plan = plan_reminders(
            reminder_schedule(row.ends_on, rules.reminders_before_end),
            today=today,
            cycle_end=row.ends_on,
            already_handled=handled,
        )
        key_columns = [reminders_sent.c.cycle_id, reminders_sent.c.cycle_ends_on, reminders_sent.c.reminder]
        skipped = 0
        for reminder in plan.skip:
            values = self._reminder_row(row, reminder.key, reminder.due_on, now)
            skipped += int(await claim(uow.session, reminders_sent, values, key_columns))
        if plan.send is None:
            return 0, skipped
        values = self._reminder_row(row, plan.send.key, plan.send.due_on, now)
        if not await claim(uow.session, reminders_sent, values, key_columns):
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
        await uow.session.execute(
            sa.update(reminders_sent)
            .where(
                reminders_sent.c.cycle_id == row.cycle_id,
                reminders_sent.c.cycle_ends_on == row.ends_on,
                reminders_sent.c.reminder == plan.send.key,
            )
            .values(mail_id=mail_id)
        )
        return 1, skipped

    @staticmethod
    def _reminder_row(row: Any, key: str, due_on: date, now: datetime) -> dict[str, Any]:
        return {
            "cycle_id": row.cycle_id,
            "cycle_ends_on": row.ends_on,
            "reminder": key,
            "person_id": row.person_id,
            "due_on": due_on,
            "handled_at": now,
            "mail_id": None,
        }

    # --- digests of new provider-placed entries -------------------------------------------------------------

    async def send_entry_digests(self, now: datetime) -> int:
        """One mail per person listing the provider-placed entries noted since their last digest."""
        ctx = self._ctx
        check_days = ctx.scheme_on(ctx.today(now)).portfolio.confirm_dispute_window_days
        digests = 0
        while True:
            async with self._unit_of_work() as uow:
                query = (
                    sa.select(entry_notices)
                    .where(entry_notices.c.notified_at.is_(None))
                    .order_by(entry_notices.c.person_id, entry_notices.c.completion_date, entry_notices.c.activity_id)
                    .limit(self._batch_size)
                )
                page = (await uow.session.execute(lock_rows_skipping_locked(query, uow.session, entry_notices))).all()
                if not page:
                    return digests
                per_person: dict[uuid.UUID, list[Any]] = defaultdict(list)
                for notice in page:
                    per_person[notice.person_id].append(notice)
                for person_id, notices in per_person.items():
                    contact = await contact_of(uow.session, person_id)
                    if contact is None or contact.email is None:
                        continue  # nobody to mail (no account): the notices are closed all the same
                    entries = [
                        (notice.completion_date, notice.category, notifications.points_text(notice.points))
                        for notice in notices
                    ]
                    await mail_contact(
                        uow,
                        contact,
                        notifications.new_entries_to_check(contact.name, entries, check_days, contact.language),
                    )
                    digests += 1
                await uow.session.execute(
                    sa.update(entry_notices)
                    .where(entry_notices.c.activity_id.in_([notice.activity_id for notice in page]))
                    .values(notified_at=now)
                )
                await uow.commit()
            if len(page) < self._batch_size:
                return digests


async def authorize_run(uow: UnitOfWork, ctx: RegistryContext, command: contracts.RunScheduledJobs) -> None:
    """The office may run the jobs now; without an acting account only the system may (tests, demo time
    travel), which is a demo command: production runs the jobs on its own timer."""
    now = ctx.now()
    if command.actor_account_id is None:
        if not ctx.policy.allow_demo_commands:
            raise forbidden(
                "demo_commands_disabled", "Running the scheduled jobs without an office account is a demo command."
            )
        return
    actor = await load_actor(uow, command.actor_account_id)
    await require_role(
        uow,
        actor,
        AccountRole.OFFICE,
        at=now,
        action="run_scheduled_jobs",
        subject="scheduled_jobs",
        client_ip=command.client_ip,
    )
    await record_action(
        uow,
        at=now,
        action="run_scheduled_jobs",
        subject="scheduled_jobs",
        client_ip=command.client_ip,
        actor_account_id=actor.account_id,
        person_id=None,
    )
    await uow.commit()
