"""Entries others place in a portfolio, from accreditation events: course attendance, voids, approved teaching.

Event handlers: the consumer runs each in one transaction with its inbox row and commits; handlers never commit.
Redelivery is harmless twice over: the inbox skips a message it has applied, and the natural keys
(attendance_id, teaching claim id) skip entries already placed even when a batch is re-sent as a new message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from lklr_shared.contracts import accreditation as events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.portfolio import ActivitiesPlaced, ActivityRecorded, PlacedEntry
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import CategoryKey
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import attendance as attendance_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.attendance import VoidRecord
from portfolio.domain.activities import ActivitySource, EntryState
from portfolio.service_layer.common import PortfolioContext, new_entry, version_of
from portfolio.service_layer.norm_met import announce_met_norms

log = logging.getLogger(__name__)

# Entry ids derive from the natural key, so every replica and every redelivery names an entry the same way.
_PLACED_NAMESPACE = uuid.UUID("6f1d7a52-8a1e-4c1b-9a43-0c0e6f0f3b11")
ACCREDITED_COURSE = "accredited_course"
GIVING_TRAINING = "giving_training"


def placed_activity_id(attendance_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_PLACED_NAMESPACE, f"attendance:{attendance_id}")


def teaching_activity_id(claim_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_PLACED_NAMESPACE, f"teaching:{claim_id}")


def recorded_event(record: ActivityRecord) -> ActivityRecorded:
    return ActivityRecorded(
        activity_id=record.activity_id,
        person_id=record.person_id,
        category=record.category,
        activity_type=record.activity_type,
        points=record.points,
        accredited=record.accredited,
        source=record.source,
        completion_date=record.completion_date,
    )


async def record_attendance(
    context: PortfolioContext, uow: UnitOfWork, event: events.AttendanceRecorded, _envelope: Envelope
) -> None:
    """Place a batch of attended courses: one multi-row insert, then history and events for the new rows only.

    Voids that overtook their attendance are applied right away. The entry's time (its 30-day check window starts
    on that day) is the service's clock, so demo time travel moves it with "today".
    """
    now = context.clock()
    records = [
        new_entry(
            activity_id=placed_activity_id(row.attendance_id),
            person_id=row.person_id,
            source=ActivitySource.PROVIDER_PLACED,
            category=event.category,
            activity_type=ACCREDITED_COURSE,
            # An accredited course earns the committee's points, whatever its category: no scheme type applies.
            a2_type=None,
            title=event.course_title,
            description="",
            completion_date=event.completion_date,
            points=row.points,
            accredited=True,
            state=EntryState.PLACED,
            at=now,
            study_load_hours=row.hours,
            provider_id=event.provider_id,
            provider_name=event.provider_name,
            course_id=event.course_id,
            edition_id=event.edition_id,
            batch_id=event.batch_id,
            attendance_id=row.attendance_id,
        )
        for row in event.rows
    ]
    await attendance_repo.lock_attendances(uow.session, (row.attendance_id for row in event.rows))
    inserted = await activity_repo.insert_placed_activities(uow.session, records, natural_key="attendance_id")
    new_records = [record for record in records if record.activity_id in inserted]
    if len(new_records) < len(records):
        log.info(
            "batch %s: %s of %s attendances were placed before; skipped",
            event.batch_id,
            len(records) - len(new_records),
            len(records),
        )
    await activity_repo.insert_versions(
        uow.session,
        (
            version_of(
                record,
                change="recorded",
                actor_kind="provider",
                actor_id=str(event.provider_id),
                at=now,
                origin="accreditation",
                reason=f"attendance batch {event.batch_id}",
            )
            for record in new_records
        ),
    )
    if new_records:
        # One event for the batch, not one per row: a provider's post of thousands of rows stays one message.
        uow.emit(
            ActivitiesPlaced(
                batch_id=event.batch_id,
                provider_id=event.provider_id,
                provider_name=event.provider_name,
                course_title=event.course_title,
                entries=[
                    PlacedEntry(
                        activity_id=record.activity_id,
                        person_id=record.person_id,
                        category=record.category,
                        points=record.points,
                        completion_date=record.completion_date,
                    )
                    for record in new_records
                ],
            )
        )
    await _apply_pending_voids(uow, (record.attendance_id for record in new_records if record.attendance_id), now)
    await announce_met_norms(context, uow, {record.person_id for record in new_records})


async def void_attendance(
    context: PortfolioContext, uow: UnitOfWork, event: events.AttendanceVoided, _envelope: Envelope
) -> None:
    """A provider voided its post: the entry becomes voided with the reason, as a new version (nothing deleted).

    The void is kept on its own too, so a void that arrives before its attendance is applied when that arrives.
    """
    await attendance_repo.lock_attendances(uow.session, [event.attendance_id])
    await attendance_repo.remember_void(
        uow.session,
        VoidRecord(
            attendance_id=event.attendance_id,
            person_id=event.person_id,
            provider_id=event.provider_id,
            reason=event.reason,
            voided_at=event.voided_at,
        ),
    )
    await _apply_pending_voids(uow, [event.attendance_id], context.clock())


async def _apply_pending_voids(uow: UnitOfWork, attendance_ids: Iterable[uuid.UUID], now: datetime) -> None:
    for void in await attendance_repo.pending_voids(uow.session, attendance_ids):
        record = await attendance_repo.activity_for_attendance(uow.session, void.attendance_id)
        if record is None:
            log.info("void of attendance %s kept until the attendance arrives", void.attendance_id)
            continue
        if record.provider_id != void.provider_id:
            # Only a course's own provider may void its post; accreditation enforces it, this guards the data.
            log.error(
                "void of attendance %s by provider %s ignored: placed by %s",
                void.attendance_id,
                void.provider_id,
                record.provider_id,
            )
            continue
        if record.state != EntryState.VOIDED:
            voided = replace(
                record,
                version=record.version + 1,
                state=EntryState.VOIDED.value,
                state_reason=void.reason,
                updated_at=now,
            )
            await activity_repo.update_activity(uow.session, voided, previous_version=record.version)
            evidence = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id])
            await activity_repo.insert_versions(
                uow.session,
                [
                    version_of(
                        voided,
                        change="voided",
                        actor_kind="provider",
                        actor_id=str(void.provider_id),
                        at=now,
                        origin="accreditation",
                        reason=void.reason,
                        evidence_ids=[item.evidence_id for item in evidence[record.activity_id]],
                    )
                ],
            )
        await attendance_repo.mark_void_applied(uow.session, void.attendance_id, now)


async def record_teaching(
    context: PortfolioContext, uow: UnitOfWork, event: events.TeachingApproved, _envelope: Envelope
) -> None:
    """The committee approved a claim of having given a training: an accredited A2 entry of type giving_training.

    The professional made the claim themselves, so there is nothing for them to check: it is placed confirmed.
    """
    now = context.clock()
    record = new_entry(
        activity_id=teaching_activity_id(event.claim_id),
        person_id=event.person_id,
        source=ActivitySource.TEACHING,
        category=CategoryKey.A2.value,
        activity_type=GIVING_TRAINING,
        a2_type=GIVING_TRAINING,
        title=event.description[:300] or GIVING_TRAINING,
        description=event.description,
        completion_date=event.completion_date,
        points=event.points,
        accredited=True,
        state=EntryState.CONFIRMED,
        at=now,
        quantity=event.hours,
        teaching_claim_id=event.claim_id,
    )
    inserted = await activity_repo.insert_placed_activities(uow.session, [record], natural_key="teaching_claim_id")
    if not inserted:
        log.info("teaching claim %s was placed before; skipped", event.claim_id)
        return
    await activity_repo.insert_versions(
        uow.session,
        [
            version_of(
                record,
                change="recorded",
                actor_kind="accreditation_committee",
                actor_id=str(event.claim_id),
                at=now,
                origin="accreditation",
                reason="teaching claim approved",
            )
        ],
    )
    uow.emit(recorded_event(record))
    await announce_met_norms(context, uow, [record.person_id])
