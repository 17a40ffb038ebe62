"""Recording an activity with a request id: a retry, a redelivery or a concurrent duplicate records it once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.errors import RpcError
from portfolio.adapters.orm import activities

from .conftest import PDF_HEAD, Harness, Person

pytestmark = [pytest.mark.integration]


def _record(person: Person, title: str, evidence_ids: list[uuid.UUID] | None = None) -> contracts.RecordActivity:
    return contracts.RecordActivity(
        person_id=person.person_id,
        actor=person.actor,
        activity=contracts.ActivityInput(
            category="A1",
            study_load_hours=Decimal(4),
            title=title,
            completion_date=utcnow().date() - timedelta(days=10),
        ),
        evidence_ids=evidence_ids or [],
    )


async def _send(service: Harness, request: contracts.RecordActivity, request_id: str) -> contracts.ActivitySaved:
    saved = await service.client.call("portfolio", request, request_id=request_id, timeout=15)
    assert isinstance(saved, contracts.ActivitySaved)
    return saved


async def _count(service: Harness, person: Person) -> int:
    return await service.count(
        sa.select(sa.func.count()).select_from(activities).where(activities.c.person_id == person.person_id)
    )


async def test_request_id_a_retried_activity_is_recorded_once(service: Harness) -> None:
    person = await service.register()
    request_id = str(uuid.uuid4())
    first = await _send(service, _record(person, "Eenmaal"), request_id)
    again = await _send(service, _record(person, "Eenmaal"), request_id)
    assert again == first
    assert await _count(service, person) == 1


async def test_request_id_a_concurrent_duplicate_is_recorded_once(service: Harness) -> None:
    person = await service.register()
    request_id = str(uuid.uuid4())
    one, other = await asyncio.gather(
        _send(service, _record(person, "Tegelijk"), request_id), _send(service, _record(person, "Tegelijk"), request_id)
    )
    assert one == other
    assert await _count(service, person) == 1


async def test_request_id_a_retried_form_with_its_files_uploaded_again_returns_the_first_activity(
    service: Harness,
) -> None:
    # A retried form uploads its evidence again under new ids: still the same request.
    person = await service.register()
    request_id = str(uuid.uuid4())
    first_upload = (await service.upload(person, [PDF_HEAD + b"een"])).evidence
    second_upload = (await service.upload(person, [PDF_HEAD + b"een"])).evidence
    first = await _send(service, _record(person, "Met bewijs", [first_upload.evidence_id]), request_id)
    again = await _send(service, _record(person, "Met bewijs", [second_upload.evidence_id]), request_id)
    assert again == first
    assert await _count(service, person) == 1


async def test_request_id_a_new_id_records_a_second_activity(service: Harness) -> None:
    person = await service.register()
    await _send(service, _record(person, "Twee keer"), str(uuid.uuid4()))
    await _send(service, _record(person, "Twee keer"), str(uuid.uuid4()))
    assert await _count(service, person) == 2


async def test_request_id_reused_for_another_activity_is_refused(service: Harness) -> None:
    person = await service.register()
    request_id = str(uuid.uuid4())
    await _send(service, _record(person, "Eerste"), request_id)
    with pytest.raises(RpcError) as refused:
        await _send(service, _record(person, "Andere"), request_id)
    assert (refused.value.status, refused.value.code) == (422, "request_id_reused")
    assert await _count(service, person) == 1
