"""Stored entries and files as the reply contracts show them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.scheme import SchemeBook
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.adapters.repositories.people import CycleRecord
from portfolio.domain.activities import ActivitySource, EntryState
from portfolio.domain.checking import check_deadline, is_awaiting_check
from portfolio.domain.cycles import is_editable, is_new
from portfolio.service_layer.common import scheme_for


def evidence_view(evidence: EvidenceRecord) -> contracts.EvidenceFile:
    return contracts.EvidenceFile(
        evidence_id=evidence.evidence_id,
        filename=evidence.filename,
        file_type=evidence.file_type,
        content_type=evidence.content_type,
        size_bytes=evidence.size_bytes,
        sha256=evidence.sha256,
        activity_id=evidence.activity_id,
        stored_at=evidence.stored_at,
    )


def activity_view(
    record: ActivityRecord,
    *,
    book: SchemeBook,
    cycles: Sequence[CycleRecord],
    evidence: Sequence[EvidenceRecord],
    today: date,
    last_seen_at: datetime | None,
    counts: bool,
    exclusion: str | None,
) -> contracts.PortfolioActivity:
    source = ActivitySource(record.source)
    deadline: date | None = None
    awaiting = False
    if source is ActivitySource.PROVIDER_PLACED:
        window = scheme_for(book, cycles, record.completion_date).portfolio.confirm_dispute_window_days
        placed_on = record.recorded_at.date()
        deadline = check_deadline(placed_on, window)
        awaiting = is_awaiting_check(source, EntryState(record.state), placed_on, window, today)
    return contracts.PortfolioActivity(
        activity_id=record.activity_id,
        version=record.version,
        source=record.source,
        category=record.category,
        activity_type=record.activity_type,
        title=record.title,
        description=record.description,
        completion_date=record.completion_date,
        points=record.points,
        accredited=record.accredited,
        state=record.state,
        state_reason=record.state_reason,
        counts=counts,
        exclusion=exclusion,
        is_new=is_new(record, last_seen_at),
        awaiting_check=awaiting,
        check_deadline=deadline,
        editable=is_editable(record, cycles),
        study_load_hours=record.study_load_hours,
        quantity=record.quantity,
        hours_per_unit=record.hours_per_unit,
        provider_id=record.provider_id,
        provider_name=record.provider_name,
        course_id=record.course_id,
        attendance_id=record.attendance_id,
        evidence=[evidence_view(item) for item in evidence],
        recorded_at=record.recorded_at,
        updated_at=record.updated_at,
    )


def cycle_view(cycle: CycleRecord) -> contracts.CycleSummary:
    return contracts.CycleSummary(
        cycle_id=cycle.cycle_id,
        sequence=cycle.sequence,
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        scheme_version=cycle.scheme_version,
        frozen=cycle.frozen_at is not None,
    )
