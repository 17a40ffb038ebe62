"""Keeping the local read model of registrations up to date from registry events.

Events of one person may arrive out of order (a redelivery after a failure, a retry, several consumers): each row
remembers when the event that set it happened, an older event never overwrites a newer fact, and a status change
that arrives before its registration waits until the registration is there. The handlers of one person run one at a
time (a transaction-scoped lock), so the check and the write cannot interleave with another event of that person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.people import StatusRecord


def _newer(at: datetime, than: datetime | None) -> bool:
    return than is None or than < at


def registration_row(
    event: contracts.RegistrationGranted, envelope: Envelope, known: Iterable[StatusRecord | None]
) -> dict[str, Any]:
    """The read model's row of a granted registration: its status is "registered" as of the grant, unless a status
    change already known (`known`: the stored one, one that arrived before the registration) happened later."""
    status, changed_at = "registered", envelope.occurred_at
    for record in known:
        if record is not None and record.changed_at is not None and record.changed_at > changed_at:
            status, changed_at = record.status, record.changed_at
    return {
        "person_id": event.person_id,
        "registration_number": event.registration_number,
        "initials": event.initials,
        "surname": event.surname,
        "registered_since": event.registered_since,
        "status": status,
        "status_changed_at": changed_at,
        "employer_id": event.employer_id,
    }


async def record_registration(uow: UnitOfWork, event: contracts.RegistrationGranted, envelope: Envelope) -> None:
    """A person became registered (first time or on re-entry); the caller commits (the inbox shares the
    transaction). Keyed on person_id, so the read model holds one row per person whatever arrives twice; the status
    is the newest one known, whichever event brought it."""
    session = uow.session
    await people_repo.one_person_at_a_time(session, event.person_id)
    current = await people_repo.registration_status(session, event.person_id)
    early = await people_repo.early_status_change(session, event.person_id)
    await people_repo.save_registration(session, registration_row(event, envelope, (current, early)))
    if early is not None:
        await people_repo.forget_early_status_change(session, event.person_id)


async def record_status_change(uow: UnitOfWork, event: contracts.RegistrationStatusChanged, envelope: Envelope) -> None:
    """Keep the status of a registration current: the newest change wins, whatever order they arrive in."""
    session = uow.session
    await people_repo.one_person_at_a_time(session, event.person_id)
    current = await people_repo.registration_status(session, event.person_id)
    if current is not None:
        if _newer(envelope.occurred_at, current.changed_at):
            await people_repo.set_status(session, event.person_id, event.new_status, envelope.occurred_at)
        return
    early = await people_repo.early_status_change(session, event.person_id)
    if early is None or _newer(envelope.occurred_at, early.changed_at):
        await people_repo.keep_early_status_change(session, event.person_id, event.new_status, envelope.occurred_at)


async def record_cycle(uow: UnitOfWork, event: contracts.CycleOpened, envelope: Envelope) -> None:
    """Remember a cycle the registry opened (an extension re-announces it with a later end date); an older
    announcement arriving after a newer one changes nothing."""
    session = uow.session
    await people_repo.one_person_at_a_time(session, event.person_id)
    if not _newer(envelope.occurred_at, await people_repo.cycle_announced_at(session, event.cycle_id)):
        return
    await people_repo.save_cycle(session, cycle_row(event, envelope))


def cycle_row(event: contracts.CycleOpened, envelope: Envelope) -> dict[str, Any]:
    """The read model's row of an announced cycle, as of the announcement."""
    return {
        "cycle_id": event.cycle_id,
        "person_id": event.person_id,
        "sequence": event.sequence,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "scheme_version": event.scheme_version,
        "announced_at": envelope.occurred_at,
    }


async def record_person_update(uow: UnitOfWork, event: contracts.PersonUpdated, _envelope: Envelope) -> None:
    """Keep name and employer current (the employer goes into re-registration dossiers for the audit's conflict of
    interest rules). A person the portfolio does not know yet is left to RegistrationGranted, which carries both."""
    await people_repo.update_person_details(
        uow.session, event.person_id, initials=event.initials, surname=event.surname, employer_id=event.employer_id
    )
