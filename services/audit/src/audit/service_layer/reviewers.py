"""The assessment committee: registering reviewers, listing them with their loads, assigning waiting cases."""

from __future__ import annotations

import uuid

from audit.adapters.repositories import cases as case_repo
from audit.adapters.repositories import reviewers as reviewer_repo
from audit.adapters.repositories.reviewers import ReviewerRecord
from audit.domain.assignment import ReviewCase, assign_batch
from audit.service_layer.context import AuditContext
from audit.service_layer.outcomes import Emit
from lklr_shared.contracts import audit as contracts
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event


def reviewer_view(record: ReviewerRecord) -> contracts.ReviewerView:
    return contracts.ReviewerView(
        reviewer_id=record.reviewer_id,
        person_id=record.person_id,
        employer_id=record.employer_id,
        name=record.name,
        active=record.active,
        open_cases=record.open_cases,
    )


async def assign_waiting_cases(context: AuditContext, uow: UnitOfWork, emit: Emit) -> int:
    """Give the cases that wait for an eligible reviewer one, under the assignment lock; return how many.

    Each assignment is announced as EvidenceAccessGranted (the portfolio lets the reviewer read the sampled
    activities' evidence).
    """
    session = uow.session
    await reviewer_repo.lock_assignment(session)
    waiting = await reviewer_repo.unassigned_cases(session)
    if not waiting:
        return 0
    reviewers = await reviewer_repo.reviewers_with_loads(session)
    result = assign_batch(
        [ReviewCase(case.case_id, case.person_id, case.employer_id) for case in waiting],
        [reviewer.as_domain() for reviewer in reviewers],
    )
    assignments = {uuid.UUID(str(a.case_id)): uuid.UUID(str(a.reviewer_id)) for a in result.assignments}
    await reviewer_repo.assign_cases(session, assignments, context.clock())
    cases = {case.case_id: case for case in waiting}
    activities = await case_repo.activity_ids_of_cases(session, assignments)
    for case_id, reviewer_id in assignments.items():
        emit(
            contracts.EvidenceAccessGranted(
                case_id=case_id,
                dossier_id=cases[case_id].dossier_id,
                person_id=cases[case_id].person_id,
                reviewer_id=reviewer_id,
                activity_ids=activities[case_id],
                granted_on=context.today(),
            )
        )
    return len(assignments)


async def register_reviewer(context: AuditContext, command: contracts.RegisterReviewer) -> contracts.ReviewerView:
    """RegisterReviewer: add or update a committee member; cases waiting for a reviewer are assigned at once."""
    now = context.clock()
    async with context.unit_of_work() as uow:
        await reviewer_repo.upsert_reviewer(
            uow.session,
            {
                "reviewer_id": command.reviewer_id,
                "person_id": command.person_id,
                "employer_id": command.employer_id.strip(),
                "name": command.name.strip(),
                "active": command.active,
                "registered_at": now,
                "updated_at": now,
            },
        )
        await assign_waiting_cases(context, uow, uow.emit)
        records = await reviewer_repo.reviewers_with_loads(uow.session)
        # The request names no office member yet (services trust the gateway's check for now): "office".
        await record_security_event(
            uow.session,
            actor="office",
            action="reviewer.register",
            object=f"reviewer:{command.reviewer_id}",
            detail={"active": str(command.active), "employer": command.employer_id.strip()},
        )
        await uow.commit()
    return reviewer_view(next(r for r in records if r.reviewer_id == command.reviewer_id))


async def list_reviewers(context: AuditContext, _query: contracts.ListReviewers) -> contracts.ReviewerList:
    """ListReviewers: every reviewer with their load, and how many cases wait for one."""
    async with context.unit_of_work() as uow:
        records = await reviewer_repo.reviewers_with_loads(uow.session)
        waiting = await reviewer_repo.count_unassigned(uow.session)
    return contracts.ReviewerList(reviewers=[reviewer_view(r) for r in records], unassigned_cases=waiting)
