"""Reading and writing the portfolio's tables. Use cases call these inside their unit of work's transaction.

Rows come back as small frozen dataclasses, so the rest of the service never handles SQLAlchemy rows. Times read
from SQLite come back without a zone; :func:`as_utc` gives every time its UTC zone back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import (
    activities,
    activity_versions,
    attendance_voids,
    cycles,
    dossier_activities,
    dossiers,
    evidence_files,
    evidence_uploads,
    norm_met_announcements,
    objection_evidence_grants,
    portfolio_visits,
    registered_people,
    review_evidence_grants,
)


def as_utc(moment: datetime) -> datetime:
    """The moment with its UTC zone (SQLite stores aware times but returns them naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def insert_ignoring_duplicates(session: AsyncSession, table: sa.Table, *key: str) -> Any:
    """An INSERT that skips rows whose ``key`` (one or more columns) already exists (PostgreSQL and SQLite spell it
    the same way)."""
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    module = sqlite if dialect == "sqlite" else postgresql
    return module.insert(table).on_conflict_do_nothing(index_elements=list(key))


# --- people and cycles (read models fed by registry events) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRecord:
    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    registered_since: date
    status: str
    employer_id: str = ""


@dataclass(frozen=True, slots=True)
class CycleRecord:
    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str
    frozen_at: datetime | None
    correction_until: date | None = None

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def open_for_additions(self, today: date) -> bool:
        """Whether new entries may be added: not frozen, or returned for correction and still within its deadline."""
        return self.frozen_at is None or (self.correction_until is not None and today <= self.correction_until)


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> PersonRecord | None:
    # The record's own columns only: the read model's bookkeeping (when its status was set) is the event handlers'.
    columns = [registered_people.c[name] for name in _field_names(PersonRecord)]
    row = (
        (await session.execute(sa.select(*columns).where(registered_people.c.person_id == person_id)))
        .mappings()
        .first()
    )
    return None if row is None else PersonRecord(**row)


async def list_cycles(
    session: AsyncSession, person_id: uuid.UUID, *, lock: Literal["share", "update"] | None = None
) -> list[CycleRecord]:
    """The person's cycles, oldest first.

    ``lock`` locks the rows until the transaction ends (PostgreSQL; SQLite has a single writer): "update" when
    freezing a cycle into a dossier, "share" when changing an entry. Freezing then waits for entries being saved
    (and sees them), and an entry saved after the freeze sees the frozen cycle, so no entry slips past a dossier.
    """
    query = (
        sa.select(
            cycles.c.cycle_id,
            cycles.c.sequence,
            cycles.c.starts_on,
            cycles.c.ends_on,
            cycles.c.scheme_version,
            cycles.c.frozen_at,
            cycles.c.correction_until,
        )
        .where(cycles.c.person_id == person_id)
        .order_by(cycles.c.sequence)
    )
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    rows = (await session.execute(query)).mappings()
    return [CycleRecord(**(dict(row) | {"frozen_at": _maybe_utc(row["frozen_at"])})) for row in rows]


# --- activities --------------------------------------------------------------------------------------------------


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(record_type: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(record_type)
    if names is None:
        names = _FIELD_NAMES[record_type] = tuple(field.name for field in fields(record_type))
    return names


def shallow_dict(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, without `dataclasses.asdict`'s deep copy of every value.

    The field names are looked up once per class: `dataclasses.fields` per call was a fifth of the time spent
    writing a 1,000-row attendance batch's entries and versions.
    """
    return {name: getattr(record, name) for name in _field_names(type(record))}


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One row of ``activities``: an entry in its current version."""

    activity_id: uuid.UUID
    person_id: uuid.UUID
    version: int
    source: str
    category: str
    activity_type: str
    a2_type: str | None
    title: str
    description: str
    completion_date: date
    points: Decimal
    accredited: bool
    state: str
    state_reason: str
    study_load_hours: Decimal | None
    quantity: Decimal | None
    hours_per_unit: Decimal | None
    provider_id: uuid.UUID | None
    provider_name: str | None
    course_id: uuid.UUID | None
    edition_id: uuid.UUID | None
    batch_id: uuid.UUID | None
    attendance_id: uuid.UUID | None
    teaching_claim_id: uuid.UUID | None
    recorded_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ActivityRecord:
        values = dict(row)
        values["recorded_at"] = as_utc(values["recorded_at"])
        values["updated_at"] = as_utc(values["updated_at"])
        return cls(**values)

    def as_row(self) -> dict[str, Any]:
        # Shallow on purpose: every field is an immutable value. dataclasses.asdict deep-copies each one, which
        # was most of the time spent placing a 1,000-row attendance batch (bench/attendance).
        return shallow_dict(self)

    def snapshot(self, evidence_ids: Sequence[uuid.UUID]) -> dict[str, Any]:
        """The entry's fields as JSON values, stored with each version (so history never depends on the row)."""
        snapshot: dict[str, Any] = {}
        for name, value in shallow_dict(self).items():
            if name in {"person_id", "version", "recorded_at", "updated_at"}:
                continue
            snapshot[name] = value if value is None or isinstance(value, bool | int | str) else str(value)
        snapshot["evidence_ids"] = [str(evidence_id) for evidence_id in evidence_ids]
        return snapshot


async def get_activity(
    session: AsyncSession, activity_id: uuid.UUID, *, for_update: bool = False
) -> ActivityRecord | None:
    """One entry; ``for_update`` locks its row until the transaction ends (PostgreSQL; SQLite has one writer)."""
    query = sa.select(activities).where(activities.c.activity_id == activity_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else ActivityRecord.from_row(row)


async def list_activities(
    session: AsyncSession, person_id: uuid.UUID, *, completed_from: date | None, completed_to: date | None
) -> list[ActivityRecord]:
    """A person's entries completed in the range (None = open-ended), in completion order."""
    query = sa.select(activities).where(activities.c.person_id == person_id)
    if completed_from is not None:
        query = query.where(activities.c.completion_date >= completed_from)
    if completed_to is not None:
        query = query.where(activities.c.completion_date <= completed_to)
    query = query.order_by(activities.c.completion_date, activities.c.recorded_at, activities.c.activity_id)
    return [ActivityRecord.from_row(row) for row in (await session.execute(query)).mappings()]


async def insert_activity(session: AsyncSession, record: ActivityRecord) -> None:
    await session.execute(sa.insert(activities).values(record.as_row()))


async def insert_placed_activities(
    session: AsyncSession, records: Sequence[ActivityRecord], *, natural_key: str
) -> set[uuid.UUID]:
    """Insert placed entries in multi-row statements, skipping any whose natural key is already there.

    Returns the ids actually inserted, so versions and events are written for new entries only.
    """
    if not records:
        return set()
    statement = insert_ignoring_duplicates(session, activities, natural_key).returning(activities.c.activity_id)
    # A list of parameter sets makes SQLAlchemy batch them into multi-row INSERTs ("insertmanyvalues").
    result = await session.execute(statement, [record.as_row() for record in records])
    return {row[0] for row in result}


async def update_activity(session: AsyncSession, record: ActivityRecord, *, previous_version: int) -> None:
    """Write the entry's new version; the version check makes a lost concurrent update fail loudly."""
    values = record.as_row()
    for unchanged in ("activity_id", "person_id", "recorded_at"):
        values.pop(unchanged)
    result = await session.execute(
        sa.update(activities)
        .where(activities.c.activity_id == record.activity_id, activities.c.version == previous_version)
        .values(values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError(f"activity {record.activity_id} changed concurrently (version {previous_version})")


# --- versions ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One change of an entry: who (kind and id), when, from where, what changed, why, and the result."""

    activity_id: uuid.UUID
    version: int
    changed_at: datetime
    actor_kind: str
    actor_id: str
    origin: str
    change: str
    reason: str
    state: str
    points: Decimal
    snapshot: dict[str, Any]


async def insert_versions(session: AsyncSession, versions: Iterable[VersionRecord]) -> None:
    rows = [shallow_dict(version) for version in versions]  # the snapshot dict is built fresh per version
    if rows:
        await session.execute(sa.insert(activity_versions), rows)


async def list_versions(session: AsyncSession, activity_id: uuid.UUID) -> list[VersionRecord]:
    rows = (
        await session.execute(
            sa.select(activity_versions)
            .where(activity_versions.c.activity_id == activity_id)
            .order_by(activity_versions.c.version)
        )
    ).mappings()
    return [VersionRecord(**(dict(row) | {"changed_at": as_utc(row["changed_at"])})) for row in rows]


# --- voids -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoidRecord:
    attendance_id: uuid.UUID
    person_id: uuid.UUID
    provider_id: uuid.UUID
    reason: str
    voided_at: datetime


_ATTENDANCE_LOCKS = 0x4C4B  # advisory-lock namespace of attendances in this database ("LK")


async def lock_attendances(session: AsyncSession, attendance_ids: Iterable[uuid.UUID]) -> None:
    """Serialise the handlers that touch the same attendances, until the transaction ends.

    An attendance batch and a void of one of its rows may be handled at the same moment by two consumers. Each
    would miss the other's uncommitted row (the batch sees no void, the void sees no entry) and the void would
    never be applied. Taking a transaction-scoped advisory lock per attendance first makes the later one wait
    and then see the earlier one's commit. Keys are taken in sorted order (one statement for a whole batch), so
    two batches cannot deadlock. SQLite needs nothing: it has a single writer.
    """
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(attendance_id.bytes[:4], "big", signed=True) for attendance_id in attendance_ids})
    if keys:
        # unnest yields the array in order and the function scan feeds the projection row by row: sorted locking.
        await session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:namespace, key) FROM unnest(CAST(:keys AS integer[])) AS key"),
            {"namespace": _ATTENDANCE_LOCKS, "keys": keys},
        )


async def remember_void(session: AsyncSession, void: VoidRecord) -> None:
    """Keep the void (once per attendance), whether or not its entry has arrived."""
    await session.execute(insert_ignoring_duplicates(session, attendance_voids, "attendance_id").values(asdict(void)))


async def pending_voids(session: AsyncSession, attendance_ids: Iterable[uuid.UUID]) -> list[VoidRecord]:
    """Voids not yet applied to an entry, for the given attendances."""
    ids = list(attendance_ids)
    if not ids:
        return []
    rows = (
        await session.execute(
            sa.select(
                attendance_voids.c.attendance_id,
                attendance_voids.c.person_id,
                attendance_voids.c.provider_id,
                attendance_voids.c.reason,
                attendance_voids.c.voided_at,
            ).where(attendance_voids.c.attendance_id.in_(ids), attendance_voids.c.applied_at.is_(None))
        )
    ).mappings()
    return [VoidRecord(**(dict(row) | {"voided_at": as_utc(row["voided_at"])})) for row in rows]


async def mark_void_applied(session: AsyncSession, attendance_id: uuid.UUID, applied_at: datetime) -> None:
    await session.execute(
        sa.update(attendance_voids)
        .where(attendance_voids.c.attendance_id == attendance_id)
        .values(applied_at=applied_at)
    )


async def activity_for_attendance(session: AsyncSession, attendance_id: uuid.UUID) -> ActivityRecord | None:
    row = (
        (
            await session.execute(
                sa.select(activities).where(activities.c.attendance_id == attendance_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ActivityRecord.from_row(row)


# --- evidence ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    evidence_id: uuid.UUID
    person_id: uuid.UUID
    activity_id: uuid.UUID | None
    filename: str
    file_type: str
    content_type: str
    size_bytes: int
    sha256: str
    blob_key: str
    stored_at: datetime


def _evidence(row: Mapping[Any, Any]) -> EvidenceRecord:
    return EvidenceRecord(**(dict(row) | {"stored_at": as_utc(row["stored_at"])}))


async def insert_evidence(session: AsyncSession, evidence: EvidenceRecord) -> None:
    await session.execute(sa.insert(evidence_files).values(asdict(evidence)))


async def get_evidence(session: AsyncSession, evidence_id: uuid.UUID) -> EvidenceRecord | None:
    row = (
        (await session.execute(sa.select(evidence_files).where(evidence_files.c.evidence_id == evidence_id)))
        .mappings()
        .first()
    )
    return None if row is None else _evidence(row)


async def evidence_of_person(
    session: AsyncSession, person_id: uuid.UUID, evidence_ids: Iterable[uuid.UUID]
) -> list[EvidenceRecord]:
    ids = list(evidence_ids)
    if not ids:
        return []
    rows = (
        await session.execute(
            sa.select(evidence_files)
            .where(evidence_files.c.person_id == person_id, evidence_files.c.evidence_id.in_(ids))
            .with_for_update()
        )
    ).mappings()
    return [_evidence(row) for row in rows]


async def evidence_by_activity(
    session: AsyncSession, activity_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[EvidenceRecord]]:
    ids = list(activity_ids)
    found: dict[uuid.UUID, list[EvidenceRecord]] = {activity_id: [] for activity_id in ids}
    if not ids:
        return found
    # Chunked IN lists: a long portfolio must not exceed the driver's parameter limit.
    for start in range(0, len(ids), 1000):
        rows = (
            await session.execute(
                sa.select(evidence_files)
                .where(evidence_files.c.activity_id.in_(ids[start : start + 1000]))
                .order_by(evidence_files.c.stored_at)
            )
        ).mappings()
        for row in rows:
            evidence = _evidence(row)
            assert evidence.activity_id is not None
            found[evidence.activity_id].append(evidence)
    return found


async def attach_evidence(
    session: AsyncSession, activity_id: uuid.UUID | None, evidence_ids: Iterable[uuid.UUID]
) -> None:
    """Point the files at ``activity_id`` (None detaches them; the files themselves stay)."""
    ids = list(evidence_ids)
    if ids:
        await session.execute(
            sa.update(evidence_files).where(evidence_files.c.evidence_id.in_(ids)).values(activity_id=activity_id)
        )


# --- uploads -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadRecord:
    upload_id: uuid.UUID
    person_id: uuid.UUID
    activity_id: uuid.UUID | None
    filename: str
    status: str
    status_reason: str
    next_seq: int
    received_bytes: int
    file_type: str | None
    docx_markers: int
    tail: bytes
    last_chunk_sha256: str | None
    last_chunk_size: int | None
    started_at: datetime
    updated_at: datetime


async def insert_upload(session: AsyncSession, upload: UploadRecord) -> None:
    await session.execute(sa.insert(evidence_uploads).values(asdict(upload)))


async def get_upload(session: AsyncSession, upload_id: uuid.UUID) -> UploadRecord | None:
    """An upload, its row locked until the transaction ends: chunks of one upload are applied one at a time."""
    row = (
        (
            await session.execute(
                sa.select(evidence_uploads).where(evidence_uploads.c.upload_id == upload_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    values = dict(row)
    values["tail"] = bytes(values["tail"])
    values["started_at"] = as_utc(values["started_at"])
    values["updated_at"] = as_utc(values["updated_at"])
    return UploadRecord(**values)


async def update_upload(session: AsyncSession, upload: UploadRecord) -> None:
    values = asdict(upload)
    values.pop("upload_id")
    await session.execute(
        sa.update(evidence_uploads).where(evidence_uploads.c.upload_id == upload.upload_id).values(values)
    )


async def stale_open_uploads(session: AsyncSession, person_id: uuid.UUID, before: datetime) -> list[uuid.UUID]:
    rows = await session.execute(
        sa.select(evidence_uploads.c.upload_id).where(
            evidence_uploads.c.person_id == person_id,
            evidence_uploads.c.status == "open",
            evidence_uploads.c.updated_at < before,
        )
    )
    return [row[0] for row in rows]


async def evidence_bytes_in_use(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Bytes a person's evidence takes: stored files (attached or not) plus what open uploads have staged."""
    stored = await session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(evidence_files.c.size_bytes), 0)).where(
            evidence_files.c.person_id == person_id
        )
    )
    staged = await session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(evidence_uploads.c.received_bytes), 0)).where(
            evidence_uploads.c.person_id == person_id, evidence_uploads.c.status == "open"
        )
    )
    return int(stored.scalar_one()) + int(staged.scalar_one())


async def unattached_evidence_before(
    session: AsyncSession, before: datetime, limit: int, after: tuple[datetime, uuid.UUID] | None = None
) -> list[EvidenceRecord]:
    """Stored files attached to no entry, stored before ``before``, in (stored_at, id) order from after ``after``;
    locked (locked ones are skipped: being attached right now)."""
    query = sa.select(evidence_files).where(evidence_files.c.activity_id.is_(None), evidence_files.c.stored_at < before)
    if after is not None:
        query = query.where(sa.tuple_(evidence_files.c.stored_at, evidence_files.c.evidence_id) > sa.tuple_(*after))
    rows = (
        await session.execute(
            query.order_by(evidence_files.c.stored_at, evidence_files.c.evidence_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).mappings()
    return [_evidence(row) for row in rows]


async def unfinished_uploads_before(session: AsyncSession, before: datetime, limit: int) -> list[uuid.UUID]:
    """Uploads never completed (open or aborted) and untouched since before ``before``, locked."""
    rows = await session.execute(
        sa.select(evidence_uploads.c.upload_id)
        .where(evidence_uploads.c.status != "completed", evidence_uploads.c.updated_at < before)
        .order_by(evidence_uploads.c.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [row[0] for row in rows]


async def referenced_evidence(
    session: AsyncSession, person_ids: Iterable[uuid.UUID], evidence_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of ``evidence_ids`` something still refers to: a version of an entry of ``person_ids`` (a file
    detached by an edit stays in the history), a reviewer's grant (a file sent with an answer to a question) or an
    objection's (a file sent with an objection)."""
    candidates = set(evidence_ids)
    people = list(set(person_ids))
    if not candidates:
        return set()
    found: set[uuid.UUID] = set()
    for start in range(0, len(people), 500):
        snapshots = await session.execute(
            sa.select(activity_versions.c.snapshot)
            .join(activities, activities.c.activity_id == activity_versions.c.activity_id)
            .where(activities.c.person_id.in_(people[start : start + 500]))
        )
        for (snapshot,) in snapshots:
            for value in (snapshot or {}).get("evidence_ids", []):
                evidence_id = uuid.UUID(str(value))
                if evidence_id in candidates:
                    found.add(evidence_id)
    ids = list(candidates)
    for start in range(0, len(ids), 1000):
        granted = await session.execute(
            sa.select(review_evidence_grants.c.item_id).where(
                review_evidence_grants.c.item_kind == "evidence",
                review_evidence_grants.c.item_id.in_(ids[start : start + 1000]),
            )
        )
        found.update(row[0] for row in granted)
        shared = await session.execute(
            sa.select(objection_evidence_grants.c.evidence_id).where(
                objection_evidence_grants.c.evidence_id.in_(ids[start : start + 1000])
            )
        )
        found.update(row[0] for row in shared)
    return found


async def delete_evidence(session: AsyncSession, evidence_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Remove file rows that are still unattached (and their upload rows); returns the ids removed."""
    ids = list(evidence_ids)
    if not ids:
        return []
    removed = await session.execute(
        sa.delete(evidence_files)
        .where(evidence_files.c.evidence_id.in_(ids), evidence_files.c.activity_id.is_(None))
        .returning(evidence_files.c.evidence_id)
    )
    gone = [row[0] for row in removed]
    await delete_uploads(session, gone)
    return gone


async def delete_uploads(session: AsyncSession, upload_ids: Iterable[uuid.UUID]) -> None:
    ids = list(upload_ids)
    if ids:
        await session.execute(sa.delete(evidence_uploads).where(evidence_uploads.c.upload_id.in_(ids)))


async def close_uploads(session: AsyncSession, upload_ids: Iterable[uuid.UUID], *, reason: str, at: datetime) -> None:
    ids = list(upload_ids)
    if ids:
        await session.execute(
            sa.update(evidence_uploads)
            .where(evidence_uploads.c.upload_id.in_(ids))
            .values(status="aborted", status_reason=reason, updated_at=at)
        )


# --- visits ------------------------------------------------------------------------------------------------------


async def get_last_seen(session: AsyncSession, person_id: uuid.UUID) -> datetime | None:
    value = (
        await session.execute(
            sa.select(portfolio_visits.c.last_seen_at).where(portfolio_visits.c.person_id == person_id)
        )
    ).scalar_one_or_none()
    return _maybe_utc(value)


async def set_last_seen(session: AsyncSession, person_id: uuid.UUID, seen_at: datetime) -> datetime:
    """Move the person's last visit forward to ``seen_at`` (never back); return the stored value.

    Insert-or-ignore, then a conditional update: two visits marked at once cannot collide or move the mark back.
    """
    await session.execute(
        insert_ignoring_duplicates(session, portfolio_visits, "person_id").values(
            person_id=person_id, last_seen_at=seen_at
        )
    )
    await session.execute(
        sa.update(portfolio_visits)
        .where(portfolio_visits.c.person_id == person_id, portfolio_visits.c.last_seen_at < seen_at)
        .values(last_seen_at=seen_at)
    )
    stored = await get_last_seen(session, person_id)
    assert stored is not None  # inserted above
    return stored


# --- re-registration dossiers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DossierRecord:
    dossier_id: uuid.UUID
    person_id: uuid.UUID
    cycle_id: uuid.UUID
    round: int
    status: str
    applied_on: date
    frozen_at: datetime
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    norm_met: bool
    sampled: bool | None
    correction_deadline: date | None
    concluded_on: date | None
    updated_at: datetime
    registry_decision: str | None = None
    registry_decided_on: date | None = None


async def find_dossier(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> DossierRecord | None:
    """A dossier by id, by cycle, or the person's latest; ``for_update`` locks it until the transaction ends."""
    query = sa.select(dossiers)
    if dossier_id is not None:
        query = query.where(dossiers.c.dossier_id == dossier_id)
    if person_id is not None:
        query = query.where(dossiers.c.person_id == person_id)
    if cycle_id is not None:
        query = query.where(dossiers.c.cycle_id == cycle_id)
    query = query.order_by(dossiers.c.applied_on.desc(), dossiers.c.frozen_at.desc()).limit(1)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        return None
    return DossierRecord(
        **(dict(row) | {"frozen_at": as_utc(row["frozen_at"]), "updated_at": as_utc(row["updated_at"])})
    )


async def insert_dossier(session: AsyncSession, record: DossierRecord) -> None:
    await session.execute(sa.insert(dossiers).values(asdict(record)))


async def update_dossier(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(dossiers).where(dossiers.c.dossier_id == dossier_id).values(**values))


async def insert_dossier_activities(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(dossier_activities), list(rows))


async def dossier_activity_rows(
    session: AsyncSession, dossier_id: uuid.UUID, round_number: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            sa.select(dossier_activities)
            .where(dossier_activities.c.dossier_id == dossier_id, dossier_activities.c.round == round_number)
            .order_by(dossier_activities.c.completion_date, dossier_activities.c.activity_id)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def freeze_cycle(session: AsyncSession, cycle_id: uuid.UUID, at: datetime, *, refreeze: bool = False) -> bool:
    """Freeze a cycle (and end any correction window); False when it was frozen already (unless ``refreeze``)."""
    statement = sa.update(cycles).where(cycles.c.cycle_id == cycle_id)
    if not refreeze:
        statement = statement.where(cycles.c.frozen_at.is_(None))
    result = await session.execute(statement.values(frozen_at=at, correction_until=None))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def set_correction_until(session: AsyncSession, cycle_id: uuid.UUID, until: date | None) -> None:
    await session.execute(sa.update(cycles).where(cycles.c.cycle_id == cycle_id).values(correction_until=until))


async def update_person_details(session: AsyncSession, person_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        sa.update(registered_people).where(registered_people.c.person_id == person_id).values(**values)
    )


# --- norm met announcements ------------------------------------------------------------------------------------


async def lock_people(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> None:
    """Lock these people's rows until the transaction ends, always in the same order (no deadlock between two
    transactions that lock overlapping sets). A no-op on SQLite, which has one writer at a time anyway."""
    ids = sorted(set(person_ids))
    if ids:
        await session.execute(
            sa.select(registered_people.c.person_id)
            .where(registered_people.c.person_id.in_(ids))
            .order_by(registered_people.c.person_id)
            .with_for_update()
        )


async def cycles_that_may_meet_norm(
    session: AsyncSession,
    person_ids: Iterable[uuid.UUID],
    *,
    started_by: date,
    states: Iterable[str],
    at_least: Decimal,
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Per person, the begun cycles not yet announced as met whose entries in ``states`` add up to ``at_least``
    points or more: one aggregate query, so a batch of thousands of placed entries skips people far from the norm
    without loading their portfolios."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    in_cycle = sa.and_(
        activities.c.person_id == cycles.c.person_id,
        activities.c.completion_date >= cycles.c.starts_on,
        activities.c.completion_date <= cycles.c.ends_on,
        activities.c.state.in_(list(states)),
    )
    announced = sa.select(norm_met_announcements.c.cycle_id).where(
        norm_met_announcements.c.cycle_id == cycles.c.cycle_id
    )
    query = (
        sa.select(cycles.c.person_id, cycles.c.cycle_id)
        .join(activities, in_cycle)
        .where(cycles.c.person_id.in_(ids), cycles.c.starts_on <= started_by, ~announced.exists())
        .group_by(cycles.c.person_id, cycles.c.cycle_id)
        .having(sa.func.sum(activities.c.points) >= at_least)
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, cycle_id in (await session.execute(query)).all():
        found.setdefault(person_id, set()).add(cycle_id)
    return found


async def claim_norm_met(
    session: AsyncSession, cycle_id: uuid.UUID, person_id: uuid.UUID, met_on: date, at: datetime
) -> bool:
    """Record that the cycle's norm is announced as met; False when it was already (by this or another
    transaction: the primary key decides, so the announcement goes out once)."""
    statement = insert_ignoring_duplicates(session, norm_met_announcements, "cycle_id").returning(
        norm_met_announcements.c.cycle_id
    )
    result = await session.execute(
        statement, [{"cycle_id": cycle_id, "person_id": person_id, "met_on": met_on, "announced_at": at}]
    )
    return result.first() is not None
