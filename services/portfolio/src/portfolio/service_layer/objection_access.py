"""The register office reading the files a person sent with an objection.

The registry announces which files an objection carries (`registry.ObjectionEvidenceShared`); this service keeps
them as grants and checks them itself on every read, so an office account can read exactly those files, and only
when the file belongs to the objector. Every download and every refused try is in the security log, as a
reviewer's evidence reads are. Anything else is answered as a file that does not exist (404).
"""

from __future__ import annotations

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.errors import NotFound
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import DONE, REFUSED, record_security_event
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import grants
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import chunk_of


async def record_objection_evidence(
    context: PortfolioContext, uow: UnitOfWork, event: registry_events.ObjectionEvidenceShared, _envelope: Envelope
) -> None:
    """registry.ObjectionEvidenceShared: keep which files the office may read (idempotent per file)."""
    await grants.add_objection_grants(
        uow.session,
        objection_id=event.objection_id,
        person_id=event.person_id,
        evidence_ids=event.evidence_ids,
        now=context.clock(),
    )


async def read_objection_chunk(
    context: PortfolioContext, query: contracts.ReadObjectionEvidenceChunk
) -> contracts.EvidenceChunk:
    """ReadObjectionEvidenceChunk: a range of a file sent with the objection, for the office; anything else 404."""
    not_found = NotFound("evidence_not_found", "no such evidence file")
    office = query.actor.role == "office"
    async with context.unit_of_work() as uow:
        evidence = await evidence_repo.get_evidence(uow.session, query.evidence_id)
        granted = (
            office
            and evidence is not None
            and await grants.is_shared_with_objection(
                uow.session,
                objection_id=query.objection_id,
                person_id=evidence.person_id,
                evidence_id=evidence.evidence_id,
            )
        )
        if query.offset == 0:
            # Reading someone's objection file is logged once per download, and a refused try always.
            await record_security_event(
                uow.session,
                actor=f"account:{query.actor.person_id}",
                action="evidence.read_for_objection",
                object=f"evidence:{query.evidence_id}",
                result=DONE if granted else REFUSED,
                detail={"objection": str(query.objection_id)},
            )
            await uow.commit()
    if evidence is None or not granted:
        raise not_found
    return await chunk_of(context, evidence, query.offset, query.length)
