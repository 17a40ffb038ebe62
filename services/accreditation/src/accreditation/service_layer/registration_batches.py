"""RegistrationGranted applied a batch at a time: the rules of `registrations.record_registration`, with one
statement per step for the whole run of events instead of several per event.

The batch consumer hands the handler a run of grants in arrival order per person, inside the batch's transaction.
It records every grant in the history (one insert), locks every person of the run at once (sorted, so two batches
cannot deadlock), reads their histories, newer names and rows in one query each, applies the grants to that state
in memory in the order given (so two grants of one person end as they would one after the other) and writes the
people's rows in one statement for the new and one for the known.
"""

from __future__ import annotations

import uuid
from typing import Any

from accreditation.adapters.repositories import registrations as repository
from accreditation.adapters.repositories.dialect import as_utc, lock_all_until_commit
from accreditation.domain.registrations import StatusEntry, current_status
from lklr_shared.kit.batch_consumer import BatchItems, BatchUnitOfWork


async def record_registrations(uow: BatchUnitOfWork, items: BatchItems) -> None:
    """RegistrationGranted for a run of events: `registrations.record_registration` for each, in one go."""
    session = uow.session
    person_ids = [event.person_id for event, _ in items]
    await lock_all_until_commit(session, "registration", person_ids)
    # Read before this run's history is written; each grant adds its own entry in memory below, in order.
    histories = await repository.histories_of(session, person_ids)
    names = await repository.names(session, person_ids)
    known = await repository.known_people(session, person_ids)
    await repository.add_histories(
        session,
        [
            {
                "person_id": event.person_id,
                "effective_on": event.registered_since,
                "status": "registered",
                "occurred_at": envelope.occurred_at,
                "source_message_id": envelope.message_id,
            }
            for event, envelope in items
        ],
    )
    new: dict[uuid.UUID, dict[str, Any]] = {}
    changed: dict[uuid.UUID, dict[str, Any]] = {}
    for event, envelope in items:
        person_id = event.person_id
        histories[person_id].append(StatusEntry(event.registered_since, "registered", envelope.occurred_at))
        status = current_status(histories[person_id]) or "registered"
        # A name change that happened after this grant (and overtook it) wins over the grant's name.
        newer = names.get(person_id)
        if newer is not None and as_utc(newer.changed_at) > envelope.occurred_at:
            initials, surname = newer.initials, newer.surname
        else:
            initials, surname = event.initials, event.surname
        if person_id in new:
            # Inserted by an earlier grant of this run: later grants change it as they would the stored row.
            new[person_id].update(initials=initials, surname=surname, status=status)
        elif person_id in known:
            changed[person_id] = {"initials": initials, "surname": surname, "status": status}
        else:
            new[person_id] = {
                "person_id": person_id,
                "registration_number": event.registration_number,
                "initials": initials,
                "surname": surname,
                "registered_since": event.registered_since,
                "status": status,
            }
    await repository.insert_people(session, list(new.values()))
    await repository.update_people(session, changed)
