"""The demo data's extras for the web pages: a teaching claim awaiting the committee and a disputed attendance entry,
made once the service knows registered people, and only once."""

from __future__ import annotations

import pytest

from lklr_shared.contracts import accreditation as contracts

from .conftest import Service

pytestmark = [pytest.mark.integration]


async def test_demo_data_adds_a_teaching_claim_and_a_disputed_entry_once(service: Service) -> None:
    lowest, highest = sorted(await service.register_people(2))
    first = await service.call(contracts.LoadDemoData())
    second = await service.call(contracts.LoadDemoData())
    assert first.created and not second.created

    queue = await service.call(contracts.ListTeachingClaimsForReview())
    demo_claims = [claim for claim in queue.claims if claim.claimed_by == "demo-data"]
    assert [claim.registration_number for claim in demo_claims] == [lowest]
    assert demo_claims[0].status == "submitted"

    listing = await service.call(
        contracts.ListAttendance(provider_id=first.provider_id, edition_id=first.approved_edition_id)
    )
    (entry,) = listing.entries
    assert entry.registration_number == highest
    assert entry.disputed_at is not None and entry.dispute_reason
    assert entry.voided_at is None

    (disputed,) = (await service.call(contracts.ListDisputedAttendance(provider_id=first.provider_id))).disputes
    assert (disputed.edition_id, disputed.course_id) == (first.approved_edition_id, first.approved_course_id)
    assert disputed.course_title == listing.course_title
    assert disputed.entry == entry
    other = await service.provider()
    assert (await service.call(contracts.ListDisputedAttendance(provider_id=other.provider_id))).disputes == []
