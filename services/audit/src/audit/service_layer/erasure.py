"""Forgetting a person (registry.PersonErasureRequested, kind ``audit_dossiers`` or the whole registration): the
personal parts of their audit dossiers go (sampled activities, judgements and their reasons, answers, the
automatic check's findings), and what stays is anonymous: the dossier's year, sampling draw and outcome, which
the public audit statistics count, no longer tied to a person id, number or employer. Confirmed with
audit.PersonErased; the security log gets a line under the erasure's pseudonym only.
"""

from __future__ import annotations

import logging
import uuid

from audit.adapters.repositories import erasure as erasure_repo
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import finish_erasure
from lklr_shared.kit.outbox import UnitOfWork

log = logging.getLogger(__name__)

# Stands for "nobody" in an anonymised dossier: no registered person has it (ids are random UUIDs).
ANONYMOUS = uuid.UUID(int=0)
AUDIT_KINDS = frozenset({"audit_dossiers", "registration", "account"})


async def forget_person(uow: UnitOfWork, event: registry_events.PersonErasureRequested, _envelope: Envelope) -> None:
    """Erase or anonymise what the event's kinds cover and confirm (a repeat finds nothing, confirms with zeros)."""
    session = uow.session
    person_id = event.person_id
    rows = 0
    numbers: list[str] = []
    if AUDIT_KINDS & set(event.kinds):
        numbers = await erasure_repo.registration_numbers(session, person_id)
        rows += await erasure_repo.erase_and_anonymise(session, person_id, anonymous=ANONYMOUS)
    rows = await finish_erasure(session, event, rows, [str(person_id), *numbers])
    uow.emit(contracts.PersonErased(erasure_id=event.erasure_id, kinds=list(event.kinds), rows=rows))
    log.info("erasure %s: %d rows removed or anonymised", event.erasure_id, rows)
