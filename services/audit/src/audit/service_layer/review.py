"""Reviewing a case: the reviewer's case list and case view, judgements, and the professional's answers.

Every change of a case locks its row first (`get_case(for_update=True)`), so judgements, answers and the deadline
job on one case run one at a time, and the case is concluded exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from audit.adapters.repositories import cases as case_repo
from audit.adapters.repositories import dossiers as dossier_repo
from audit.adapters.repositories import judgements as judgement_repo
from audit.adapters.repositories.cases import CaseActivityRecord, CaseRecord
from audit.adapters.repositories.dossiers import DossierRecord
from audit.adapters.repositories.judgements import AnswerRecord, StoredJudgement
from audit.domain.cases import RecordedJudgement, current_judgements, open_requests
from audit.domain.judgement import Judgement, Verdict, approve, ask_more_information, reject
from audit.service_layer.context import AuditContext
from audit.service_layer.outcomes import conclude_if_complete
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.portfolio import DossierCheck
from lklr_shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event

# --- views -------------------------------------------------------------------------------------------------------


def _activity_view(
    activity: CaseActivityRecord, current: RecordedJudgement | None, answers: Sequence[AnswerRecord]
) -> contracts.CaseActivityView:
    judgement = None if current is None else current.judgement
    return contracts.CaseActivityView(
        activity_id=activity.activity_id,
        category="A2" if activity.category == "A2" else "A1",
        activity_type=activity.activity_type,
        title=activity.title,
        description=activity.description,
        points=activity.points,
        completion_date=activity.completion_date,
        evidence=[contracts.CaseEvidence.model_validate(item) for item in activity.evidence],
        judgement=None if judgement is None else judgement.verdict.value,
        reason="" if judgement is None else judgement.reason,
        judged_on=None if judgement is None else judgement.judged_on,
        information_deadline=None if judgement is None else judgement.information_deadline,
        answers=[
            contracts.InformationAnswerView(
                text=answer.text,
                evidence_ids=[uuid.UUID(e) for e in answer.evidence_ids],
                answered_at=answer.answered_at,
            )
            for answer in answers
            if answer.activity_id == activity.activity_id
        ],
    )


async def _case_view(context: AuditContext, uow: UnitOfWork, case: CaseRecord) -> contracts.CaseView:
    session = uow.session
    dossier = await _dossier(uow, case)
    activities = await case_repo.activities_of_case(session, case.case_id)
    history = (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
    current = current_judgements(stored.recorded for stored in history)
    answers = await judgement_repo.answers_of(session, case.case_id)
    norm = context.norm(dossier.scheme_version)
    stored_check = await dossier_repo.automatic_check_of(session, dossier.dossier_id, dossier.round)
    return contracts.CaseView(
        case_id=case.case_id,
        dossier_id=dossier.dossier_id,
        registration_number=dossier.registration_number,
        cycle_id=dossier.cycle_id,
        status=case.status,
        round=dossier.round,
        total_points=dossier.total_points,
        accredited_points=dossier.accredited_points,
        a2_points=dossier.a2_points,
        min_total_points=norm.total,
        min_accredited_points=norm.accredited,
        min_a2_points=norm.a2,
        activities=[_activity_view(a, current.get(str(a.activity_id)), answers) for a in activities],
        outcome=dossier.outcome,
        correction_deadline=dossier.correction_deadline,
        automatic_check=None if stored_check is None else DossierCheck.model_validate(stored_check),
    )


async def _dossier(uow: UnitOfWork, case: CaseRecord) -> DossierRecord:
    session = uow.session
    dossier = await dossier_repo.get_dossier(session, case.dossier_id)
    if dossier is None:  # the foreign key makes this impossible; say so loudly if it ever happens
        raise RuntimeError(f"case {case.case_id} has no dossier {case.dossier_id}")
    return dossier


async def _assigned_case(
    uow: UnitOfWork, case_id: uuid.UUID, reviewer_id: uuid.UUID, *, for_update: bool = False
) -> CaseRecord:
    session = uow.session
    case = await case_repo.get_case(session, case_id, for_update=for_update)
    if case is None:
        raise NotFound("case_not_found", "no such case")
    if case.reviewer_id != reviewer_id:
        raise Forbidden("not_assigned", "only the reviewer the case is assigned to may see or judge it")
    return case


# --- reviewer ----------------------------------------------------------------------------------------------------


async def list_my_cases(context: AuditContext, query: contracts.ListMyCases) -> contracts.CaseList:
    """ListMyCases: the reviewer's cases, open ones first, with what is still to do."""
    async with context.unit_of_work() as uow:
        lines = await case_repo.cases_of_reviewer(uow.session, query.reviewer_id, include_closed=query.include_closed)
        case_ids = [line.case_id for line in lines]
        counts = await case_repo.activity_counts(uow.session, case_ids)
        histories = await judgement_repo.judgement_history(uow.session, case_ids)
    summaries = []
    for line in lines:
        current = current_judgements(stored.recorded for stored in histories[line.case_id])
        final = sum(1 for recorded in current.values() if recorded.judgement.is_final)
        deadlines = [
            r.judgement.information_deadline for r in open_requests(current) if r.judgement.information_deadline
        ]
        summaries.append(
            contracts.CaseSummary(
                case_id=line.case_id,
                dossier_id=line.dossier_id,
                registration_number=line.registration_number,
                status=line.status,
                assigned_at=line.assigned_at,
                activity_count=counts.get(line.case_id, 0),
                pending=counts.get(line.case_id, 0) - final,
                next_information_deadline=min(deadlines) if deadlines else None,
                outcome=line.outcome,
            )
        )
    return contracts.CaseList(cases=summaries)


