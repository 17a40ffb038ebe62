"""Registry events applied in batches (a run of grants in one statement per step) write exactly what one message
per transaction wrote: the same people, the same status history, the same names, the same inbox.

One script goes, envelope for envelope, to an accreditation process with `event_batch_size=0` (the plain consumer)
and to one batching; each part is published while the consumer is stopped, so the batching one takes it in few
batches, with runs of many grants.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from accreditation.adapters.orm import person_names, registered_people, registration_history
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.kit.db import inbox_table, make_engine
from lklr_shared.kit.publisher import Publisher
from lklr_shared.registration_numbers import registration_number_for
from tests.support.waiting import wait_for

from .conftest import Service, running_service

pytestmark = [pytest.mark.integration]


def _granted(person_id: uuid.UUID, number: str, since: date, surname: str = "Broker") -> Envelope:
    return wrap(
        registry_events.RegistrationGranted(
            person_id=person_id,
            registration_number=number,
            initials="R.",
            surname=surname,
            roles=["rmc_medewerker"],
            employer_id="regio-test",
            registered_since=since,
        )
    )


def _status(person_id: uuid.UUID, number: str, status: str, effective_on: date) -> Envelope:
    return wrap(
        registry_events.RegistrationStatusChanged(
            person_id=person_id,
            registration_number=number,
            old_status="registered",
            new_status=status,
            effective_on=effective_on,
            reason="Maatregel.",
        )
    )


def _renamed(person_id: uuid.UUID, surname: str, envelope_time: Any) -> Envelope:
    return wrap(
        registry_events.PersonUpdated(
            person_id=person_id,
            initials="N.",
            surname=surname,
            roles=["rmc_medewerker"],
            employer_id="regio-test",
            employer_name="Regio Test",
            employer_kind="region",
            hours_per_week=36.0,
        ),
        occurred_at=envelope_time,
    )


def _script() -> list[list[Envelope]]:
    """Plain grants; a status change behind its grant and one ahead of it; name changes ahead of their grant, one
    newer than the grant (it wins) and one older (the grant's name wins); then a grant again of a person known
    before (re-entry), and a person granted twice. The parts keep apart what the plain consumer, which applies its
    deliveries concurrently, would otherwise apply in either order; the batching consumer, which keeps the order
    of one person's events, gets the last two parts as one (two grants of a person in one run)."""
    since = date(2021, 1, 1)
    people = [uuid.uuid4() for _ in range(7)]
    numbers = [registration_number_for(960_000 + index) for index in range(7)]
    first: list[Envelope] = []
    grants = [_granted(person, number, since) for person, number in zip(people, numbers, strict=True)]
    # Ahead of the grants: an early status change and two name changes (one newer than its grant, one older).
    first.append(_status(people[2], numbers[2], "suspended", since + timedelta(days=100)))
    first.append(_renamed(people[3], "Nieuwer", grants[3].occurred_at + timedelta(days=1)))
    first.append(_renamed(people[4], "Ouder", grants[4].occurred_at - timedelta(days=1)))
    first += grants[:6]
    first.append(_status(people[1], numbers[1], "struck_off", since + timedelta(days=200)))
    second = [
        _granted(people[0], numbers[0], since + timedelta(days=700), surname="Terug"),
        _granted(people[6], numbers[6], since + timedelta(days=10), surname="Eerste"),
    ]
    third = [_granted(people[6], numbers[6], since + timedelta(days=20), surname="Tweede")]
    return [first, second, third]


async def _state(service: Service) -> dict[str, Any]:
    engine = make_engine(service.database_url)
    state: dict[str, Any] = {}
    try:
        async with engine.connect() as connection:
            for table, leave_out in (
                (registered_people, ()),
                (registration_history, ("entry_id",)),
                (person_names, ()),
            ):
                rows = (await connection.execute(sa.select(table))).mappings().all()
                state[table.name] = sorted(
                    repr(sorted((key, value) for key, value in row.items() if key not in leave_out)) for row in rows
                )
            inbox = (await connection.execute(sa.select(inbox_table.c.consumer, inbox_table.c.message_id))).all()
            state["inbox"] = sorted((consumer, str(message_id)) for consumer, message_id in inbox)
    finally:
        await engine.dispose()
    return state


async def _apply(service: Service, parts: list[list[Envelope]]) -> dict[str, Any]:
    consumer = service.runtime.consumer
    assert consumer is not None
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    sent = 0
    for part in parts:
        await consumer.stop()
        for envelope in part:
            await publisher.publish(envelope.type, envelope)
        await consumer.start()
        sent += len(part)

        async def settled(count: int = sent) -> bool:
            applied = await service.scalar("SELECT count(*) FROM kit_inbox WHERE consumer = 'accreditation'")
            return bool(applied == count)

        await wait_for(settled, timeout=60, message="every event to be applied")
    return await _state(service)


async def test_batched_grants_write_what_one_message_per_transaction_wrote(
    amqp_url: str, databases: Any, broker_names: Any
) -> None:
    script = _script()
    states = {}
    for batch_size, parts in ((0, script), (200, [script[0], script[1] + script[2]])):
        async with running_service(amqp_url, databases, broker_names, event_batch_size=batch_size) as service:
            assert type(service.runtime.consumer).__name__ == ("BatchEventConsumer" if batch_size else "EventConsumer")
            states[batch_size] = await _apply(service, parts)

    per_message, batched = states[0], states[200]
    assert len(per_message["registered_people"]) == 7 and len(per_message["person_names"]) == 2
    assert any("Nieuwer" in row for row in per_message["registered_people"])
    for part in per_message:
        assert batched[part] == per_message[part], (part, set(batched[part]) ^ set(per_message[part]))
