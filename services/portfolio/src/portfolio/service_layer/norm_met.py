"""Announcing that a cycle's norm is met (PortfolioNormMet): once per cycle, through the outbox, in the same
transaction as the change that made the norm met.

Every change that can raise a cycle's counting points calls :func:`announce_met_norms` before it commits: a
self-entered entry recorded or edited, provider-placed attendance, approved teaching, and a cycle (re)announced by
the registry (an extension, or a cycle announced after its entries), and a registration that arrives after its
cycle and entries (events of one person may arrive out of order). Changes that only lower points (voids,
disputes, rejections) cannot make a norm met. The registry issues the norm-met credential from the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.portfolio import PortfolioNormMet
from lklr_shared.kit.batch_consumer import BatchUnitOfWork
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import norm_met as norm_met_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.domain.activities import COUNTING_STATES
from portfolio.domain.norm import assess_norm
from portfolio.service_layer import registrations
from portfolio.service_layer.common import PortfolioContext, to_domain
from portfolio.service_layer.progress import domain_cycle


async def announce_met_norms(
    context: PortfolioContext,
    uow: UnitOfWork,
    person_ids: Iterable[uuid.UUID],
    *,
    causes: Mapping[uuid.UUID, Envelope] | None = None,
) -> int:
    """Emit PortfolioNormMet for each begun cycle of these people whose norm is met now and was not announced
    before; returns how many were announced. Runs in the caller's transaction (the caller commits).

    ``causes``: a batch of events in one transaction names, per person, the event whose announcement this is (the
    unit of work is then the batch consumer's); without it, the unit of work's own cause."""
    today, now = context.today(), context.clock()
    person_ids = list(person_ids)
    # Two transactions that each add part of a person's work (a provider's placement and a self-entered activity)
    # would each miss the other's uncommitted rows and neither would see the norm met. Locking the person first
    # makes the second wait for the first to commit; its queries below then see both (read committed).
    await people_repo.lock_people(uow.session, person_ids)
    # No scheme version asks fewer points than its smallest total: below it, a cycle cannot be met.
    least_total = min(version.norm.min_total_points for version in context.book.versions)
    candidates = await norm_met_repo.cycles_that_may_meet_norm(
        uow.session,
        person_ids,
        started_by=today,
        states=[state.value for state in COUNTING_STATES],
        at_least=least_total,
    )
    announced = 0
    # In the order asked (the events' order in a batch), not the query's.
    for person_id in dict.fromkeys(person_ids):
        cycle_ids = candidates.get(person_id)
        if cycle_ids is None:
            continue
        person = await people_repo.get_person(uow.session, person_id)
        if person is None:  # cycles arrive with the registration; a person without one has no norm to meet
            continue
        for cycle in await people_repo.list_cycles(uow.session, person_id):
            if cycle.cycle_id not in cycle_ids:
                continue
            records = await activity_repo.list_activities(
                uow.session, person_id, completed_from=cycle.starts_on, completed_to=cycle.ends_on
            )
            outcome = assess_norm(
                domain_cycle(person, cycle),
                context.book.get(cycle.scheme_version),
                [to_domain(record) for record in records],
                today=today,
            )
            if outcome.met and await norm_met_repo.claim_norm_met(uow.session, cycle.cycle_id, person_id, today, now):
                met = PortfolioNormMet(person_id=person_id, cycle_id=cycle.cycle_id, met_on=today)
                if causes is None:
                    uow.emit(met)
                else:
                    assert isinstance(uow, BatchUnitOfWork), "causes per person come with a batch's unit of work"
                    uow.emit_caused_by(met, causes[person_id])
                announced += 1
    return announced


async def record_cycle(
    context: PortfolioContext, uow: UnitOfWork, event: registry_events.CycleOpened, envelope: Envelope
) -> None:
    """CycleOpened: remember the cycle, then announce its norm if the entries already there meet it (entries placed
    before the cycle was announced, or work that an extension brings inside it)."""
    await registrations.record_cycle(uow, event, envelope)
    await announce_met_norms(context, uow, [event.person_id])


async def record_registration(
    context: PortfolioContext, uow: UnitOfWork, event: registry_events.RegistrationGranted, envelope: Envelope
) -> None:
    """RegistrationGranted: remember the registration, then announce a norm its cycle and entries already meet (a
    cycle and entries that arrived before the registration: their own checks found no person to judge)."""
    await registrations.record_registration(uow, event, envelope)
    await announce_met_norms(context, uow, [event.person_id])
