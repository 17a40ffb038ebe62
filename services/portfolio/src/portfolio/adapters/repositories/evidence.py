"""Evidence files and their uploads (the bytes themselves are in the blob store)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import (
    activities,
    activity_versions,
    evidence_files,
    evidence_uploads,
    objection_evidence_grants,
    review_evidence_grants,
)
from portfolio.adapters.repositories.rows import as_utc

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
