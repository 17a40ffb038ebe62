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
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.repositories import grants
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.granted_reads import read_granted_chunk


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
    office = query.actor.role == "office"

    async def granted_to(uow: UnitOfWork, evidence: EvidenceRecord) -> bool:
        return office and await grants.is_shared_with_objection(
            uow.session,
            objection_id=query.objection_id,
            person_id=evidence.person_id,
            evidence_id=evidence.evidence_id,
        )

    return await read_granted_chunk(
        context,
        query,
        granted_to=granted_to,
        actor=f"account:{query.actor.person_id}",
        action="evidence.read_for_objection",
        detail={"objection": str(query.objection_id)},
    )
