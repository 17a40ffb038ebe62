"""Registration applications: their rows, and the one-pending-application rule the database guards."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import registration_applications
from registry.domain.applications import ApplicationStatus, RegistrationApplication
from registry.domain.people import sorted_roles


async def has_pending_application(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """Whether the person has an application waiting for a decision."""
    found = await session.execute(
        sa.select(registration_applications.c.application_id).where(
            registration_applications.c.person_id == person_id,
            registration_applications.c.status == ApplicationStatus.PENDING.value,
        )
    )
    return found.first() is not None


async def insert_pending(session: AsyncSession, application: RegistrationApplication) -> bool:
    """Store a submitted application; False when the partial unique index finds another pending application of
    the person (submitted at the same moment)."""
    try:
        await session.execute(
            sa.insert(registration_applications).values(
                application_id=application.id,
                person_id=application.person_id,
                roles=[role.value for role in sorted_roles(application.roles)],
                employer_name=application.employer_name,
                employer_kind=application.employer_kind.value,
                hours_per_week=application.hours_per_week,
                declaration_accepted=application.declaration_accepted,
                submitted_at=application.submitted_at,
                status=ApplicationStatus.PENDING.value,
            )
        )
    except IntegrityError:
        return False
    return True


async def store_decision(
    session: AsyncSession,
    application_id: uuid.UUID,
    outcome: ApplicationStatus,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
    reason: str | None,
) -> None:
    """Store the office's decision on an application."""
    await session.execute(
        sa.update(registration_applications)
        .where(registration_applications.c.application_id == application_id)
        .values(
            status=outcome.value,
            decided_on=decided_on,
            decided_at=decided_at,
            decided_by=decided_by,
            reason=reason,
        )
    )


def of_person(person_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The condition for the person's applications (for the application views)."""
    return registration_applications.c.person_id == person_id


def pending() -> sa.ColumnElement[bool]:
    """The condition for applications waiting for a decision (for the application views)."""
    return registration_applications.c.status == ApplicationStatus.PENDING.value


async def rejected_of(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    """The person's rejected applications with their decision day and reason."""
    rows = await session.execute(
        sa.select(
            registration_applications.c.application_id,
            registration_applications.c.decided_on,
            registration_applications.c.reason,
        ).where(
            registration_applications.c.person_id == person_id,
            registration_applications.c.status == ApplicationStatus.REJECTED.value,
            registration_applications.c.decided_on.is_not(None),
        )
    )
    return list(rows)
