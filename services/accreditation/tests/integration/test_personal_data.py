"""A person's own data download: every attendance record about them (voided and disputed ones too) and their
teaching claims, and nothing about anyone else."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts.envelope import utcnow, wrap
from lklr_shared.kit.publisher import Publisher

from .conftest import Service, today

pytestmark = pytest.mark.integration


async def test_the_export_holds_the_persons_records_disputes_voids_and_claims_and_no_one_elses(
    service: Service,
    eventually,  # type: ignore[no-untyped-def]
) -> None:
    provider = await service.provider()
    _course, first_edition = await service.approved_course(provider.provider_id)
    _other_course, second_edition = await service.approved_course(provider.provider_id)
    number, someone_else = await service.register_people(2)
    person_id = uuid.UUID(
        str(await service.scalar("SELECT person_id FROM registered_people WHERE registration_number = :n", n=number))
    )
    first = await service.post(provider.provider_id, first_edition, [(number, None), (someone_else, None)])
    second = await service.post(provider.provider_id, second_edition, [(number, None)])
    kept, voided = first.rows[0].attendance_id, second.rows[0].attendance_id
    assert kept is not None and voided is not None
    await service.call(
        contracts.VoidAttendance(
            provider_id=provider.provider_id, attendance_id=voided, reason="Verkeerde editie.", voided_by="test"
        )
    )
    disputed = portfolio_events.ActivityDisputed(
        activity_id=uuid.uuid4(),
        person_id=person_id,
        attendance_id=kept,
        provider_id=provider.provider_id,
        reason="Maar twee uur aanwezig.",
        disputed_at=utcnow(),
    )
    publisher = Publisher(service.broker, service.topology.events_exchange, timeout=5)
    await publisher.publish(disputed.routing_key(), wrap(disputed))
    claim = await service.call(
        contracts.ClaimTeaching(
            person_id=person_id,
            registration_number=number,
            hours=Decimal(2),
            given_on=today() - timedelta(days=3),
            description="Workshop gegeven.",
            course_title="Workshop verzuim",
            claimed_by=f"person:{person_id}",
        )
    )

    async def dispute_in_export() -> bool:
        export = await service.call(contracts.ExportPersonData(person_id=person_id))
        return any(record.dispute_reason for record in export.attendance)

    await eventually(dispute_in_export, message="the dispute in the export")
    export = await service.call(contracts.ExportPersonData(person_id=person_id))
    assert isinstance(export, contracts.PersonDataExport)
    by_id = {record.attendance_id: record for record in export.attendance}
    assert set(by_id) == {kept, voided}
    assert by_id[kept].dispute_reason == "Maar twee uur aanwezig." and by_id[kept].voided_at is None
    assert by_id[voided].void_reason == "Verkeerde editie." and by_id[voided].voided_at is not None
    assert by_id[kept].provider_name == provider.name
    assert [c.claim_id for c in export.teaching_claims] == [claim.claim_id]
    assert export.teaching_claims[0].status == "submitted"

    nobody = await service.call(contracts.ExportPersonData(person_id=uuid.uuid4()))
    assert (nobody.attendance, nobody.teaching_claims) == ([], [])
