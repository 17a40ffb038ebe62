"""Provider-placed entries take their time from the service's clock, like every other use case: after the demo's
time travel (a clock far ahead of the real date) a new placement is new and can still be checked for 30 days."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.kit.clock import ManualClock
from tests.support.waiting import wait_for

from .conftest import Harness, running_portfolio

pytestmark = [pytest.mark.integration]

TRAVEL = timedelta(days=200)


@pytest_asyncio.fixture
async def travelled(databases: Any, broker_names: Any, amqp_url: str, tmp_path: Any) -> AsyncIterator[Harness]:
    clock = ManualClock(datetime.now(UTC) + TRAVEL)
    async with running_portfolio(databases, broker_names, amqp_url, tmp_path / "blobs", clock=clock) as harness:
        yield harness


async def test_a_placement_after_time_travel_is_placed_on_the_moved_day_and_can_be_checked(travelled: Harness) -> None:
    person = await travelled.register()
    await travelled.publish(travelled.attendance([person], completion_date=travelled.today - timedelta(days=3)))

    async def placed() -> list[contracts.PortfolioActivity]:
        return (await travelled.portfolio(person, include_svg=False)).activities

    [entry] = await wait_for(placed, message="the placement")
    assert travelled.clock is not None
    assert entry.recorded_at == travelled.clock()
    assert (entry.awaiting_check, entry.check_deadline) == (True, entry.recorded_at.date() + timedelta(days=30))
    confirmed = await travelled.call(
        contracts.ConfirmActivity(person_id=person.person_id, actor=person.actor, activity_id=entry.activity_id)
    )
    assert confirmed.activity.state == "confirmed"
