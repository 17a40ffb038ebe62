"""The registry's scheduled jobs: lapse registrations at cycle end (``expiry.py``), remind before it
(``reminders.py``), mail digests of new entries (``portfolio_notices.py``), erase what has passed its retention
and prune the sign-in log and the audit trail after the logs' retention (``erasure.py``).

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
from dataclasses import dataclass
from datetime import date, datetime

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import Forbidden
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.repositories.security_log import record_action
from registry.adapters.unit_of_work import UnitOfWorkFactory
from registry.service_layer.context import RegistryContext
from registry.service_layer.erasure import erase_past_retention, prune_logs
from registry.service_layer.expiry import expire_lapsed_registrations
from registry.service_layer.office import office_member
from registry.service_layer.portfolio_notices import send_entry_digests
from registry.service_layer.reminders import send_cycle_reminders

log = logging.getLogger(__name__)


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
            jobs = (self._unit_of_work, self._ctx, now)
            size = self._batch_size
            expired = await expire_lapsed_registrations(*jobs, batch_size=size)
            sent, skipped = await send_cycle_reminders(*jobs, batch_size=size)
            digests = await send_entry_digests(*jobs, batch_size=size)
            erased = await erase_past_retention(*jobs, batch_size=size)
            pruned = await prune_logs(*jobs, batch_size=size)
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


async def authorize_run(uow: UnitOfWork, ctx: RegistryContext, command: contracts.RunScheduledJobs) -> None:
    """The office may run the jobs now; without an acting account only the system may (tests, demo time
    travel), which is a demo command: production runs the jobs on its own timer."""
    if command.actor_account_id is None:
        if not ctx.policy.allow_demo_commands:
            raise Forbidden(
                "demo_commands_disabled", "Running the scheduled jobs without an office account is a demo command."
            )
        return
    actor, now = await office_member(
        uow,
        ctx,
        command.actor_account_id,
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
