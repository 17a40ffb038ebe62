"""PortfolioNormMet on the real broker: announced in the transaction that makes a cycle's norm met, once per cycle."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import utcnow
from tests.support.waiting import wait_for

from .conftest import Harness, Person

pytestmark = [pytest.mark.integration]


def _norm_met(service: Harness, person: Person) -> list[contracts.PortfolioNormMet]:
    return [
        event
        for event in service.published_of(contracts.PortfolioNormMet)
        if isinstance(event, contracts.PortfolioNormMet) and event.person_id == person.person_id
    ]


def _placed_batch(service: Harness, batch_id: uuid.UUID) -> bool:
    return any(
        isinstance(event, contracts.ActivitiesPlaced) and event.batch_id == batch_id
        for event in service.published_of(contracts.ActivitiesPlaced)
    )


async def test_the_norm_met_is_announced_once_when_a_cycle_reaches_it(service: Harness) -> None:
    reaching, short = await service.register(), await service.register()
    first = service.attendance([reaching, short], points="120")
    await service.publish(first)
    await wait_for(lambda: _placed_batch(service, first.batch_id), message="the first batch to be placed")
    # 120 accredited A1 points meet neither the total nor the A2 minimum: nothing announced.
    assert _norm_met(service, reaching) == [] and _norm_met(service, short) == []

    # 40 accredited A2 points (approved teaching) complete the norm: 160 in total, 160 accredited, 40 A2.
    await service.publish(
        accreditation_events.TeachingApproved(
            claim_id=uuid.uuid4(),
            person_id=reaching.person_id,
            hours=Decimal(40),
            points=Decimal(40),
            completion_date=utcnow().date() - timedelta(days=2),
            description="Training verzuimaanpak gegeven",
        )
    )
    announced = await wait_for(lambda: _norm_met(service, reaching), message="PortfolioNormMet")
    portfolio = await service.portfolio(reaching)
    assert portfolio.cycle is not None
    assert [(event.cycle_id, event.met_on) for event in announced] == [(portfolio.cycle.cycle_id, service.today)]

    # More points in the same cycle meet the norm again, but it is not announced twice.
    more = service.attendance([reaching, short], points="10")
    await service.publish(more)
    await wait_for(lambda: _placed_batch(service, more.batch_id), message="the second batch to be placed")
    assert len(_norm_met(service, reaching)) == 1
    assert _norm_met(service, short) == []


async def test_the_norm_met_is_announced_when_the_registration_arrives_after_its_cycle_and_entries(
    service: Harness,
) -> None:
    # Events of one person may arrive out of order: here the cycle and the entries that meet its norm come first,
    # when the portfolio knows no registration to judge them against, and the registration last.
    since = service.today - timedelta(days=400)
    person = Person(uuid.uuid4(), f"8{uuid.uuid4().int % 10**6:06d}", since)
    cycle_id = uuid.uuid4()
    await service.publish(
        registry_events.CycleOpened(
            person_id=person.person_id,
            registration_number=person.registration_number,
            cycle_id=cycle_id,
            sequence=1,
            starts_on=since,
            ends_on=since.replace(year=since.year + 5) - timedelta(days=1),
            scheme_version="2018.1",
        )
    )
    entries = [service.attendance([person], points="120"), service.attendance([person], points="40", category="A2")]
    for entry in entries:
        await service.publish(entry)
    for entry in entries:
        await wait_for(lambda entry=entry: _placed_batch(service, entry.batch_id), message="the entries to be placed")
    assert _norm_met(service, person) == []

    await service.publish(
        registry_events.RegistrationGranted(
            person_id=person.person_id,
            registration_number=person.registration_number,
            initials="T.",
            surname="Laat",
            roles=["leerplichtambtenaar"],
            employer_id="gemeente-test",
            registered_since=since,
        )
    )
    announced = await wait_for(lambda: _norm_met(service, person), message="PortfolioNormMet after the registration")
    assert [(event.cycle_id, event.met_on) for event in announced] == [(cycle_id, service.today)]
