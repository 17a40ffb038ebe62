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

    # With the development receiver's address: a production and a sandbox endpoint there, with the published secret.
    receiver = "http://127.0.0.1:9/dev/webhooks"
    third = await service.call(contracts.LoadDemoData(webhook_url=receiver))
    assert (third.webhook_url, third.webhook_secret) == (receiver, contracts.DEMO_WEBHOOK_SECRET)
    endpoints = (await service.call(contracts.ListWebhookEndpoints(provider_id=first.provider_id))).endpoints
    assert sorted((e.sandbox, e.url, len(e.events)) for e in endpoints) == [
        (False, receiver, len(contracts.WEBHOOK_EVENT_TYPES)),
        (True, receiver, len(contracts.WEBHOOK_EVENT_TYPES)),
    ]


async def test_demo_switch_finding_load_demo_data_is_refused_unless_the_deployment_switches_it_on() -> None:
    """Off by default: the demo provider's API key is published, so in production it would be a provider anyone
    could post attendance for."""
    from accreditation.service_layer.context import AccreditationContext
    from accreditation.service_layer.demo import load_demo_data
    from accreditation.settings import AccreditationSettings
    from lklr_shared.errors import Forbidden
    from lklr_shared.scheme import default_scheme_path, load_scheme_book

    assert AccreditationSettings().allow_demo_commands is False

    def no_database() -> object:
        raise AssertionError("a refused demo command touches no data")

    context = AccreditationContext(
        unit_of_work=no_database,  # type: ignore[arg-type]
        scheme=load_scheme_book(default_scheme_path()),
    )
    with pytest.raises(Forbidden) as refused:
        await load_demo_data(context, contracts.LoadDemoData())
    assert refused.value.code == "demo_commands_disabled"
