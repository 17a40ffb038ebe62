"""Registry events of one person that arrive out of order end in the right state: the registration copy and the
cycles keep the newest fact, whatever order the events are delivered in (a redelivery, a retry, several consumers)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import wrap
from portfolio.adapters.orm import cycles, early_status_changes, registered_people
from tests.support.waiting import wait_for

from .conftest import Harness

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _granted(person_id: uuid.UUID, number: str) -> registry_events.RegistrationGranted:
    return registry_events.RegistrationGranted(
        person_id=person_id,
        registration_number=number,
        initials="O.",
        surname="Volgorde",
        roles=["leerplichtambtenaar"],
        employer_id="gemeente-test",
        registered_since=date(2025, 1, 1),
    )


def _status(person_id: uuid.UUID, number: str, old: str, new: str) -> registry_events.RegistrationStatusChanged:
    return registry_events.RegistrationStatusChanged(
        person_id=person_id, registration_number=number, old_status=old, new_status=new, effective_on=date(2026, 12, 1)
    )


async def _status_of(harness: Harness, person_id: uuid.UUID) -> str | None:
    async with harness.engine.connect() as connection:
        found = await connection.execute(
            sa.select(registered_people.c.status).where(registered_people.c.person_id == person_id)
        )
        return found.scalar_one_or_none()


async def test_order_finding_a_status_change_before_its_registration_still_ends_in_that_status(
    service: Harness,
) -> None:
    person_id, number = uuid.uuid4(), f"8{uuid.uuid4().int % 10**6:06d}"
    # Suspended a minute after being registered, but the suspension is delivered first.
    await service.publish(
        wrap(_status(person_id, number, "registered", "suspended"), occurred_at=T0 + timedelta(minutes=1))
    )

    async def waiting() -> bool:
        async with service.engine.connect() as connection:
            return bool(
                (
                    await connection.execute(
                        sa.select(sa.func.count())
                        .select_from(early_status_changes)
                        .where(early_status_changes.c.person_id == person_id)
                    )
                ).scalar_one()
            )

    await wait_for(waiting, message="the early status change to be kept")
    await service.publish(wrap(_granted(person_id, number), occurred_at=T0))

    async def suspended() -> bool:
        return await _status_of(service, person_id) == "suspended"

    await wait_for(suspended, message="the suspension to hold after the late registration")
    assert not await waiting()  # applied, and no longer waiting

    # A registration delivered again later (older than the suspension) does not undo it either.
    await service.publish(wrap(_granted(person_id, number), occurred_at=T0))
    await service.publish(
        wrap(_status(person_id, number, "suspended", "registered"), occurred_at=T0 + timedelta(minutes=2))
    )

    async def reinstated() -> bool:
        return await _status_of(service, person_id) == "registered"

    await wait_for(reinstated, message="the newest status")
    await service.publish(
        wrap(_status(person_id, number, "registered", "suspended"), occurred_at=T0 + timedelta(minutes=1))
    )
    await service.publish(wrap(_granted(person_id, number), occurred_at=T0 + timedelta(seconds=1)))
    marker = uuid.uuid4()
    await service.publish(wrap(_granted(marker, f"7{marker.int % 10**6:06d}"), occurred_at=T0))

    async def marker_arrived() -> bool:
        return await _status_of(service, marker) is not None

    await wait_for(marker_arrived, message="a later event, so the stale ones were handled before")
    assert await _status_of(service, person_id) == "registered"


async def test_order_finding_an_extended_cycle_is_not_shortened_by_its_original_announcement_arriving_late(
    service: Harness,
) -> None:
    person_id, number, cycle_id = uuid.uuid4(), f"6{uuid.uuid4().int % 10**6:06d}", uuid.uuid4()

    def opened(ends_on: date) -> registry_events.CycleOpened:
        return registry_events.CycleOpened(
            person_id=person_id,
            registration_number=number,
            cycle_id=cycle_id,
            sequence=1,
            starts_on=date(2025, 1, 1),
            ends_on=ends_on,
            scheme_version="2018.1",
        )

    extended, original = date(2030, 4, 30), date(2029, 12, 31)
    await service.publish(wrap(opened(extended), occurred_at=T0 + timedelta(days=30)))
    await service.publish(wrap(opened(original), occurred_at=T0))

    async def ends_on() -> date | None:
        async with service.engine.connect() as connection:
            found = await connection.execute(sa.select(cycles.c.ends_on).where(cycles.c.cycle_id == cycle_id))
            return found.scalar_one_or_none()

    async def extended_known() -> bool:
        return await ends_on() == extended

    await wait_for(extended_known, message="the extended cycle")
    marker = uuid.uuid4()
    await service.publish(wrap(_granted(marker, f"5{marker.int % 10**6:06d}"), occurred_at=T0))

    async def marker_arrived() -> bool:
        return await _status_of(service, marker) is not None

    await wait_for(marker_arrived, message="a later event, so both announcements were handled")
    assert await ends_on() == extended
