"""Reading and writing the audit's tables. Use cases call these inside their unit of work's transaction.

Rows come back as small frozen dataclasses (or domain values), so the rest of the service never handles
SQLAlchemy rows. Bulk paths (a batch of dossiers) use multi-row statements: one round trip per table per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import (
    case_activities,
    dossier_rounds,
    dossiers,
    information_answers,
    judgements,
    review_cases,
    reviewers,
    sampling_seeds,
)
from audit.domain.assignment import Reviewer
from audit.domain.cases import RecordedJudgement
from audit.domain.judgement import Judgement, Verdict

# Advisory-lock key of reviewer assignment in this database ("AU" + 1). Every transaction that assigns cases takes
# it first, so loads are counted and raised by one transaction at a time, whatever the number of replicas.
_ASSIGNMENT_LOCK = 0x4155_0001


def as_utc(moment: datetime) -> datetime:
    """The moment with its UTC zone (SQLite stores aware times but returns them naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert(session: AsyncSession, table: sa.Table) -> Any:
    """A dialect-specific INSERT, so ON CONFLICT is available on PostgreSQL and SQLite alike."""
    return (postgresql if _dialect(session) == "postgresql" else sqlite).insert(table)


# --- seeds -------------------------------------------------------------------------------------------------------


async def get_or_create_seed(session: AsyncSession, year: int, candidate: str, now: datetime) -> str:
    """The recorded seed of ``year``; ``candidate`` becomes it when none is recorded yet.

    Insert-or-ignore then read: two replicas racing both end up with the one seed that won the key.
    """
    await session.execute(
        _insert(session, sampling_seeds)
        .values(year=year, seed=candidate, created_at=now)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    seed = (await session.execute(sa.select(sampling_seeds.c.seed).where(sampling_seeds.c.year == year))).scalar_one()
    return str(seed)


# --- dossiers ----------------------------------------------------------------------------------------------------


async def insert_new_rounds(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[tuple[uuid.UUID, int]]:
    """Record dossier rounds, skipping those already recorded; return the (dossier, round) keys that were new.

    The key is DossierFrozen's natural key: whatever message id a re-sent event has, it is handled once.
    """
    if not rows:
        return set()
    statement = (
        _insert(session, dossier_rounds)
        .on_conflict_do_nothing(index_elements=["dossier_id", "round"])
        .returning(dossier_rounds.c.dossier_id, dossier_rounds.c.round)
    )
    result = await session.execute(statement, list(rows))
    return {(row[0], row[1]) for row in result}


async def insert_dossiers(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(dossiers), list(rows))


@dataclass(frozen=True, slots=True)
class DossierRecord:
    dossier_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    employer_id: str
    scheme_version: str
    applied_on: date
    audit_year: int
    round: int
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    sampled: bool
    seed: str
    draw: float
    exemption_reason: str | None
    status: str
    outcome: str | None
    was_returned: bool
    correction_deadline: date | None
    concluded_on: date | None
    received_at: datetime


async def get_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, for_update: bool = False
) -> DossierRecord | None:
    query = sa.select(dossiers).where(dossiers.c.dossier_id == dossier_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else DossierRecord(**(dict(row) | {"received_at": as_utc(row["received_at"])}))


async def update_dossier(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(dossiers).where(dossiers.c.dossier_id == dossier_id).values(**values))


async def expired_corrections(session: AsyncSession, deadline_before: date, *, limit: int = 100) -> list[uuid.UUID]:
    """Dossiers returned for correction whose deadline lies before ``deadline_before``, locked for this
    transaction; rows another replica holds are skipped (it is handling them)."""
    query = (
        sa.select(dossiers.c.dossier_id)
        .where(dossiers.c.status == "returned_for_correction", dossiers.c.correction_deadline < deadline_before)
        .order_by(dossiers.c.correction_deadline)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [row[0] for row in await session.execute(query)]


# --- reviewers and assignment ------------------------------------------------------------------------------------


async def lock_assignment(session: AsyncSession) -> None:
    """Serialise assignment across replicas until the transaction ends (SQLite has a single writer anyway)."""
    if _dialect(session) == "postgresql":
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ASSIGNMENT_LOCK)))


@dataclass(frozen=True, slots=True)
class ReviewerRecord:
    reviewer_id: uuid.UUID
    person_id: uuid.UUID | None
    employer_id: str
    name: str
    active: bool
    open_cases: int

    def as_domain(self) -> Reviewer:
        return Reviewer(
            reviewer_id=self.reviewer_id,
            employer_id=self.employer_id,
            person_id=self.person_id,
            active=self.active,
            load=self.open_cases,
        )


async def reviewers_with_loads(session: AsyncSession) -> list[ReviewerRecord]:
    """Every reviewer with their load: the number of open cases assigned to them, counted now."""
    loads = (
        sa.select(review_cases.c.reviewer_id, sa.func.count().label("open_cases"))
        .where(review_cases.c.status == "open")
        .group_by(review_cases.c.reviewer_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(
            reviewers.c.reviewer_id,
            reviewers.c.person_id,
            reviewers.c.employer_id,
            reviewers.c.name,
            reviewers.c.active,
            sa.func.coalesce(loads.c.open_cases, 0),
        )
        .select_from(reviewers.outerjoin(loads, loads.c.reviewer_id == reviewers.c.reviewer_id))
        .order_by(reviewers.c.name, reviewers.c.reviewer_id)
    )
    return [ReviewerRecord(*row) for row in rows]


async def upsert_reviewer(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Add a reviewer, or update name, employer, person and active state of a known one."""
    statement = _insert(session, reviewers).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in {"reviewer_id", "registered_at"}}
    await session.execute(statement.on_conflict_do_update(index_elements=["reviewer_id"], set_=changes))


@dataclass(frozen=True, slots=True)
class WaitingCase:
    """A case without a reviewer, with what the conflict-of-interest rules need about its dossier's owner."""

    case_id: uuid.UUID
    person_id: uuid.UUID
    employer_id: str
    dossier_id: uuid.UUID


async def unassigned_cases(session: AsyncSession) -> list[WaitingCase]:
    rows = await session.execute(
        sa.select(review_cases.c.case_id, dossiers.c.person_id, dossiers.c.employer_id, dossiers.c.dossier_id)
        .select_from(review_cases.join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id))
        .where(review_cases.c.status == "unassigned")
        .order_by(review_cases.c.created_at, review_cases.c.case_id)
    )
    return [WaitingCase(*row) for row in rows]


async def count_unassigned(session: AsyncSession) -> int:
    query = sa.select(sa.func.count()).select_from(review_cases).where(review_cases.c.status == "unassigned")
    return int((await session.execute(query)).scalar_one())


async def assign_cases(session: AsyncSession, assignments: Mapping[uuid.UUID, uuid.UUID], now: datetime) -> None:
    """Give waiting cases their reviewer (case id → reviewer id)."""
    for case_id, reviewer_id in assignments.items():
        await session.execute(
            sa.update(review_cases)
            .where(review_cases.c.case_id == case_id, review_cases.c.status == "unassigned")
            .values(reviewer_id=reviewer_id, status="open", assigned_at=now)
        )


# --- cases -------------------------------------------------------------------------------------------------------


async def insert_cases(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(review_cases), list(rows))


async def insert_case_activities(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(case_activities), list(rows))


@dataclass(frozen=True, slots=True)
class CaseRecord:
    case_id: uuid.UUID
    dossier_id: uuid.UUID
    reviewer_id: uuid.UUID | None
    status: str
    self_entered_ids: list[str]
    created_at: datetime
    assigned_at: datetime | None
    closed_at: datetime | None


def _case(row: Mapping[Any, Any]) -> CaseRecord:
    return CaseRecord(
        **(
            dict(row)
            | {
                "created_at": as_utc(row["created_at"]),
                "assigned_at": _maybe_utc(row["assigned_at"]),
                "closed_at": _maybe_utc(row["closed_at"]),
            }
        )
    )


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False) -> CaseRecord | None:
    """One case; ``for_update`` locks it until the transaction ends: every change of a case (a judgement, an
    answer, the deadline job) takes this lock first, so a case is concluded exactly once."""
    query = sa.select(review_cases).where(review_cases.c.case_id == case_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _case(row)


async def case_of_dossier(
    session: AsyncSession, dossier_id: uuid.UUID, *, for_update: bool = False
) -> CaseRecord | None:
    query = sa.select(review_cases).where(review_cases.c.dossier_id == dossier_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else _case(row)


async def update_case(session: AsyncSession, case_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(review_cases).where(review_cases.c.case_id == case_id).values(**values))


@dataclass(frozen=True, slots=True)
class CaseActivityRecord:
    case_id: uuid.UUID
    activity_id: uuid.UUID
    rank: int
    category: str
    activity_type: str
    title: str
    description: str
    points: Decimal
    accredited: bool
    completion_date: date
    evidence: list[dict[str, Any]]


async def activities_of_case(session: AsyncSession, case_id: uuid.UUID) -> list[CaseActivityRecord]:
    rows = (
        await session.execute(
            sa.select(case_activities).where(case_activities.c.case_id == case_id).order_by(case_activities.c.rank)
        )
    ).mappings()
    return [CaseActivityRecord(**dict(row)) for row in rows]


async def activity_ids_of_cases(
    session: AsyncSession, case_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The sampled activities of several cases (case id → activity ids in rank order), in one query."""
    ids = list(case_ids)
    found: dict[uuid.UUID, list[uuid.UUID]] = {case_id: [] for case_id in ids}
    if ids:
        rows = await session.execute(
            sa.select(case_activities.c.case_id, case_activities.c.activity_id)
            .where(case_activities.c.case_id.in_(ids))
            .order_by(case_activities.c.case_id, case_activities.c.rank)
        )
        for case_id, activity_id in rows:
            found[case_id].append(activity_id)
    return found


# --- judgements and answers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredJudgement:
    """A judgement row: the domain's judgement, its place in the history, and who made it when."""

    recorded: RecordedJudgement
    judged_by: str
    judged_at: datetime


def _judgement(row: Mapping[Any, Any]) -> StoredJudgement:
    judgement = Judgement(
        activity_id=row["activity_id"],
        verdict=Verdict(row["verdict"]),
        judged_on=row["judged_on"],
        reason=row["reason"],
        information_deadline=row["information_deadline"],
    )
    return StoredJudgement(RecordedJudgement(row["sequence"], judgement), row["judged_by"], as_utc(row["judged_at"]))


async def judgement_history(
    session: AsyncSession, case_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[StoredJudgement]]:
    """Every judgement of the cases, oldest first per activity."""
    ids = list(case_ids)
    found: dict[uuid.UUID, list[StoredJudgement]] = {case_id: [] for case_id in ids}
    if not ids:
        return found
    rows = (
        await session.execute(
            sa.select(judgements)
            .where(judgements.c.case_id.in_(ids))
            .order_by(judgements.c.case_id, judgements.c.activity_id, judgements.c.sequence)
        )
    ).mappings()
    for row in rows:
        found[row["case_id"]].append(_judgement(row))
    return found


async def insert_judgement(
    session: AsyncSession,
    case_id: uuid.UUID,
    recorded: RecordedJudgement,
    *,
    judged_by: str,
    judged_at: datetime,
) -> None:
    judgement = recorded.judgement
    await session.execute(
        sa.insert(judgements).values(
            case_id=case_id,
            activity_id=judgement.activity_id,
            sequence=recorded.sequence,
            verdict=judgement.verdict.value,
            reason=judgement.reason,
            judged_on=judgement.judged_on,
            information_deadline=judgement.information_deadline,
            judged_by=judged_by,
            judged_at=judged_at,
        )
    )


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    activity_id: uuid.UUID
    request_sequence: int
    text: str
    evidence_ids: list[str]
    answered_at: datetime


async def answers_of(session: AsyncSession, case_id: uuid.UUID) -> list[AnswerRecord]:
    rows = await session.execute(
        sa.select(
            information_answers.c.activity_id,
            information_answers.c.request_sequence,
            information_answers.c.text,
            information_answers.c.evidence_ids,
            information_answers.c.answered_at,
        )
        .where(information_answers.c.case_id == case_id)
        .order_by(information_answers.c.answered_at)
    )
    return [AnswerRecord(a, s, t, list(e), as_utc(at)) for a, s, t, e, at in rows]


async def insert_answer(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(sa.insert(information_answers).values(**values))


async def cases_with_requests_due(session: AsyncSession, deadline_before: date, *, limit: int = 100) -> list[uuid.UUID]:
    """Open cases holding a request for more information with a deadline before ``deadline_before``.

    A candidate list only (the request may have been settled or answered since); the caller locks each case and
    decides from its full history.
    """
    query = (
        sa.select(judgements.c.case_id)
        .join(review_cases, review_cases.c.case_id == judgements.c.case_id)
        .where(
            review_cases.c.status == "open",
            judgements.c.verdict == Verdict.MORE_INFORMATION_NEEDED.value,
            judgements.c.information_deadline < deadline_before,
        )
        .distinct()
        .limit(limit)
    )
    return [row[0] for row in await session.execute(query)]


# --- queries for people and the public ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseLine:
    case_id: uuid.UUID
    dossier_id: uuid.UUID
    registration_number: str
    status: str
    assigned_at: datetime | None
    outcome: str | None


async def cases_of_reviewer(session: AsyncSession, reviewer_id: uuid.UUID, *, include_closed: bool) -> list[CaseLine]:
    query = (
        sa.select(
            review_cases.c.case_id,
            review_cases.c.dossier_id,
            dossiers.c.registration_number,
            review_cases.c.status,
            review_cases.c.assigned_at,
            dossiers.c.outcome,
        )
        .select_from(review_cases.join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id))
        .where(review_cases.c.reviewer_id == reviewer_id)
        .order_by((review_cases.c.status != "open"), review_cases.c.assigned_at, review_cases.c.case_id)
    )
    if not include_closed:
        query = query.where(review_cases.c.status == "open")
    return [CaseLine(c, d, n, s, _maybe_utc(at), o) for c, d, n, s, at, o in await session.execute(query)]


async def activity_counts(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not case_ids:
        return {}
    rows = await session.execute(
        sa.select(case_activities.c.case_id, sa.func.count())
        .where(case_activities.c.case_id.in_(list(case_ids)))
        .group_by(case_activities.c.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


async def open_cases_of_person(session: AsyncSession, person_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(case id, dossier id) of the person's cases under review."""
    rows = await session.execute(
        sa.select(review_cases.c.case_id, review_cases.c.dossier_id)
        .join(dossiers, dossiers.c.dossier_id == review_cases.c.dossier_id)
        .where(dossiers.c.person_id == person_id, review_cases.c.status == "open")
        .order_by(review_cases.c.created_at)
    )
    return [(case_id, dossier_id) for case_id, dossier_id in rows]


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    dossiers: int
    sampled: int
    met: int
    returned: int
    not_met: int
    in_progress: int


async def statistics(session: AsyncSession, year: int | None) -> list[YearFigures]:
    """Counts per year of application; nothing that identifies a person leaves this query."""

    def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = sa.select(
        dossiers.c.audit_year,
        sa.func.count(),
        count_where(dossiers.c.sampled.is_(True)),
        count_where(dossiers.c.outcome == "met"),
        count_where(dossiers.c.was_returned.is_(True)),
        count_where(dossiers.c.outcome == "not_met"),
        count_where(dossiers.c.status != "concluded"),
    ).group_by(dossiers.c.audit_year)
    if year is not None:
        query = query.where(dossiers.c.audit_year == year)
    rows = await session.execute(query.order_by(dossiers.c.audit_year))
    return [YearFigures(*(int(value) for value in row)) for row in rows]


async def automatic_check_of(session: AsyncSession, dossier_id: uuid.UUID, round_number: int) -> Any:
    """The stored automatic check of a dossier's round (JSON), or None."""
    return (
        await session.execute(
            sa.select(dossier_rounds.c.automatic_check).where(
                dossier_rounds.c.dossier_id == dossier_id, dossier_rounds.c.round == round_number
            )
        )
    ).scalar_one_or_none()
