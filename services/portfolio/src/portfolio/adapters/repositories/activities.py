"""Entries (activities), their versions (the history of every change) and the person's last portfolio visit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio.adapters.orm import activities, activity_versions, portfolio_visits
from portfolio.adapters.repositories.rows import as_utc, insert_ignoring_duplicates, maybe_utc, shallow_dict

# --- entries --------------------------------------------------------------------------------------------------


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
    # who
    actor_kind: str
    actor_id: str
    # when and from where
    changed_at: datetime
    origin: str
    # what changed and why
    change: str
    reason: str
    # the result
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


# --- visits ------------------------------------------------------------------------------------------------------


async def get_last_seen(session: AsyncSession, person_id: uuid.UUID) -> datetime | None:
    value = (
        await session.execute(
            sa.select(portfolio_visits.c.last_seen_at).where(portfolio_visits.c.person_id == person_id)
        )
    ).scalar_one_or_none()
    return maybe_utc(value)


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