async def get_case(context: AuditContext, query: contracts.GetCase) -> contracts.CaseView:
    """GetCase: one case, for the reviewer it is assigned to."""
    async with context.unit_of_work() as uow:
        case = await _assigned_case(uow, query.case_id, query.reviewer_id)
        return await _case_view(context, uow, case)


def _judgement(command: contracts.JudgeActivity, context: AuditContext, dossier: DossierRecord) -> Judgement:
    today = context.today()
    reason = command.reason.strip()
    verdict = Verdict(command.verdict)
    if verdict is Verdict.APPROVED:
        return approve(command.activity_id, today, reason)
    if verdict is Verdict.REJECTED:
        if not reason:
            raise RuleViolation("reason_required", "a rejection needs a reason the professional can understand")
        return reject(command.activity_id, today, reason)
    if not reason:
        raise RuleViolation("question_required", "say what information is needed")
    days = context.audit_rules(dossier.applied_on).more_info_answer_days
    return ask_more_information(command.activity_id, today, reason, days)


async def judge_activity(context: AuditContext, command: contracts.JudgeActivity) -> contracts.CaseView:
    """JudgeActivity: record a judgement (emits ActivityJudged); the last final one concludes the dossier."""
    async with context.unit_of_work() as uow:
        session = uow.session
        case = await _assigned_case(uow, command.case_id, command.reviewer_id, for_update=True)
        if case.status != "open":
            raise Conflict("case_not_open", f"the case is {case.status}; judgements can no longer change")
        activities = await case_repo.activities_of_case(session, case.case_id)
        if command.activity_id not in {a.activity_id for a in activities}:
            raise NotFound("activity_not_in_case", "this activity is not in the case's sample")
        dossier = await _dossier(uow, case)
        judgement = _judgement(command, context, dossier)
        history = (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
        recorded = RecordedJudgement(next_sequence(history, command.activity_id), judgement)
        await judgement_repo.insert_judgement(
            session, case.case_id, recorded, judged_by=f"reviewer:{command.reviewer_id}", judged_at=context.clock()
        )
        uow.emit(judged_event(case, dossier, judgement))
        await conclude_if_complete(
            context,
            uow,
            case,
            dossier,
            activities,
            [stored.recorded for stored in history] + [recorded],
            emit=uow.emit,
        )
        refreshed = await case_repo.get_case(session, case.case_id)
        assert refreshed is not None
        view = await _case_view(context, uow, refreshed)
        await record_security_event(
            session,
            actor=f"account:{command.reviewer_id}",
            action=f"judgement.{command.verdict}",
            object=f"case:{case.case_id}",
            detail={"activity": str(command.activity_id)},
        )
        await uow.commit()
    return view


def next_sequence(history: Sequence[StoredJudgement], activity_id: uuid.UUID) -> int:
    """The sequence number of the next judgement of ``activity_id`` in the case's history."""
    return 1 + max((s.recorded.sequence for s in history if s.recorded.judgement.activity_id == activity_id), default=0)


def judged_event(case: CaseRecord, dossier: DossierRecord, judgement: Judgement) -> Message:
    """The ActivityJudged event of a judgement."""
    return contracts.ActivityJudged(
        dossier_id=dossier.dossier_id,
        activity_id=uuid.UUID(str(judgement.activity_id)),
        judgement=judgement.verdict.value,
        reason=judgement.reason,
        case_id=case.case_id,
        person_id=dossier.person_id,
        judged_on=judgement.judged_on,
        information_deadline=judgement.information_deadline,
    )


# --- professional ------------------------------------------------------------------------------------------------


async def list_information_requests(
    context: AuditContext, query: contracts.ListInformationRequests
) -> contracts.InformationRequestList:
    """ListInformationRequests: the questions reviewers asked the professional that are not settled yet."""
    requests: list[contracts.InformationRequestView] = []
    async with context.unit_of_work() as uow:
        session = uow.session
        for case_id, dossier_id in await case_repo.open_cases_of_person(session, query.person_id):
            titles = {a.activity_id: a.title for a in await case_repo.activities_of_case(session, case_id)}
            history = (await judgement_repo.judgement_history(session, [case_id]))[case_id]
            answered = {(a.activity_id, a.request_sequence) for a in await judgement_repo.answers_of(session, case_id)}
            for recorded in open_requests(current_judgements(stored.recorded for stored in history)):
                judgement = recorded.judgement
                activity_id = uuid.UUID(str(judgement.activity_id))
                assert judgement.information_deadline is not None  # a request always has one
                requests.append(
                    contracts.InformationRequestView(
                        case_id=case_id,
                        dossier_id=dossier_id,
                        activity_id=activity_id,
                        activity_title=titles.get(activity_id, ""),
                        question=judgement.reason,
                        asked_on=judgement.judged_on,
                        deadline=judgement.information_deadline,
                        answered=(activity_id, recorded.sequence) in answered,
                    )
                )
    return contracts.InformationRequestList(requests=sorted(requests, key=lambda r: (r.deadline, str(r.activity_id))))


async def answer_information_request(
    context: AuditContext, command: contracts.AnswerInformationRequest
) -> contracts.InformationAnswered:
    """AnswerInformationRequest: the professional answers an open question before its deadline."""
    text = command.text.strip()
    if not text and not command.evidence_ids:
        raise RuleViolation("answer_required", "an answer needs text or evidence")
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        session = uow.session
        case = await case_repo.get_case(session, command.case_id, for_update=True)
        dossier = None if case is None else await _dossier(uow, case)
        if case is None or dossier is None or dossier.person_id != command.person_id:
            raise NotFound("case_not_found", "no such case for this person")
        activities = await case_repo.activities_of_case(session, case.case_id)
        if command.activity_id not in {a.activity_id for a in activities}:
            raise NotFound("activity_not_in_case", "this activity is not in the case's sample")
        history = (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
        current = current_judgements(stored.recorded for stored in history).get(str(command.activity_id))
        if case.status != "open" or current is None or current.judgement.verdict is not Verdict.MORE_INFORMATION_NEEDED:
            raise Conflict("no_open_question", "no question about this activity is waiting for an answer")
        deadline = current.judgement.information_deadline
        if deadline is not None and today > deadline:
            raise Conflict("deadline_passed", f"the answer was due on {deadline.isoformat()}")
        await judgement_repo.insert_answer(
            session,
            {
                "answer_id": uuid.uuid4(),
                "case_id": case.case_id,
                "activity_id": command.activity_id,
                "request_sequence": current.sequence,
                "text": text,
                "evidence_ids": [str(e) for e in command.evidence_ids],
                "answered_at": now,
            },
        )
        if command.evidence_ids and case.reviewer_id is not None:
            uow.emit(
                contracts.EvidenceAccessGranted(
                    case_id=case.case_id,
                    dossier_id=case.dossier_id,
                    person_id=command.person_id,
                    reviewer_id=case.reviewer_id,
                    evidence_ids=list(command.evidence_ids),
                    granted_on=today,
                )
            )
        await uow.commit()
    return contracts.InformationAnswered(case_id=command.case_id, activity_id=command.activity_id, answered_at=now)
