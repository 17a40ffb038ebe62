"""Checking provider-placed entries: new since the last visit, confirm, dispute (published to provider and office)."""

from __future__ import annotations

import pytest

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import RpcError
from tests.support.waiting import wait_for

from .conftest import Harness, Person

pytestmark = [pytest.mark.integration]


async def _placed(service: Harness, person: Person, count: int) -> list[contracts.PortfolioActivity]:
    async def arrived() -> list[contracts.PortfolioActivity] | None:
        activities = (await service.portfolio(person)).activities
        return activities if len(activities) == count else None

    return await wait_for(arrived, message=f"{count} placed entries")  # type: ignore[no-any-return]


async def test_placed_entries_are_new_until_the_page_that_showed_them_is_marked_seen(service: Harness) -> None:
    person = await service.register()
    await service.publish(service.attendance([person]))
    [entry] = await _placed(service, person, 1)
    assert (entry.is_new, entry.awaiting_check) == (True, True)
    page = await service.portfolio(person)
    assert (page.new_count, page.awaiting_check_count) == (1, 1)

    seen = await service.call(
        contracts.MarkPortfolioSeen(person_id=person.person_id, actor=person.actor, seen_up_to=page.generated_at)
    )
    assert seen.last_seen_at == page.generated_at
    await service.publish(service.attendance([person], title="Motiverende gespreksvoering"))
    activities = await _placed(service, person, 2)
    assert {a.title: a.is_new for a in activities} == {
        "Gespreksvoering met jongeren": False,
        "Motiverende gespreksvoering": True,
    }
    assert all(a.awaiting_check for a in activities)


async def test_confirming_a_placed_entry_is_recorded_once(service: Harness) -> None:
    person = await service.register()
    await service.publish(service.attendance([person]))
    [entry] = await _placed(service, person, 1)
    command = contracts.ConfirmActivity(person_id=person.person_id, actor=person.actor, activity_id=entry.activity_id)

    first = await service.call(command)
    again = await service.call(command)

    assert (first.activity.state, first.activity.version, first.activity.awaiting_check) == ("confirmed", 2, False)
    assert again.activity.version == 2
    with pytest.raises(RpcError) as caught:
        await service.call(
            contracts.DisputeActivity(
                person_id=person.person_id, actor=person.actor, activity_id=entry.activity_id, reason=" "
            )
        )
    assert (caught.value.status, caught.value.code) == (422, "reason_required")


async def test_a_dispute_stops_the_entry_counting_and_publishes_activity_disputed(service: Harness) -> None:
    person = await service.register()
    batch = service.attendance([person], points="16")
    await service.publish(batch)
    [entry] = await _placed(service, person, 1)

    saved = await service.call(
        contracts.DisputeActivity(
            person_id=person.person_id,
            actor=person.actor,
            activity_id=entry.activity_id,
            reason="Ik heb deze cursus niet gevolgd",
        )
    )

    assert (saved.activity.state, saved.activity.counts, saved.activity.exclusion) == ("disputed", False, "disputed")
    progress = (await service.portfolio(person)).progress
    assert progress is not None and progress.disputed_points == 16 and progress.constraints[0].earned == 0

    def published() -> list[contracts.ActivityDisputed]:
        return [
            event
            for event in service.published_of(contracts.ActivityDisputed)
            if isinstance(event, contracts.ActivityDisputed) and event.activity_id == entry.activity_id
        ]

    [event] = await wait_for(published, message="ActivityDisputed on the events exchange")
    assert (event.person_id, event.provider_id, event.attendance_id, event.reason) == (
        person.person_id,
        batch.provider_id,
        batch.rows[0].attendance_id,
        "Ik heb deze cursus niet gevolgd",
    )
    history = await service.call(
        contracts.GetActivityHistory(person_id=person.person_id, actor=person.actor, activity_id=entry.activity_id)
    )
    assert [(v.change, v.actor_kind, v.origin, v.reason) for v in history.versions][-1] == (
        "disputed",
        "person",
        "203.0.113.7",
        "Ik heb deze cursus niet gevolgd",
    )
    with pytest.raises(RpcError) as caught:
        await service.call(
            contracts.ConfirmActivity(person_id=person.person_id, actor=person.actor, activity_id=entry.activity_id)
        )
    assert (caught.value.status, caught.value.code) == (409, "already_disputed")


async def test_nobody_but_the_owner_checks_or_reads_an_entry(service: Harness) -> None:
    owner, other = await service.register(), await service.register()
    await service.publish(service.attendance([owner]))
    [entry] = await _placed(service, owner, 1)

    with pytest.raises(RpcError) as forbidden:
        await service.call(
            contracts.ConfirmActivity(person_id=owner.person_id, actor=other.actor, activity_id=entry.activity_id)
        )
    with pytest.raises(RpcError) as not_found:
        await service.call(
            contracts.ConfirmActivity(person_id=other.person_id, actor=other.actor, activity_id=entry.activity_id)
        )

    assert (forbidden.value.status, forbidden.value.code) == (403, "not_owner")
    assert (not_found.value.status, not_found.value.code) == (404, "activity_not_found")
