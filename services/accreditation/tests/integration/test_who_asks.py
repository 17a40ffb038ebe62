"""Accreditation checks who asks: a signed-in account acts only for the provider it is linked to, an API key only
for its own provider, and only the committee decides (the kit enforces the declared access; the link is this
service's own rule)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accreditation.adapters.orm import idempotency_keys
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import ActorClaims, ActorSigner, Credentials, account_claims, dev_private_key
from lklr_shared.kit.rpc import RpcClient

from .conftest import Service

pytestmark = pytest.mark.integration


def _as(service: Service, claims: ActorClaims) -> RpcClient:
    credentials = Credentials(ActorSigner(dev_private_key()), lambda _request: claims)
    return RpcClient(service.broker, service.topology, timeout=30, credentials=credentials)


async def _status(client: RpcClient, request: Any) -> tuple[int, str]:
    try:
        await client.call("accreditation", request)
    except RpcError as exc:
        return exc.status, exc.code
    return 200, ""


async def test_services_finding_a_contact_acts_only_for_the_provider_it_is_linked_to(service: Service) -> None:
    mine, theirs = await service.provider(), await service.provider()
    contact = uuid.uuid4()
    await service.call(
        contracts.LinkProviderAccount(provider_id=mine.provider_id, account_id=str(contact), linked_by="office:test")
    )
    as_contact = _as(service, account_claims(contact, {"professional"}, second_factor=False))
    assert await _status(as_contact, contracts.ListProviderCourses(provider_id=mine.provider_id)) == (200, "")
    assert await _status(as_contact, contracts.ListProviderCourses(provider_id=theirs.provider_id)) == (
        403,
        "not_provider_contact",
    )
    stranger = _as(service, account_claims(uuid.uuid4(), {"professional"}, second_factor=False))
    assert await _status(stranger, contracts.ListApiKeys(provider_id=mine.provider_id)) == (403, "not_provider_contact")
    # The committee reads any provider's courses.
    member = _as(service, account_claims(uuid.uuid4(), {"accreditation_committee"}, second_factor=True))
    assert await _status(member, contracts.ListProviderCourses(provider_id=theirs.provider_id)) == (200, "")


async def test_services_finding_a_provider_contact_cannot_decide_a_course(service: Service) -> None:
    provider = await service.provider()
    contact = uuid.uuid4()
    course = await service.submitted_course(provider.provider_id)
    as_contact = _as(service, account_claims(contact, {"professional"}, second_factor=False))
    decision = contracts.RejectCourse(course_id=course.course_id, decided_by=f"account:{contact}", reason="nee")
    assert await _status(as_contact, decision) == (403, "forbidden")


async def test_a_post_abandoned_after_its_deadline_releases_its_idempotency_key(service: Service) -> None:
    """The kit drops a request that comes back after its client gave up; the key it held is released at once, so
    the provider's retry is answered instead of waiting for the lease (a key held by a live attempt stays)."""
    provider = await service.provider()
    abandoned, live = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    for key, token in (("abandoned", abandoned), ("live", live)):
        await service.execute(
            idempotency_keys.insert().values(
                provider_id=provider.provider_id,
                idempotency_key=key,
                fingerprint="f",
                state="in_flight",
                lease_token=token,
                locked_until=now + timedelta(minutes=2),
                created_at=now,
            )
        )
    assert service.runtime.abandoned_requests is not None
    await service.runtime.abandoned_requests(abandoned)
    held = await service.scalar(
        "SELECT string_agg(idempotency_key, ',') FROM idempotency_keys WHERE provider_id = :provider",
        provider=provider.provider_id,
    )
    assert held == "live"
