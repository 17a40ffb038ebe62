"""People: their own and work details, the eligibility notices a drop in hours raises, and the person replies
built from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from registry.adapters.orm import accounts, eligibility_notices, people, registrations
from registry.adapters.sql import as_utc
from registry.domain.people import EmployerKind, roles_of, sorted_roles
from registry.domain.person_changes import WorkDetails, is_below_minimum


def with_account_and_registration(query: sa.Select[Any]) -> sa.Select[Any]:
    """``query`` over people joined to their account and registration, either of which may be missing."""
    return query.outerjoin(accounts, accounts.c.account_id == people.c.person_id).outerjoin(
        registrations, registrations.c.person_id == people.c.person_id
    )


async def person_row(session: AsyncSession, person_id: uuid.UUID, *, for_update: bool = False) -> Any:
    """The person's row, or None (locked until the commit with ``for_update``)."""
    query = sa.select(people).where(people.c.person_id == person_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


def work_details(row: Any) -> WorkDetails:
    """A people row as the domain's WorkDetails."""
    return WorkDetails(
        initials=row.initials,
        surname=row.surname,
        roles=roles_of(row.roles),
        employer_name=row.employer_name,
        employer_kind=EmployerKind(row.employer_kind) if row.employer_kind else None,
        hours_per_week=Decimal(row.hours_per_week) if row.hours_per_week is not None else None,
    )


async def store_work_details(
    session: AsyncSession, person_id: uuid.UUID, details: WorkDetails, *, employer_id: str | None, now: datetime
) -> None:
    """Write the person's own and work details as changed."""
    await session.execute(
        sa.update(people)
        .where(people.c.person_id == person_id)
        .values(
            initials=details.initials,
            surname=details.surname,
            roles=[role.value for role in sorted_roles(details.roles)],
            employer_name=details.employer_name,
            employer_kind=details.employer_kind.value if details.employer_kind else None,
            employer_id=employer_id,
            hours_per_week=details.hours_per_week,
            updated_at=now,
        )
    )


async def add_eligibility_notice(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    previous_hours: Decimal | None,
    hours: Decimal,
    minimum_hours: Decimal,
    now: datetime,
) -> None:
    """Record for the office that the person's hours dropped below the minimum."""
    await session.execute(
        sa.insert(eligibility_notices).values(
            notice_id=uuid.uuid4(),
            person_id=person_id,
            previous_hours_per_week=previous_hours,
            hours_per_week=hours,
            minimum_hours_per_week=minimum_hours,
            recorded_at=now,
        )
    )


async def person_view(
    session: AsyncSession, person_id: uuid.UUID, *, minimum_hours_per_week: Decimal
) -> contracts.PersonView | None:
    """The person's own and work details as Mijn LKLR shows them, or None."""
    row = (
        await session.execute(
            with_account_and_registration(
                sa.select(people, accounts.c.email, registrations.c.registration_number, registrations.c.status)
            ).where(people.c.person_id == person_id)
        )
    ).first()
    if row is None:
        return None
    hours = Decimal(row.hours_per_week) if row.hours_per_week is not None else None
    return contracts.PersonView(
        person_id=person_id,
        email=row.email,
        initials=row.initials,
        surname=row.surname,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        employer_name=row.employer_name,
        employer_kind=row.employer_kind,
        hours_per_week=hours,
        minimum_hours_per_week=minimum_hours_per_week,
        below_minimum_hours=is_below_minimum(hours, minimum_hours_per_week),
        registration_number=row.registration_number,
        registration_status=row.status,
    )


async def eligibility_notice_views(
    session: AsyncSession, person_id: uuid.UUID | None = None
) -> list[contracts.EligibilityNoticeView]:
    """Recorded drops below the minimum hours (of one person, if given), newest first."""
    query = (
        sa.select(eligibility_notices, people.c.initials, people.c.surname, registrations.c.registration_number)
        .join(people, people.c.person_id == eligibility_notices.c.person_id)
        .outerjoin(registrations, registrations.c.person_id == eligibility_notices.c.person_id)
        .order_by(eligibility_notices.c.recorded_at.desc())
    )
    if person_id is not None:
        query = query.where(eligibility_notices.c.person_id == person_id)
    rows = (await session.execute(query)).all()
    return [
        contracts.EligibilityNoticeView(
            notice_id=row.notice_id,
            person_id=row.person_id,
            initials=row.initials,
            surname=row.surname,
            registration_number=row.registration_number,
            previous_hours_per_week=(
                Decimal(row.previous_hours_per_week) if row.previous_hours_per_week is not None else None
            ),
            hours_per_week=Decimal(row.hours_per_week),
            minimum_hours_per_week=Decimal(row.minimum_hours_per_week),
            recorded_at=as_utc(row.recorded_at),
        )
        for row in rows
    ]
