"""Keeping the local read model of registrations up to date from registry events.

Handlers get (uow, event, envelope) and do not commit: the consumer commits after recording the inbox row, so
the effect and "this message was handled" are one transaction. Every event adds a history entry (keyed by its
message id, so even a message that slipped past the inbox cannot be counted twice); the person's row and its
current status are derived from the history, whatever order the events arrived in. Names follow the same idea:
the newest PersonUpdated (by when it happened) wins, whether it arrives before or after the grant.

Every handler takes the person's advisory lock before it reads what another handler may write (history, names):
the consumer applies messages concurrently, and under READ COMMITTED only a read after the lock sees what the
transaction holding it before committed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from accreditation.adapters.repositories import registrations as repository
from accreditation.adapters.repositories.dialect import Session, as_utc, lock_until_commit
from accreditation.domain.registrations import current_status
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork

log = logging.getLogger(__name__)


async def _add_history(
    session: Session, person_id: uuid.UUID, effective_on: date, status: str, envelope: Envelope
) -> None:
    await repository.add_history(
        session,
        person_id,
        effective_on,
        status,
        occurred_at=envelope.occurred_at,
        source_message_id=envelope.message_id,
    )


async def _current_status(session: Session, person_id: uuid.UUID) -> str | None:
    return current_status(await repository.history_of(session, person_id))


async def _newer_name(session: Session, person_id: uuid.UUID, than: Envelope) -> tuple[str, str] | None:
    """The person's name from a PersonUpdated that happened after ``than``, if one arrived (read under the lock)."""
    row = await repository.name(session, person_id)
    if row is None or as_utc(row.changed_at) <= than.occurred_at:
        return None
    return row.initials, row.surname


async def record_registration(uow: UnitOfWork, event: contracts.RegistrationGranted, envelope: Envelope) -> None:
    """A person became registered (first time, or again after a lapse: re-entry is a new grant)."""
    session = uow.session
    await _add_history(session, event.person_id, event.registered_since, "registered", envelope)
    await lock_until_commit(session, "registration", event.person_id)
    status = await _current_status(session, event.person_id) or "registered"
    # A name change that happened after this grant (and overtook it) wins over the grant's name.
    initials, surname = await _newer_name(session, event.person_id, envelope) or (event.initials, event.surname)
    if not await repository.is_known(session, event.person_id):
        await repository.insert_person(
            session,
            person_id=event.person_id,
            registration_number=event.registration_number,
            initials=initials,
            surname=surname,
            registered_since=event.registered_since,
            status=status,
        )
    else:
        # Keep the first registration date: earlier periods stay in the history, and in this column.
        await repository.update_person(session, event.person_id, initials=initials, surname=surname, status=status)


async def record_status_change(uow: UnitOfWork, event: contracts.RegistrationStatusChanged, envelope: Envelope) -> None:
    """Keep the status history (and the current status) of a registration.

    A change may arrive before the grant it follows; its history entry is kept all the same, and the person's
    row takes it into account when the grant arrives.
    """
    session = uow.session
    await _add_history(session, event.person_id, event.effective_on, event.new_status, envelope)
    await lock_until_commit(session, "registration", event.person_id)
    status = await _current_status(session, event.person_id)
    if status is not None:
        await repository.update_person(session, event.person_id, status=status)


async def record_person_update(uow: UnitOfWork, event: contracts.PersonUpdated, envelope: Envelope) -> None:
    """A registered person changed their details: keep their name current (providers see it beside their posts).

    Only the name is kept here; employer and hours are the registry's business. A change older than the one
    already applied (two changes overtaking each other) is left out, so the newest always wins.
    """
    session = uow.session
    await lock_until_commit(session, "registration", event.person_id)
    known = await repository.name(session, event.person_id)
    if known is not None and as_utc(known.changed_at) >= envelope.occurred_at:
        log.info("name change %s of %s is older than the one applied; left out", envelope.message_id, event.person_id)
        return
    await repository.save_name(
        session,
        person_id=event.person_id,
        initials=event.initials,
        surname=event.surname,
        changed_at=envelope.occurred_at,
        source_message_id=envelope.message_id,
    )
    # No row yet (the grant has not arrived): the grant takes the name from person_names when it does.
    await repository.update_person(session, event.person_id, initials=event.initials, surname=event.surname)
