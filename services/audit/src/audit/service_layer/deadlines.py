"""Deadlines the audit enforces by itself, run periodically by every replica (each case is locked while handled):

- a request for more information left unanswered past its deadline becomes a rejection (domain:
  `reject_unanswered`), which may complete the case and conclude the dossier;
- a dossier returned for correction and not resubmitted by its deadline (plus a short grace) is not met.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from audit.adapters.repositories import cases as case_repo
from audit.adapters.repositories import dossiers as dossier_repo
from audit.adapters.repositories import judgements as judgement_repo
from audit.domain.cases import (
    RESUBMISSION_GRACE_DAYS,
    RecordedJudgement,
    correction_expired,
    current_judgements,
    final_judgements,
    overdue_unanswered,
)
from audit.domain.judgement import reject_unanswered
from audit.service_layer.context import AuditContext
from audit.service_layer.outcomes import Emit, conclude_if_complete, record_outcome, review_outcome
from audit.service_layer.review import judged_event, next_sequence
from lklr_shared.kit.outbox import UnitOfWork

log = logging.getLogger(__name__)

DEADLINE_JUDGE = "deadline"
"""`judged_by` of a rejection made because a request went unanswered."""


@dataclass(frozen=True)
class DeadlineRun:
    """What one run of the deadline jobs did."""

    rejected_requests: int = 0
    concluded_cases: int = 0
    expired_corrections: int = 0


async def run_deadline_jobs(context: AuditContext) -> DeadlineRun:
    """Run both deadline jobs once (called by the periodic task, and by tests with a moved clock)."""
    rejected, concluded = await reject_overdue_requests(context)
    expired = await expire_corrections(context)
    return DeadlineRun(rejected_requests=rejected, concluded_cases=concluded, expired_corrections=expired)


async def reject_overdue_requests(context: AuditContext) -> tuple[int, int]:
    """Turn overdue unanswered requests into rejections; return (rejections, cases concluded by them)."""
    today = context.today()
    async with context.unit_of_work() as uow:
        candidates = await judgement_repo.cases_with_requests_due(uow.session, today)
    rejected = concluded = 0
    for case_id in candidates:
        # One transaction per case: a failure on one case leaves the others done, and locks are held briefly.
        made, done = await _reject_overdue_in_case(context, case_id)
        rejected += made
        concluded += int(done)
    if rejected:
        log.info("%s unanswered request(s) for information rejected; %s case(s) concluded", rejected, concluded)
    return rejected, concluded


async def _reject_overdue_in_case(context: AuditContext, case_id: uuid.UUID) -> tuple[int, bool]:
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        session = uow.session
        case = await case_repo.get_case(session, case_id, for_update=True)
        if case is None or case.status != "open":
            return 0, False
        dossier = await dossier_repo.get_dossier(session, case.dossier_id)
        assert dossier is not None  # foreign key
        history = (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
        recorded = [stored.recorded for stored in history]
        answered = [
            (str(a.activity_id), a.request_sequence) for a in await judgement_repo.answers_of(session, case.case_id)
        ]
        overdue = overdue_unanswered(current_judgements(recorded), answered, today)
        if not overdue:
            return 0, False  # answered or settled since the candidates were listed, or another replica did it
        for request in overdue:
            rejection = reject_unanswered(request.judgement, today)
            entry = RecordedJudgement(next_sequence(history, uuid.UUID(str(rejection.activity_id))), rejection)
            await judgement_repo.insert_judgement(session, case.case_id, entry, judged_by=DEADLINE_JUDGE, judged_at=now)
            recorded.append(entry)
            uow.emit(judged_event(case, dossier, rejection))
        activities = await case_repo.activities_of_case(session, case.case_id)
        done = await conclude_if_complete(context, uow, case, dossier, activities, recorded, emit=uow.emit)
        await uow.commit()
    return len(overdue), done


async def expire_corrections(context: AuditContext) -> int:
    """Conclude as not met the returned dossiers whose correction deadline (plus grace) passed unresubmitted."""
    today = context.today()
    expired = 0
    while True:
        async with context.unit_of_work() as uow:
            session = uow.session
            # Locked with SKIP LOCKED: replicas running this job at the same moment split the rows between them.
            ids = await dossier_repo.expired_corrections(session, today - timedelta(days=RESUBMISSION_GRACE_DAYS))
            done = 0
            for dossier_id in ids:
                if await _expire_one(context, uow, dossier_id, emit=uow.emit):
                    done += 1
            await uow.commit()
        expired += done
        # A short page is the last one; a page where nothing could be done would only come back the same.
        if len(ids) < 100 or done == 0:
            break
    if expired:
        log.info("%s dossier(s) not resubmitted in time concluded as not met", expired)
    return expired


async def _expire_one(context: AuditContext, uow: UnitOfWork, dossier_id: uuid.UUID, *, emit: Emit) -> bool:
    session = uow.session
    dossier = await dossier_repo.get_dossier(session, dossier_id)
    if (
        dossier is None
        or dossier.status != "returned_for_correction"
        or dossier.correction_deadline is None
        or not correction_expired(dossier.correction_deadline, context.today())
    ):
        return False
    case = await case_repo.case_of_dossier(session, dossier_id, for_update=True)
    activities = [] if case is None else await case_repo.activities_of_case(session, case.case_id)
    history = [] if case is None else (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
    settled = final_judgements(current_judgements(stored.recorded for stored in history))
    decision = review_outcome(context, dossier, activities, settled, after_correction=True)
    await record_outcome(
        uow,
        dossier,
        decision,
        case_id=None if case is None else case.case_id,
        judgements=settled,
        round_number=dossier.round,
        now=context.clock(),
        emit=emit,
    )
    return True
