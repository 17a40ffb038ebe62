"""Disputes of attendance records, as the portfolio reports them: the provider sees them to correct its post."""

from __future__ import annotations

from accreditation.adapters.repositories import attendance as attendance_records
from accreditation.service_layer import webhooks
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork


async def record_dispute(uow: UnitOfWork, event: portfolio_events.ActivityDisputed, _envelope: Envelope) -> None:
    """Attach the professional's dispute to the attendance record (a later dispute replaces the earlier one)."""
    await attendance_records.save_dispute(
        uow.session,
        attendance_id=event.attendance_id,
        provider_id=event.provider_id,
        person_id=event.person_id,
        reason=event.reason,
        disputed_at=event.disputed_at,
    )
    await webhooks.attendance_disputed(
        uow.session,
        provider_id=event.provider_id,
        attendance_id=event.attendance_id,
        reason=event.reason,
        disputed_at=event.disputed_at,
    )
