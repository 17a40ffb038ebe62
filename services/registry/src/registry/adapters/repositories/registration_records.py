"""A registration's records: the registration with its cycles and status history, the applications for it, and
the replies built from them (what of them leaves the service in a reply is decided here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import registry as contracts
from registry.adapters.orm import (
    accounts,
    credentials,
    cycle_extensions,
    cycles,
    people,
    registration_applications,
    registrations,
    status_history,
)
from registry.adapters.sql import as_utc, as_utc_or_none
from registry.domain.applications import ApplicationDecision, ApplicationStatus, RegistrationApplication
from registry.domain.cycles import Cycle, Extension, ExtensionReason
from registry.domain.people import EmployerKind, roles_of, sorted_roles
from registry.domain.registration_number import RegistrationNumber
from registry.domain.registrations import Registration
from registry.domain.status import RegistrationStatus, StatusChange


def application_from_row(row: Any) -> RegistrationApplication:
    """A registration_applications row as the domain's RegistrationApplication."""
    decision = None
    if row.status != ApplicationStatus.PENDING:
        decision = ApplicationDecision(
            outcome=ApplicationStatus(row.status),
            decided_on=row.decided_on,
            decided_at=as_utc(row.decided_at),
            decided_by=row.decided_by,
            reason=row.reason,
        )
    return RegistrationApplication(
        id=row.application_id,
        person_id=row.person_id,
        roles=roles_of(row.roles),
        employer_name=row.employer_name,
        employer_kind=EmployerKind(row.employer_kind),
        hours_per_week=Decimal(row.hours_per_week),
        declaration_accepted=row.declaration_accepted,
        submitted_at=as_utc(row.submitted_at),
        decision=decision,
    )


