"""Concluding a dossier: deciding its outcome with the domain's rules, storing it, and announcing it.

Every path that can conclude a dossier (sampling an unsampled one, the last judgement of a case, a resubmission
after correction, the deadline jobs) holds the lock on the case or the dossier row, so each round of a dossier
is concluded exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from audit.adapters.repositories import cases as case_repo
from audit.adapters.repositories import dossiers as dossier_repo
from audit.adapters.repositories.cases import CaseActivityRecord, CaseRecord
from audit.adapters.repositories.dossiers import DossierRecord
from audit.domain.cases import RecordedJudgement, all_final, current_judgements, final_judgements
from audit.domain.judgement import Judgement, Verdict
from audit.domain.outcome import (
    DEFAULT_CORRECTION_WEEKS,
    DossierOutcome,
    OutcomeDecision,
    PointTotals,
    SampledActivity,
    decide_outcome,
)
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.kit.outbox import UnitOfWork

Emit = Callable[[Message], object]
"""Queues an event in the caller's unit of work (with the right cause)."""


def totals_of(dossier: DossierRecord) -> PointTotals:
    return PointTotals(total=dossier.total_points, accredited=dossier.accredited_points, a2=dossier.a2_points)


def sampled_activity(record: CaseActivityRecord) -> SampledActivity:
    return SampledActivity(
        activity_id=str(record.activity_id),
        points=record.points,
        accredited=record.accredited,
        a2=record.category == "A2",
    )


def concluded_judgements(judgements: Sequence[Judgement]) -> list[contracts.ConcludedJudgement]:
    return [
        contracts.ConcludedJudgement(
            activity_id=uuid.UUID(str(judgement.activity_id)),
            judgement="approved" if judgement.verdict is Verdict.APPROVED else "rejected",
            reason=judgement.reason,
        )
        for judgement in sorted(judgements, key=lambda j: str(j.activity_id))
        if judgement.is_final
    ]


def outcome_values(dossier: DossierRecord, decision: OutcomeDecision) -> dict[str, Any]:
    """The dossier's columns after ``decision`` (a return for correction is not a final outcome yet)."""
    returned = decision.outcome is DossierOutcome.RETURNED_FOR_CORRECTION
    return {
        "status": "returned_for_correction" if returned else "concluded",
        "outcome": None if returned else decision.outcome.value,
        "was_returned": dossier.was_returned or returned,
        "correction_deadline": decision.correction_deadline if returned else dossier.correction_deadline,
        "concluded_on": None if returned else decision.decided_on,
    }


def concluded_event(
    dossier: DossierRecord,
    decision: OutcomeDecision,
    *,
    case_id: uuid.UUID | None,
    judgements: Sequence[Judgement],
    round_number: int,
) -> contracts.AuditConcluded:
    return contracts.AuditConcluded(
        dossier_id=dossier.dossier_id,
        person_id=dossier.person_id,
        cycle_id=dossier.cycle_id,
        outcome=decision.outcome.value,
        concluded_on=decision.decided_on,
        round=round_number,
        sampled=dossier.sampled,
        case_id=case_id,
        correction_deadline=decision.correction_deadline,
        judgements=concluded_judgements(judgements),
    )


def review_outcome(
    context: AuditContext,
    dossier: DossierRecord,
    activities: Sequence[CaseActivityRecord],
    settled: Sequence[Judgement],
    *,
    after_correction: bool = False,
    correction_weeks: int = DEFAULT_CORRECTION_WEEKS,
) -> OutcomeDecision:
    """The outcome of a reviewed dossier today, from its totals, its cycle's norm and the settled judgements of its
    sampled activities (see `decide_outcome` for ``after_correction`` and ``correction_weeks``)."""
    return decide_outcome(
        totals=totals_of(dossier),
        norm=context.norm(dossier.scheme_version),
        decided_on=context.today(),
        sampled_activities=[sampled_activity(a) for a in activities],
        judgements=settled,
        after_correction=after_correction,
        correction_weeks=correction_weeks,
    )


async def record_outcome(
    uow: UnitOfWork,
    dossier: DossierRecord,
    decision: OutcomeDecision,
    *,
    case_id: uuid.UUID | None,
    judgements: Sequence[Judgement],
    round_number: int,
    now: datetime,
    emit: Emit,
) -> None:
    """Store the outcome on the dossier (and its case) and emit AuditConcluded."""
    session = uow.session
    await dossier_repo.update_dossier(session, dossier.dossier_id, **outcome_values(dossier, decision))
    if case_id is not None:
        returned = decision.outcome is DossierOutcome.RETURNED_FOR_CORRECTION
        await case_repo.update_case(
            session, case_id, status="awaiting_correction" if returned else "concluded", closed_at=now
        )
    emit(concluded_event(dossier, decision, case_id=case_id, judgements=judgements, round_number=round_number))


async def conclude_if_complete(
    context: AuditContext,
    uow: UnitOfWork,
    case: CaseRecord,
    dossier: DossierRecord,
    activities: Sequence[CaseActivityRecord],
    history: Sequence[RecordedJudgement],
    *,
    emit: Emit,
) -> bool:
    """Conclude the first round of a case once every sampled activity has a final judgement; return whether it did.

    The caller holds the case's row lock.
    """
    current = current_judgements(history)
    if not all_final([str(a.activity_id) for a in activities], current):
        return False
    rules = context.audit_rules(dossier.applied_on)
    settled = final_judgements(current)
    decision = review_outcome(context, dossier, activities, settled, correction_weeks=rules.correction_weeks)
    await record_outcome(
        uow,
        dossier,
        decision,
        case_id=case.case_id,
        judgements=settled,
        round_number=dossier.round,
        now=context.clock(),
        emit=emit,
    )
    return True
