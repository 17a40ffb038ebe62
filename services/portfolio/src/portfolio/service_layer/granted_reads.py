"""Reading a file someone else owns, by a grant this service keeps: a reviewer's (their case) or the register
office's (an objection). Each grant is checked on every read, and whatever is not granted is answered as a file
that does not exist (404), so nothing leaks. The first range of a download and every refused try are in the
security log."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import NotFound
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import DONE, REFUSED, record_security_event
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import chunk_of

GrantCheck = Callable[[UnitOfWork, EvidenceRecord], Awaitable[bool]]
"""Whether the caller's grant covers this file (inside the read's unit of work)."""


def not_found() -> NotFound:
    """The answer for a file the caller may not read, the same as for one that does not exist."""
    return NotFound("evidence_not_found", "no such evidence file")


class ChunkQuery(Protocol):
    """What a read of a range of a file names."""

    @property
    def evidence_id(self) -> uuid.UUID: ...

    @property
    def offset(self) -> int: ...

    @property
    def length(self) -> int | None: ...


async def read_granted_chunk(
    context: PortfolioContext,
    query: ChunkQuery,
    *,
    granted_to: GrantCheck,
    actor: str,
    action: str,
    detail: Mapping[str, str],
) -> contracts.EvidenceChunk:
    """A range of the file when ``granted_to`` allows it, else 404; logs the try as ``action`` by ``actor``."""
    evidence_id, offset = query.evidence_id, query.offset
    async with context.unit_of_work() as uow:
        evidence = await evidence_repo.get_evidence(uow.session, evidence_id)
        granted = evidence is not None and await granted_to(uow, evidence)
        if offset == 0:
            # Logged once per download (its first range), and a refused try always.
            await record_security_event(
                uow.session,
                actor=actor,
                action=action,
                object=f"evidence:{evidence_id}",
                result=DONE if granted else REFUSED,
                detail=detail,
            )
            await uow.commit()
    if evidence is None or not granted:
        raise not_found()
    return await chunk_of(context, evidence, offset, query.length)
