"""Keeping the local read model of registrations up to date from registry events."""

from __future__ import annotations

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.db import upsert
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters import repository as repo
from portfolio.adapters.orm import cycles, registered_people


async def record_registration(uow: UnitOfWork, event: contracts.RegistrationGranted, _envelope: Envelope) -> None:
    """A person became registered (first time or on re-entry); the caller commits (the inbox shares the
    transaction). Keyed on person_id, so the read model holds one row per person whatever arrives twice.
    """
    await upsert(
        uow.session,
        registered_people,
        {
            "person_id": event.person_id,
            "registration_number": event.registration_number,
            "initials": event.initials,
            "surname": event.surname,
            "registered_since": event.registered_since,
            "status": "registered",
            "employer_id": event.employer_id,
        },
        key=["person_id"],
    )


async def record_status_change(
    uow: UnitOfWork, event: contracts.RegistrationStatusChanged, _envelope: Envelope
) -> None:
    """Keep the status of a registration current."""
    await uow.session.execute(
        sa.update(registered_people)
        .where(registered_people.c.person_id == event.person_id)
        .values(status=event.new_status)
    )


async def record_cycle(uow: UnitOfWork, event: contracts.CycleOpened, _envelope: Envelope) -> None:
    """Remember a cycle the registry opened (an extension re-announces it with a later end date)."""
    await upsert(
        uow.session,
        cycles,
        {
            "cycle_id": event.cycle_id,
            "person_id": event.person_id,
            "sequence": event.sequence,
            "starts_on": event.starts_on,
            "ends_on": event.ends_on,
            "scheme_version": event.scheme_version,
        },
        key=["cycle_id"],
    )


async def record_person_update(uow: UnitOfWork, event: contracts.PersonUpdated, _envelope: Envelope) -> None:
    """Keep name and employer current (the employer goes into re-registration dossiers for the audit's conflict of
    interest rules). A person the portfolio does not know yet is left to RegistrationGranted, which carries both."""
    await repo.update_person_details(
        uow.session, event.person_id, initials=event.initials, surname=event.surname, employer_id=event.employer_id
    )
