"""Forgetting a person (registry.PersonErasureRequested): the attendance providers posted for them, disputes,
teaching claims, the xAPI statements and webhook deliveries that carried them, and stored Idempotency-Key
replies naming them, for the ``attendance`` kind; the read model of their registration (name, number, history)
for ``registration``. Confirmed with accreditation.PersonErased; the security log gets a line under the
erasure's pseudonym only.
"""

from __future__ import annotations

import logging

from accreditation.adapters.repositories import erasure as repository
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import finish_erasure
from lklr_shared.kit.outbox import UnitOfWork

log = logging.getLogger(__name__)


async def forget_person(uow: UnitOfWork, event: registry_events.PersonErasureRequested, _envelope: Envelope) -> None:
    """Erase what the event's kinds cover and confirm (a repeat finds nothing and confirms again with zeros)."""
    session = uow.session
    person_id = event.person_id
    kinds = set(event.kinds)
    everything = bool(kinds & {"registration", "account"})
    numbers = await repository.registration_numbers(session, person_id)
    needles = [str(person_id), *sorted(numbers)]
    rows = 0
    if "attendance" in kinds or everything:
        rows += await repository.erase_attendance(session, person_id, needles)
    if everything:
        rows += await repository.erase_registration(session, person_id)
    rows = await finish_erasure(session, event, rows, needles)
    uow.emit(contracts.PersonErased(erasure_id=event.erasure_id, kinds=list(event.kinds), rows=rows))
    log.info("erasure %s: %d rows removed", event.erasure_id, rows)
