"""Forgetting a person (registry.PersonErasureRequested): their activities, history, evidence files (rows and the
bytes in the blob store), dossiers and reviewers' grants for the ``portfolio`` kind; the read model of their
registration (name, number) for ``registration`` (the registry erases that kind last, with everything left).
Confirmed with portfolio.PersonErased. The security log gets a line under the erasure's pseudonym only.
"""

from __future__ import annotations

import logging
import uuid

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import finish_erasure
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.repositories import erasure as erasure_repo
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import blob_key

log = logging.getLogger(__name__)

PORTFOLIO_KINDS = frozenset({"portfolio", "attendance"})


async def forget_person(
    context: PortfolioContext, uow: UnitOfWork, event: registry_events.PersonErasureRequested, _envelope: Envelope
) -> None:
    """Erase what the event's kinds cover and confirm (a repeat finds nothing and confirms again with zeros)."""
    session = uow.session
    person_id = event.person_id
    kinds = set(event.kinds)
    rows = files = 0
    if kinds & PORTFOLIO_KINDS or "registration" in kinds or "account" in kinds:
        rows, keys = await _erase_portfolio(uow, person_id)
        # The bytes go inside the transaction, before the rows' commit: a handler cannot act after the consumer's
        # commit. Should the commit fail, the retry finds the rows again and deleting a missing blob is a no-op;
        # what cannot happen is a committed erasure that left the files behind.
        for key in keys:
            await context.blobs.delete(key)
        files = len(keys)
    number = None
    if "registration" in kinds or "account" in kinds:
        number = await erasure_repo.registration_number(session, person_id)
        rows += await erasure_repo.erase_registration_rows(session, person_id)
    rows = await finish_erasure(session, event, rows, [str(person_id), number or ""], detail={"files": str(files)})
    uow.emit(contracts.PersonErased(erasure_id=event.erasure_id, kinds=list(event.kinds), rows=rows, files=files))
    log.info("erasure %s: %d rows and %d evidence files removed", event.erasure_id, rows, files)


async def _erase_portfolio(uow: UnitOfWork, person_id: uuid.UUID) -> tuple[int, list[str]]:
    """Delete the person's portfolio rows; returns the row count and the blob keys of their files and uploads."""
    stored = await erasure_repo.stored_blob_keys(uow.session, person_id)
    unfinished = [blob_key(upload_id) for upload_id in await erasure_repo.unfinished_upload_ids(uow.session, person_id)]
    return await erasure_repo.erase_portfolio_rows(uow.session, person_id), stored + unfinished