async def application_row(session: AsyncSession, application_id: uuid.UUID, *, for_update: bool = False) -> Any:
    query = sa.select(registration_applications).where(registration_applications.c.application_id == application_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def latest_cycle_row(session: AsyncSession, person_id: uuid.UUID) -> Any:
    return (
        await session.execute(
            sa.select(cycles).where(cycles.c.person_id == person_id).order_by(cycles.c.sequence.desc()).limit(1)
        )
    ).first()


@dataclass(frozen=True, slots=True)
class StoredCycle:
    """A cycle row as the domain's Cycle (extensions included), with the row's identity and scheme version."""

    cycle_id: uuid.UUID
    person_id: uuid.UUID
    sequence: int
    scheme_version: str
    cycle: Cycle


async def _extensions_of(session: AsyncSession, cycle_id: uuid.UUID) -> tuple[Extension, ...]:
    rows = (
        await session.execute(
            sa.select(cycle_extensions.c.case_reference, cycle_extensions.c.reason, cycle_extensions.c.weeks)
            .where(cycle_extensions.c.cycle_id == cycle_id)
            .order_by(cycle_extensions.c.granted_at, cycle_extensions.c.extension_id)
        )
    ).all()
    return tuple(
        Extension(case=row.case_reference, reason=ExtensionReason(row.reason), weeks=row.weeks) for row in rows
    )


async def stored_cycle(session: AsyncSession, row: Any) -> StoredCycle:
    """A ``cycles`` row as a :class:`StoredCycle`, its extensions loaded."""
    return StoredCycle(
        cycle_id=row.cycle_id,
        person_id=row.person_id,
        sequence=row.sequence,
        scheme_version=row.scheme_version,
        cycle=Cycle.restored(row.starts_on, row.ends_on, await _extensions_of(session, row.cycle_id)),
    )


async def current_cycle(session: AsyncSession, person_id: uuid.UUID) -> StoredCycle | None:
    """The person's latest cycle (the one a re-registration, a reminder or an expiry is about), or None."""
    row = await latest_cycle_row(session, person_id)
    return None if row is None else await stored_cycle(session, row)


async def _status_history_rows(session: AsyncSession, person_id: uuid.UUID) -> list[Any]:
    return list(
        (
            await session.execute(
                sa.select(status_history)
                .where(status_history.c.person_id == person_id)
                .order_by(status_history.c.at, status_history.c.entry_id)
            )
        ).all()
    )


async def load_registration(
    session: AsyncSession, person_id: uuid.UUID, *, for_update: bool = False
) -> Registration | None:
    """The person's registration with its current cycle and status history, or None."""
    query = sa.select(registrations).where(registrations.c.person_id == person_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        return None
    cycle_row = await latest_cycle_row(session, person_id)
    if cycle_row is None:
        raise LookupError(f"registration of {person_id} has no cycle")
    current = await stored_cycle(session, cycle_row)
    history_rows = await _status_history_rows(session, person_id)
    return Registration(
        person_id=person_id,
        number=RegistrationNumber(row.registration_number),
        status=RegistrationStatus(row.status),
        registered_since=row.registered_since,
        cycle=current.cycle,
        history=tuple(
            StatusChange(
                from_status=RegistrationStatus(entry.from_status),
                to_status=RegistrationStatus(entry.to_status),
                at=as_utc(entry.at),
                by=entry.changed_by,
                reason=entry.reason,
            )
            for entry in history_rows
        ),
    )


async def person_id_for_number(session: AsyncSession, number: RegistrationNumber) -> uuid.UUID | None:
    found = await session.execute(
        sa.select(registrations.c.person_id).where(registrations.c.registration_number == number.value)
    )
    person_id: uuid.UUID | None = found.scalar_one_or_none()
    return person_id


# Moving a registration to one of these revokes the person's verifiable credentials (service_layer.credentials).
REVOKING_STATUSES = frozenset({RegistrationStatus.EXPIRED, RegistrationStatus.SUSPENDED, RegistrationStatus.STRUCK_OFF})


async def record_status_change(session: AsyncSession, person_id: uuid.UUID, change: StatusChange) -> None:
    """Append one entry to the status history; an ending status revokes the person's credentials in the same
    transaction, so the published status list shows it as soon as the change is committed."""
    if change.to_status in REVOKING_STATUSES:
        await session.execute(
            sa.update(credentials)
            .where(credentials.c.person_id == person_id, credentials.c.revoked_at.is_(None))
            .values(revoked_at=change.at, revoked_reason=change.to_status.value)
        )
    await session.execute(
        sa.insert(status_history).values(
            person_id=person_id,
            from_status=change.from_status.value,
            to_status=change.to_status.value,
            at=change.at,
            changed_by=change.by,
            reason=change.reason,
        )
    )


_applications_query = (
    sa.select(
        registration_applications,
        people.c.initials,
        people.c.surname,
        accounts.c.email,
        registrations.c.registration_number,
    )
    .join(people, people.c.person_id == registration_applications.c.person_id)
    .outerjoin(accounts, accounts.c.account_id == registration_applications.c.person_id)
    .outerjoin(registrations, registrations.c.person_id == registration_applications.c.person_id)
)


def _application_view(row: Any) -> contracts.ApplicationView:
    approved = row.status == "approved"
    return contracts.ApplicationView(
        application_id=row.application_id,
        person_id=row.person_id,
        applicant_initials=row.initials,
        applicant_surname=row.surname,
        applicant_email=row.email,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        employer_name=row.employer_name,
        employer_kind=row.employer_kind,
        hours_per_week=Decimal(row.hours_per_week),
        submitted_at=as_utc(row.submitted_at),
        status=row.status,
        decided_on=row.decided_on,
        decided_at=as_utc_or_none(row.decided_at),
        reason=row.reason,
        # The number belongs to the registration, which exists only after approval (a rejected re-entry
        # applicant keeps an old number that this application did not issue).
        registration_number=row.registration_number if approved else None,
    )


async def application_view(session: AsyncSession, application_id: uuid.UUID) -> contracts.ApplicationView | None:
    row = (
        await session.execute(_applications_query.where(registration_applications.c.application_id == application_id))
    ).first()
    return None if row is None else _application_view(row)


async def application_views(
    session: AsyncSession, *conditions: sa.ColumnElement[bool], newest_first: bool = False
) -> list[contracts.ApplicationView]:
    order = registration_applications.c.submitted_at
    rows = (
        await session.execute(_applications_query.where(*conditions).order_by(order.desc() if newest_first else order))
    ).all()
    return [_application_view(row) for row in rows]


def _cycle_view(row: Any) -> contracts.CycleView:
    return contracts.CycleView(
        cycle_id=row.cycle_id,
        sequence=row.sequence,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        scheme_version=row.scheme_version,
        norm_met_on=row.norm_met_on,
    )


async def registration_view(session: AsyncSession, person_id: uuid.UUID) -> contracts.RegistrationView | None:
    """The registration with every cycle and the status history (history without who changed it: the
    person sees what happened and why; the actor reference stays in the registry's own records)."""
    row = (
        await session.execute(
            sa.select(registrations, people.c.initials, people.c.surname, people.c.roles)
            .join(people, people.c.person_id == registrations.c.person_id)
            .where(registrations.c.person_id == person_id)
        )
    ).first()
    if row is None:
        return None
    cycle_rows = (
        await session.execute(sa.select(cycles).where(cycles.c.person_id == person_id).order_by(cycles.c.sequence))
    ).all()
    history_rows = await _status_history_rows(session, person_id)
    cycle_views = [_cycle_view(cycle) for cycle in cycle_rows]
    current = cycle_views[-1] if cycle_views else None
    struck_off = row.status == RegistrationStatus.STRUCK_OFF
    return contracts.RegistrationView(
        person_id=person_id,
        registration_number=row.registration_number,
        initials=row.initials,
        surname=row.surname,
        roles=[role.value for role in sorted_roles(roles_of(row.roles))],
        status=row.status,
        registered_since=row.registered_since,
        valid_until=None if struck_off or current is None else current.ends_on,
        current_cycle=current,
        cycles=cycle_views,
        status_history=[
            contracts.StatusChangeView(
                from_status=entry.from_status, to_status=entry.to_status, at=as_utc(entry.at), reason=entry.reason
            )
            for entry in history_rows
        ],
    )


async def applications_of(session: AsyncSession, person_id: uuid.UUID) -> list[contracts.ApplicationView]:
    """Every application the person made, oldest first."""
    return await application_views(session, registration_applications.c.person_id == person_id)
