"""Entries placed by accreditation events, on the real broker: batches, redelivery, voids and approved teaching."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.envelope import utcnow, wrap
from portfolio.adapters.orm import activities, activity_versions
from tests.support.waiting import wait_for

from .conftest import Harness, rows_of

pytestmark = [pytest.mark.integration]


async def test_redelivering_an_attendance_batch_changes_nothing(service: Harness) -> None:
    people = [await service.register() for _ in range(3)]
    batch = service.attendance(people, points="6.5")
    envelope = wrap(batch)
    attendance_ids = [row.attendance_id for row in batch.rows]
    applied_before = service.runtime.consumer.stats["applied"]  # type: ignore[union-attr]
    duplicates_before = service.runtime.consumer.stats["duplicate"]  # type: ignore[union-attr]

    await service.publish(envelope)
    await wait_for(
        lambda: service.count(rows_of(activities, attendance_id=attendance_ids)),
        message="the batch to be placed",
    )
    await wait_for(
        lambda: len(_placed_entries(service, people)) == 3,
        message="one ActivitiesPlaced listing the batch's entries",
    )

    # The same envelope again (a redelivery), and the same rows in a new message (the provider's batch re-sent).
    await service.publish(envelope)
    await service.publish(batch.model_copy(update={"batch_id": uuid.uuid4()}))
    await wait_for(
        lambda: (
            service.runtime.consumer.stats["duplicate"] == duplicates_before + 1  # type: ignore[union-attr]
            and service.runtime.consumer.stats["applied"] >= applied_before + 2
        ),  # type: ignore[union-attr]
        message="both repeats to be handled",
    )

    assert await service.count(rows_of(activities, attendance_id=attendance_ids)) == 3
    ids = [activity_id for activity_id in await _activity_ids(service, attendance_ids)]
    assert await service.count(rows_of(activity_versions, activity_id=ids)) == 3
    # One message for the batch, none for the repeats; no per-row ActivityRecorded for provider-placed entries.
    assert len(_placed_entries(service, people)) == 3
    placed = [e for e in service.published_of(contracts.ActivitiesPlaced) if isinstance(e, contracts.ActivitiesPlaced)]
    assert [e.batch_id for e in placed].count(batch.batch_id) == 1
    recorded = [
        e for e in service.published_of(contracts.ActivityRecorded) if isinstance(e, contracts.ActivityRecorded)
    ]
    assert not [e for e in recorded if e.person_id in {p.person_id for p in people}]
    portfolio = await service.portfolio(people[0])
    assert [(a.source, a.points, a.accredited, a.state, a.counts) for a in portfolio.activities] == [
        ("provider_placed", Decimal("6.5"), True, "placed", True)
    ]
    assert portfolio.progress is not None and portfolio.progress.constraints[1].earned == Decimal("6.5")


def _placed_entries(service: Harness, people: list[Any]) -> list[contracts.PlacedEntry]:
    """The entries of these people announced in ActivitiesPlaced events so far."""
    wanted = {person.person_id for person in people}
    return [
        entry
        for event in service.published_of(contracts.ActivitiesPlaced)
        if isinstance(event, contracts.ActivitiesPlaced)
        for entry in event.entries
        if entry.person_id in wanted
    ]


async def _activity_ids(service: Harness, attendance_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    import sqlalchemy as sa

    async with service.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(activities.c.activity_id).where(activities.c.attendance_id.in_(attendance_ids))
        )
        return [row[0] for row in rows]


async def test_a_voided_attendance_stays_as_a_voided_version_with_its_reason(service: Harness) -> None:
    person = await service.register()
    batch = service.attendance([person], points="8")
    await service.publish(batch)
    entry = (await wait_for(lambda: _only_activity(service, person), message="the placed entry")).activity_id
    row = batch.rows[0]

    await service.publish(
        accreditation_events.AttendanceVoided(
            attendance_id=row.attendance_id,
            provider_id=batch.provider_id,
            person_id=person.person_id,
            reason="Deelnemer was niet aanwezig",
            voided_at=utcnow(),
        )
    )

    async def voided() -> contracts.PortfolioActivity | None:
        activity = await _only_activity(service, person)
        return activity if activity is not None and activity.state == "voided" else None

    activity = await wait_for(voided, message="the void to be applied")
    assert (activity.state_reason, activity.counts, activity.exclusion) == (
        "Deelnemer was niet aanwezig",
        False,
        "voided",
    )
    history = await service.call(
        contracts.GetActivityHistory(person_id=person.person_id, actor=person.actor, activity_id=entry)
    )
    assert [(v.version, v.change, v.actor_kind, v.state) for v in history.versions] == [
        (1, "recorded", "provider", "placed"),
        (2, "voided", "provider", "voided"),
    ]
    assert history.versions[1].reason == "Deelnemer was niet aanwezig"


async def test_a_void_that_overtakes_its_attendance_is_applied_when_the_attendance_arrives(service: Harness) -> None:
    person = await service.register()
    batch = service.attendance([person])
    await service.publish(
        accreditation_events.AttendanceVoided(
            attendance_id=batch.rows[0].attendance_id,
            provider_id=batch.provider_id,
            person_id=person.person_id,
            reason="Dubbel geboekt",
            voided_at=utcnow(),
        )
    )
    await service.publish(batch)

    async def voided() -> bool:
        activity = await _only_activity(service, person)
        return activity is not None and activity.state == "voided"

    await wait_for(voided, message="the early void to be applied")


async def test_approved_teaching_is_an_accredited_a2_entry_counting_for_both_minimums(service: Harness) -> None:
    person = await service.register()
    approval = accreditation_events.TeachingApproved(
        claim_id=uuid.uuid4(),
        person_id=person.person_id,
        hours=Decimal(12),
        points=Decimal(12),
        completion_date=utcnow().date() - timedelta(days=10),
        description="Training verzuimaanpak gegeven",
    )
    await service.publish(approval)
    await service.publish(approval)  # a second message with the same claim: still one entry
    activity = await wait_for(lambda: _only_activity(service, person), message="the teaching entry")
    assert (activity.source, activity.category, activity.activity_type, activity.accredited, activity.state) == (
        "teaching",
        "A2",
        "giving_training",
        True,
        "confirmed",
    )
    portfolio = await service.portfolio(person)
    assert len(portfolio.activities) == 1
    earned = {c.constraint: c.earned for c in portfolio.progress.constraints}  # type: ignore[union-attr]
    assert earned == {"total": Decimal(12), "accredited": Decimal(12), "a2": Decimal(12)}


async def _only_activity(service: Harness, person) -> contracts.PortfolioActivity | None:  # type: ignore[no-untyped-def]
    portfolio = await service.portfolio(person)
    return portfolio.activities[0] if portfolio.activities else None
