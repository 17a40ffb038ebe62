"""Registry events applied a batch at a time: the rules of `registrations` (and `norm_met.record_cycle`), with one
statement per step for the whole batch instead of several per event.

The batch consumer hands each handler a run of events of one contract, in arrival order per person, inside the
batch's transaction. The handlers lock every person of the run at once (sorted, so two batches cannot deadlock),
read what the rules compare with in one query, apply the events to that state in memory in the order given (so two
events of one person in a run end as they would one after the other), and write the outcome in one statement. The
equivalence test (tests/integration/test_batched_events.py) checks they write what the per-event handlers write.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from lklr_shared.kit.batch_consumer import BatchItems, BatchUnitOfWork
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.people import StatusRecord
from portfolio.service_layer import norm_met, registrations
from portfolio.service_layer.common import PortfolioContext


def _newer(at: datetime, than: datetime | None) -> bool:
    return than is None or than < at


async def record_registrations(context: PortfolioContext, uow: BatchUnitOfWork, items: BatchItems) -> None:
    """RegistrationGranted for a run of events: `norm_met.record_registration` for each, in one go."""
    session = uow.session
    person_ids = [event.person_id for event, _ in items]
    await people_repo.people_at_a_time(session, person_ids)
    current = await people_repo.registration_statuses(session, person_ids)
    early = await people_repo.waiting_status_changes(session, person_ids)
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    forget: set[uuid.UUID] = set()
    for event, envelope in items:
        person_id = event.person_id
        row = registrations.registration_row(event, envelope, (current.get(person_id), early.get(person_id)))
        rows[person_id] = row
        # What the next event of this person in the run would read back.
        current[person_id] = StatusRecord(row["status"], row["status_changed_at"])
        if early.pop(person_id, None) is not None:
            forget.add(person_id)
    await people_repo.save_registrations(session, list(rows.values()))
    await people_repo.forget_early_status_changes(session, forget)
    # A registration arriving after its cycle and entries (their checks found no person then): one check for the
    # run, after the writes, as for a run of cycles.
    causes = {event.person_id: envelope for event, envelope in items}
    await norm_met.announce_met_norms(context, uow, person_ids, causes=causes)


async def record_cycles(context: PortfolioContext, uow: BatchUnitOfWork, items: BatchItems) -> None:
    """CycleOpened for a run of events: `norm_met.record_cycle` for each, in one go.

    Each event's norm check sees the person's cycles after that event. With one event per person in the run that
    is the state after the whole run (an event changes its own person's cycles only), so one check after the
    writes is the same; a run with two events of one person (an extension re-announced right behind its cycle)
    goes event by event, which is rare and exact.
    """
    person_ids = [event.person_id for event, _ in items]
    if len(set(person_ids)) < len(person_ids):
        for event, envelope in items:
            with uow.caused(envelope):
                await norm_met.record_cycle(context, uow, event, envelope)
        return
    session = uow.session
    await people_repo.people_at_a_time(session, person_ids)
    announced = await people_repo.cycles_announced_at(session, [event.cycle_id for event, _ in items])
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for event, envelope in items:
        if not _newer(envelope.occurred_at, announced.get(event.cycle_id)):
            continue  # an older announcement arriving after a newer one changes nothing
        rows[event.cycle_id] = registrations.cycle_row(event, envelope)
        announced[event.cycle_id] = envelope.occurred_at
    await people_repo.save_cycles(session, list(rows.values()))
    causes = {event.person_id: envelope for event, envelope in items}
    await norm_met.announce_met_norms(context, uow, person_ids, causes=causes)
