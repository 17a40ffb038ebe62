"""A professional's dispute, published by the portfolio, reaches the provider's view of its attendance."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts.envelope import utcnow, wrap
from lklr_shared.kit.publisher import Publisher

from .conftest import Service

pytestmark = pytest.mark.integration


async def test_a_disputed_attendance_shows_the_dispute_to_its_provider(service: Service, eventually) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    _course, edition_id = await service.approved_course(provider.provider_id)
    (number,) = await service.register_people(1)
    posted = await service.post(provider.provider_id, edition_id, [(number, None)])
    attendance_id = posted.rows[0].attendance_id
    assert attendance_id is not None

    disputed = portfolio_events.ActivityDisputed(
        activity_id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        attendance_id=attendance_id,
        provider_id=provider.provider_id,
        reason="Ik was ziek die dag.",
        disputed_at=utcnow(),
    )
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    envelope = wrap(disputed)
    await publisher.publish(disputed.routing_key(), envelope)
    await publisher.publish(disputed.routing_key(), envelope)  # delivered twice: recorded once

    async def dispute_visible() -> bool:
        listing = await service.call(contracts.ListAttendance(provider_id=provider.provider_id, edition_id=edition_id))
        return listing.entries[0].dispute_reason == "Ik was ziek die dag."

    await eventually(dispute_visible, message="dispute visible to the provider")
    assert (
        await service.scalar("SELECT count(*) FROM attendance_disputes WHERE attendance_id = :a", a=attendance_id) == 1
    )
