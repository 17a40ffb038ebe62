"""Reviewers reading evidence of a sampled dossier.

The audit decides who reviews what and announces it as `audit.EvidenceAccessGranted`; this service keeps those
grants and checks them itself on every read, so a reviewer can never read more than their cases grant, whatever
the gateway asks: the files attached to the case's sampled activities and the files sent with an answer, and only
when the file belongs to the dossier's owner. Anything else is answered as a file that does not exist (404).
"""

from __future__ import annotations

from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.repositories import grants
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.granted_reads import not_found, read_granted_chunk


async def record_access_granted(
    context: PortfolioContext, uow: UnitOfWork, event: audit_events.EvidenceAccessGranted, _envelope: Envelope
) -> None:
    """audit.EvidenceAccessGranted: keep what the case's reviewer may read (idempotent per item)."""
    items = [(grants.ACTIVITY, activity_id) for activity_id in event.activity_ids]
    items += [(grants.EVIDENCE, evidence_id) for evidence_id in event.evidence_ids]
    await grants.add_grants(
        uow.session,
        case_id=event.case_id,
        reviewer_id=event.reviewer_id,
        person_id=event.person_id,
        dossier_id=event.dossier_id,
        items=items,
        now=context.clock(),
    )


async def read_review_chunk(
    context: PortfolioContext, query: contracts.ReadReviewEvidenceChunk
) -> contracts.EvidenceChunk:
    """ReadReviewEvidenceChunk: a range of a file the reviewer's case grants; anything else is 404."""
    if query.actor.role != "reviewer" or query.actor.person_id != query.reviewer_id:
        raise not_found()

    async def granted_to(uow: UnitOfWork, evidence: EvidenceRecord) -> bool:
        return await grants.is_granted(
            uow.session,
            case_id=query.case_id,
            reviewer_id=query.reviewer_id,
            person_id=evidence.person_id,
            evidence_id=evidence.evidence_id,
            activity_id=evidence.activity_id,
        )

    return await read_granted_chunk(
        context,
        query,
        granted_to=granted_to,
        actor=f"account:{query.reviewer_id}",
        action="evidence.read_for_review",
        detail={"case": str(query.case_id)},
    )
