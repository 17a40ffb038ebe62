"""A person's own data held by accreditation, for their "download all my data": the attendance records providers
posted about them (voided ones too, with any dispute they raised) and their teaching claims."""

from __future__ import annotations

from accreditation.adapters.repositories import attendance as attendance_records
from accreditation.adapters.repositories import teaching as teaching_records
from accreditation.adapters.repositories.dialect import as_utc
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.security_log import record_security_event


async def export_person_data(
    ctx: AccreditationContext, query: contracts.ExportPersonData
) -> contracts.PersonDataExport:
    """ExportPersonData: every attendance record and teaching claim of the person, oldest first."""
    async with ctx.unit_of_work() as uow:
        records = await attendance_records.attendance_of_person(uow.session, query.person_id)
        claims = await teaching_records.claims_of_person_by_submission(uow.session, query.person_id)
        # Only the person's own "download all my data" asks for this (the gateway checks who asks).
        await record_security_event(
            uow.session,
            actor=f"person:{query.person_id}",
            action="person_data.export",
            object=f"person:{query.person_id}",
        )
        await uow.commit()
    return contracts.PersonDataExport(
        person_id=query.person_id,
        attendance=[
            contracts.ExportedAttendance(
                attendance_id=row.attendance_id,
                provider_name=row.provider_name,
                course_id=row.course_id,
                course_title=row.course_title,
                edition_id=row.edition_id,
                completion_date=row.completion_date,
                hours=row.hours,
                points=row.points,
                channel=row.channel,
                recorded_at=as_utc(row.recorded_at),
                voided_at=as_utc(row.voided_at) if row.voided_at is not None else None,
                void_reason=row.void_reason,
                dispute_reason=row.dispute_reason,
                disputed_at=as_utc(row.disputed_at) if row.disputed_at is not None else None,
            )
            for row in records
        ],
        teaching_claims=[
            contracts.ExportedTeachingClaim(
                claim_id=row.claim_id,
                course_title=row.course_title,
                given_on=row.given_on,
                hours=row.hours,
                description=row.description,
                status=row.status,
                submitted_at=as_utc(row.submitted_at),
                decided_at=as_utc(row.decided_at) if row.decided_at is not None else None,
                decision_reason=row.decision_reason,
                points=row.points,
            )
            for row in claims
        ],
    )
