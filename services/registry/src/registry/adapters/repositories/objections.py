"""Objections (bezwaar) against the register's decisions about a person, and the decisions they can be against."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.objections import OPEN_STATES, ObjectionOutcome
from registry.adapters.orm import objections, people, registrations
from registry.adapters.orm import status_history as history
from registry.domain.objections import HOLDS_REGISTRATION
from registry.domain.status import RegistrationStatus

_OPEN = [state.value for state in OPEN_STATES]


def holds_registration(person_id: Any) -> sa.ColumnElement[bool]:
    """SQL: the person has an open objection against a refused re-registration (their registration stays)."""
    return sa.exists().where(
        objections.c.person_id == person_id,
        objections.c.state.in_(_OPEN),
        objections.c.decision_kind.in_([kind.value for kind in HOLDS_REGISTRATION]),
    )


async def is_held(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """Whether an open objection keeps the person's registration in force now."""
    return bool((await session.execute(sa.select(holds_registration(person_id)))).scalar())


async def measures_of(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """The person's suspensions and strikings-off in the status history (entry id, status, time, reason)."""
    rows = await session.execute(
        sa.select(history.c.entry_id, history.c.to_status, history.c.at, history.c.reason).where(
            history.c.person_id == person_id,
            history.c.to_status.in_([RegistrationStatus.SUSPENDED.value, RegistrationStatus.STRUCK_OFF.value]),
        )
    )
    return list(rows)


def _select() -> sa.Select[Any]:
    return (
        sa.select(objections, people.c.initials, people.c.surname, registrations.c.registration_number)
        .join(people, people.c.person_id == objections.c.person_id)
        .outerjoin(registrations, registrations.c.person_id == objections.c.person_id)
    )


async def load(session: AsyncSession, objection_id: uuid.UUID, *, for_update: bool = False) -> Any:
    """One objection with the objector's name and registration number, or None."""
    statement = _select().where(objections.c.objection_id == objection_id)
    if for_update:
        statement = statement.with_for_update(of=objections)
    return (await session.execute(statement)).first()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """The person's objections, newest first."""
    rows = await session.execute(
        _select().where(objections.c.person_id == person_id).order_by(objections.c.received_at.desc())
    )
    return list(rows.all())


async def queue(session: AsyncSession, *, include_decided: bool, limit: int) -> list[Any]:
    """Up to ``limit`` objections: open ones by decision deadline (soonest first), then decided ones, newest
    first (only with ``include_decided``)."""
    is_open = objections.c.state.in_(_OPEN)
    statement = _select()
    if not include_decided:
        statement = statement.where(is_open)
    statement = statement.order_by(
        sa.case((is_open, 0), else_=1), objections.c.decision_due_on, objections.c.received_at.desc()
    ).limit(limit)
    return list((await session.execute(statement)).all())


async def exists_against(session: AsyncSession, decision_kind: str, decision_reference: str) -> bool:
    """Whether the decision has been objected to already."""
    found = await session.execute(
        sa.select(objections.c.objection_id).where(
            objections.c.decision_kind == decision_kind, objections.c.decision_reference == decision_reference
        )
    )
    return found.first() is not None


async def insert(session: AsyncSession, objection_id: uuid.UUID, **values: Any) -> None:
    """Store a filed objection."""
    await session.execute(sa.insert(objections).values(objection_id=objection_id, **values))


async def update(session: AsyncSession, objection_id: uuid.UUID, **values: Any) -> None:
    """Store a step of the office on the objection."""
    await session.execute(sa.update(objections).where(objections.c.objection_id == objection_id).values(**values))


async def counts_per_year(session: AsyncSession) -> list[Any]:
    """Per year of filing: objections filed, upheld, not upheld and still open."""
    year = sa.extract("year", objections.c.filed_on)
    rows = await session.execute(
        sa.select(
            year.label("year"),
            sa.func.count().label("filed"),
            sa.func.count().filter(objections.c.outcome == ObjectionOutcome.UPHELD.value).label("upheld"),
            sa.func.count().filter(objections.c.outcome == ObjectionOutcome.NOT_UPHELD.value).label("not_upheld"),
            sa.func.count().filter(objections.c.state.in_(_OPEN)).label("open"),
        )
        .group_by(year)
        .order_by(year)
    )
    return list(rows.all())
