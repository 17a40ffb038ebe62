"""What the portfolio's use cases share: their dependencies, the owner check, cycles and scheme lookup, and the
translation of stored entries into the domain's terms."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.contracts.portfolio import Actor
from lklr_shared.errors import Conflict, Forbidden, NotFound
from lklr_shared.kit.clock import Clock, register_today
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import CategoryKey, NoSchemeVersionInForce, SchemeBook, SchemeVersion
from portfolio.adapters.blobs import BlobStore
from portfolio.adapters.repositories.activities import ActivityRecord, VersionRecord
from portfolio.adapters.repositories.people import CycleRecord, PersonRecord, get_person
from portfolio.domain.activities import Activity, ActivitySource, EntryState
from portfolio.domain.cycles import cycle_containing, open_for_additions


@dataclass(frozen=True)
class PortfolioContext:
    """The dependencies of the RPC use cases, built once in the composition root."""

    unit_of_work: Callable[[], UnitOfWork]
    book: SchemeBook
    blobs: BlobStore
    clock: Clock = field(default=utcnow)
    # The most a person's evidence may take (stored files plus open uploads), and how long a file may stay
    # attached to no entry before it is removed (settings: PORTFOLIO_EVIDENCE_QUOTA_BYTES and
    # PORTFOLIO_UNATTACHED_EVIDENCE_HOURS).
    evidence_quota_bytes: int = 500 * 1024 * 1024
    unattached_evidence_after: timedelta = timedelta(hours=24)

    def today(self) -> date:
        # The register works in Dutch calendar days (deadlines, cycle ends), like the registry and the audit.
        return register_today(self.clock)


def require_owner(person_id: uuid.UUID, actor: Actor) -> None:
    """Only the professional whose portfolio it is may read or change it (reviewers and the office come later)."""
    if actor.role != "professional" or actor.person_id != person_id:
        raise Forbidden("not_owner", "only the professional whose portfolio this is may do this")


async def require_person(uow: UnitOfWork, person_id: uuid.UUID) -> PersonRecord:
    """The registered person, or 404: a portfolio exists from registration on."""
    person = await get_person(uow.session, person_id)
    if person is None:
        raise NotFound("not_registered", "no registration is known for this person (yet)")
    return person


def asked_cycle(cycles: Sequence[CycleRecord], cycle_id: uuid.UUID) -> CycleRecord:
    """The person's cycle the request names, or 404 when it is not theirs."""
    for cycle in cycles:
        if cycle.cycle_id == cycle_id:
            return cycle
    raise NotFound("cycle_not_found", "this person has no such cycle")


def require_not_frozen(cycles: Sequence[CycleRecord], *days: date) -> None:
    """Refuse a change to work completed in a cycle that was frozen into a re-registration dossier."""
    for day in days:
        cycle = cycle_containing(cycles, day)
        if cycle is not None and cycle.frozen_at is not None:
            raise Conflict(
                "dossier_frozen",
                f"the cycle {cycle.starts_on.isoformat()} – {cycle.ends_on.isoformat()} is frozen into a dossier",
            )


def require_open_for_additions(cycles: Sequence[CycleRecord], day: date, today: date) -> None:
    """Refuse a new entry completed in a frozen cycle, unless the cycle's dossier was returned for correction and
    the correction deadline has not passed (then the professional may add work of the same cycle)."""
    cycle = cycle_containing(cycles, day)
    if cycle is not None and not open_for_additions(cycle, today):
        require_not_frozen([cycle], day)


def scheme_for(book: SchemeBook, cycles: Sequence[CycleRecord], day: date) -> SchemeVersion:
    """The scheme version that judges work completed on ``day``: its cycle's version, else the one then in force.

    Work outside every cycle (before registration) earns no points, but is still priced by the scheme of its day
    so the entry shows what it would be worth; work before the first version is priced by the first version.
    """
    cycle = cycle_containing(cycles, day)
    if cycle is not None:
        # A version the scheme file lacks raises UnknownSchemeVersion: a deployment error that must be seen.
        return book.get(cycle.scheme_version)
    try:
        return book.version_in_force(day)
    except NoSchemeVersionInForce:
        return book.versions[0]


def to_domain(record: ActivityRecord) -> Activity:
    """The entry as the norm sees it."""
    return Activity(
        id=str(record.activity_id),
        category=CategoryKey(record.category),
        points=record.points,
        accredited=record.accredited,
        source=ActivitySource(record.source),
        state=EntryState(record.state),
        completed_on=record.completion_date,
        a2_type=record.a2_type,
    )


def new_entry(
    *,
    activity_id: uuid.UUID,
    person_id: uuid.UUID,
    source: ActivitySource,
    category: str,
    activity_type: str,
    a2_type: str | None,
    title: str,
    description: str,
    completion_date: date,
    points: Decimal,
    accredited: bool,
    state: EntryState,
    at: datetime,
    study_load_hours: Decimal | None = None,
    quantity: Decimal | None = None,
    hours_per_unit: Decimal | None = None,
    provider_id: uuid.UUID | None = None,
    provider_name: str | None = None,
    course_id: uuid.UUID | None = None,
    edition_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    attendance_id: uuid.UUID | None = None,
    teaching_claim_id: uuid.UUID | None = None,
) -> ActivityRecord:
    """A new entry in its first version, recorded ``at``; the links it does not name (provider, course, batch,
    attendance, teaching claim) and the entered figures it does not have stay empty."""
    return ActivityRecord(
        activity_id=activity_id,
        person_id=person_id,
        version=1,
        source=source.value,
        category=category,
        activity_type=activity_type,
        a2_type=a2_type,
        title=title,
        description=description,
        completion_date=completion_date,
        points=points,
        accredited=accredited,
        state=state.value,
        state_reason="",
        study_load_hours=study_load_hours,
        quantity=quantity,
        hours_per_unit=hours_per_unit,
        provider_id=provider_id,
        provider_name=provider_name,
        course_id=course_id,
        edition_id=edition_id,
        batch_id=batch_id,
        attendance_id=attendance_id,
        teaching_claim_id=teaching_claim_id,
        recorded_at=at,
        updated_at=at,
    )


def version_of(
    record: ActivityRecord,
    *,
    change: str,
    actor_kind: str,
    actor_id: str,
    at: datetime,
    evidence_ids: Sequence[uuid.UUID] = (),
    origin: str = "",
    reason: str = "",
) -> VersionRecord:
    """The history row for ``record`` as it is after ``change``."""
    return VersionRecord(
        activity_id=record.activity_id,
        version=record.version,
        changed_at=at,
        actor_kind=actor_kind,
        actor_id=actor_id,
        origin=origin,
        change=change,
        reason=reason,
        state=record.state,
        points=record.points,
        snapshot=record.snapshot(evidence_ids),
    )
