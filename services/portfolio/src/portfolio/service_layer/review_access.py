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
from lklr_shared.kit.errors import NotFound
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import DONE, REFUSED, record_security_event
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import grants
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import chunk_of


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
    not_found = NotFound("evidence_not_found", "no such evidence file")
    if query.actor.role != "reviewer" or query.actor.person_id != query.reviewer_id:
        raise not_found
    async with context.unit_of_work() as uow:
        evidence = await evidence_repo.get_evidence(uow.session, query.evidence_id)
        granted = evidence is not None and await grants.is_granted(
            uow.session,
            case_id=query.case_id,
            reviewer_id=query.reviewer_id,
            person_id=evidence.person_id,
            evidence_id=evidence.evidence_id,
            activity_id=evidence.activity_id,
        )
        if query.offset == 0:
            # A reviewer opening someone's evidence is logged once per download, and a refused try always.
            await record_security_event(
                uow.session,
                actor=f"account:{query.reviewer_id}",
                action="evidence.read_for_review",
                object=f"evidence:{query.evidence_id}",
                result=DONE if granted else REFUSED,
                detail={"case": str(query.case_id)},
            )
            await uow.commit()
    if evidence is None or not granted:
        raise not_found
    return await chunk_of(context, evidence, query.offset, query.length)
