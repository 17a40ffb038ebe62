"""Claiming teaching and creating an API key with a request id: a retry or a concurrent duplicate makes one."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError

from .conftest import Service, today

pytestmark = [pytest.mark.integration]


async def _person(service: Service) -> tuple[uuid.UUID, str]:
    (number,) = await service.register_people(1)
    person_id = await service.scalar("SELECT person_id FROM registered_people WHERE registration_number = :n", n=number)
    return uuid.UUID(str(person_id)), number


def _claim(person_id: uuid.UUID, number: str, description: str = "Training gegeven.") -> contracts.ClaimTeaching:
    return contracts.ClaimTeaching(
        person_id=person_id,
        registration_number=number,
        hours=Decimal("3.5"),
        given_on=today() - timedelta(days=7),
        description=description,
        course_title="Verzuim signaleren",
        claimed_by=f"person:{person_id}",
    )


async def _send(service: Service, request: Any, request_id: str) -> Any:
    return await service.rpc.call("accreditation", request, request_id=request_id, timeout=60)


async def _claims(service: Service, person_id: uuid.UUID) -> int:
    return int(await service.scalar("SELECT count(*) FROM teaching_claims WHERE person_id = :p", p=person_id))


async def test_request_id_a_retried_teaching_claim_is_made_once(service: Service) -> None:
    person_id, number = await _person(service)
    request_id = str(uuid.uuid4())
    first = await _send(service, _claim(person_id, number), request_id)
    again = await _send(service, _claim(person_id, number), request_id)
    assert again == first
    assert await _claims(service, person_id) == 1


async def test_request_id_a_concurrent_duplicate_claim_is_made_once(service: Service) -> None:
    person_id, number = await _person(service)
    request_id = str(uuid.uuid4())
    one, other = await asyncio.gather(
        _send(service, _claim(person_id, number), request_id), _send(service, _claim(person_id, number), request_id)
    )
    assert one == other
    assert await _claims(service, person_id) == 1


async def test_request_id_a_new_id_makes_a_second_claim(service: Service) -> None:
    person_id, number = await _person(service)
    await _send(service, _claim(person_id, number), str(uuid.uuid4()))
    await _send(service, _claim(person_id, number), str(uuid.uuid4()))
    assert await _claims(service, person_id) == 2


async def test_request_id_reused_for_another_claim_is_refused(service: Service) -> None:
    person_id, number = await _person(service)
    request_id = str(uuid.uuid4())
    await _send(service, _claim(person_id, number), request_id)
    with pytest.raises(RpcError) as refused:
        await _send(service, _claim(person_id, number, "Een andere training."), request_id)
    assert (refused.value.status, refused.value.code) == (422, "request_id_reused")
    assert await _claims(service, person_id) == 1


async def test_request_id_a_retried_api_key_creation_makes_one_key_and_never_repeats_the_secret(
    service: Service,
) -> None:
    provider = await service.provider()
    create = contracts.CreateApiKey(provider_id=provider.provider_id, label="LMS", created_by="account:p")
    request_id = str(uuid.uuid4())
    created = await _send(service, create, request_id)
    assert created.api_key.startswith("lklr_")
    with pytest.raises(RpcError) as again:
        await _send(service, create, request_id)
    assert (again.value.status, again.value.code) == (409, "request_already_applied")
    listed = await service.call(contracts.ListApiKeys(provider_id=provider.provider_id))
    assert [key.key_id for key in listed.keys] == [created.key.key_id]
    stored = await service.scalar("SELECT reply FROM kit_request_log WHERE request_id = :r", r=request_id)
    assert created.api_key not in stored
