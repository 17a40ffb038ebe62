"""The read model of registrations, fed by registry events over the real broker, decides who can be posted."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.publisher import Publisher
from lklr_shared.registration_numbers import registration_number_for

from .conftest import Service, today

pytestmark = [pytest.mark.integration]


async def _publish(service: Service, *events: Message) -> None:
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    for event in events:
        await publisher.publish(event.routing_key(), wrap(event))


def _granted(person_id: uuid.UUID, number: str, since: date) -> registry_contracts.RegistrationGranted:
    return registry_contracts.RegistrationGranted(
        person_id=person_id,
        registration_number=number,
        initials="R.",
        surname="Broker",
        roles=["rmc_medewerker"],
        employer_id="regio-test",
        registered_since=since,
    )


async def test_registry_events_over_the_broker_decide_who_was_registered_on_the_completion_date(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id, ended_days_ago=10)
    completion = today() - timedelta(days=10)
    active, suspended, early_change = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    numbers = {pid: registration_number_for(900_000 + i) for i, pid in enumerate((active, suspended, early_change))}
    await _publish(
        service,
        _granted(active, numbers[active], date(2021, 1, 1)),
        _granted(suspended, numbers[suspended], date(2021, 1, 1)),
        registry_contracts.RegistrationStatusChanged(
            person_id=suspended,
            registration_number=numbers[suspended],
            old_status="registered",
            new_status="suspended",
            effective_on=completion - timedelta(days=30),
            reason="Maatregel.",
        ),
        # A status change that arrives before the grant it follows is kept and applied when the grant arrives.
        registry_contracts.RegistrationStatusChanged(
            person_id=early_change,
            registration_number=numbers[early_change],
            old_status="registered",
            new_status="expired",
            effective_on=completion - timedelta(days=1),
        ),
        _granted(early_change, numbers[early_change], date(2021, 1, 1)),
    )

    async def all_applied() -> bool:
        # The consumer applies messages concurrently: wait for all five events, not just the three grants.
        history = await service.scalar(
            "SELECT count(*) FROM registration_history WHERE person_id IN (:a, :b, :c)",
            a=active,
            b=suspended,
            c=early_change,
        )
        people = await service.scalar(
            "SELECT count(*) FROM registered_people WHERE person_id IN (:a, :b, :c)",
            a=active,
            b=suspended,
            c=early_change,
        )
        return (int(history), int(people)) == (5, 3)

    await eventually(all_applied, message="five registry events applied to the read model")
    assert (
        await service.scalar("SELECT status FROM registered_people WHERE person_id = :p", p=early_change) == "expired"
    )
    result = await service.post(
        provider.provider_id, edition, [(numbers[pid], None) for pid in (active, suspended, early_change)]
    )
    assert [(r.outcome, r.reason_code) for r in result.rows] == [
        ("recorded", None),
        ("rejected", "not_registered_on_date"),
        ("rejected", "not_registered_on_date"),
    ]


async def test_a_redelivered_grant_is_applied_once(service: Service, eventually) -> None:  # type: ignore[no-untyped-def]
    person_id = uuid.uuid4()
    event = _granted(person_id, registration_number_for(950_001), date(2022, 1, 1))
    envelope = wrap(event)
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    for _ in range(2):
        await publisher.publish(event.routing_key(), envelope)

    async def settled() -> bool:
        return service.runtime.consumer is not None and service.runtime.consumer.stats["duplicate"] >= 1

    await eventually(settled, message="the duplicate delivery skipped")
    assert await service.scalar("SELECT count(*) FROM registration_history WHERE person_id = :p", p=person_id) == 1
    assert isinstance(await service.call(contracts.SearchCatalogue()), contracts.Catalogue)


def _person_updated(person_id: uuid.UUID, initials: str, surname: str) -> registry_contracts.PersonUpdated:
    return registry_contracts.PersonUpdated(
        person_id=person_id,
        initials=initials,
        surname=surname,
        roles=["rmc_medewerker"],
        employer_id="regio-test",
        employer_name="Regio Test",
        employer_kind="region",
        hours_per_week=24.0,
    )


async def test_a_name_change_reaches_the_read_model_whatever_order_the_events_arrive_in(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    granted_at = datetime(2030, 1, 1, 9, tzinfo=UTC)
    renamed, early, twice = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    numbers = {pid: registration_number_for(960_000 + i) for i, pid in enumerate((renamed, early, twice))}
    publications = [
        # The usual order: granted, then renamed.
        (_granted(renamed, numbers[renamed], date(2021, 1, 1)), granted_at),
        (_person_updated(renamed, "R.S.", "Jansen-Broker"), granted_at + timedelta(days=3)),
        # The change overtakes the grant it follows: the grant must not bring the old name back.
        (_person_updated(early, "E.", "Vroeg-Gewijzigd"), granted_at + timedelta(days=3)),
        (_granted(early, numbers[early], date(2021, 1, 1)), granted_at),
        # Two changes out of order: the newer one wins.
        (_granted(twice, numbers[twice], date(2021, 1, 1)), granted_at),
        (_person_updated(twice, "T.", "Nieuwste"), granted_at + timedelta(days=5)),
        (_person_updated(twice, "T.", "Ouder"), granted_at + timedelta(days=4)),
    ]
    consumer = service.runtime.consumer
    assert consumer is not None
    applied_before = consumer.stats["applied"]
    for event, occurred_at in publications:
        await publisher.publish(event.routing_key(), wrap(event, occurred_at=occurred_at))

    async def applied() -> bool:
        # Every message of this test applied (the counter is the module's; count from before publishing).
        return consumer.stats["applied"] - applied_before >= len(publications)

    await eventually(applied, message="grants and name changes applied")

    async def surname(person_id: uuid.UUID) -> str:
        return str(await service.scalar("SELECT surname FROM registered_people WHERE person_id = :p", p=person_id))

    assert await surname(renamed) == "Jansen-Broker"
    assert await service.scalar("SELECT initials FROM registered_people WHERE person_id = :p", p=renamed) == "R.S."
    assert await surname(early) == "Vroeg-Gewijzigd"
    assert await surname(twice) == "Nieuwste"
    # The name is the read model's only change: the status history is untouched by PersonUpdated.
    assert await service.scalar("SELECT count(*) FROM registration_history WHERE person_id = :p", p=twice) == 1
