"""Receiving frozen dossiers: record them, sample them, conclude the unsampled ones, open and assign cases.

Runs as a batch handler (many DossierFrozen events in one transaction; see `lklr_shared.kit.batch_consumer`) so a
peak of applications costs a handful of multi-row statements per few hundred dossiers. Correctness does not
depend on batching or on the number of replicas:

- the (dossier, round) key of `dossier_rounds` admits each frozen version once, whatever its message id;
- the draw for a dossier depends only on the year's recorded seed and the dossier id (domain/sampling.py);
- assignment runs under one advisory lock per database, counting loads inside the lock, and a case's
  `dossier_id` is unique: two replicas can neither assign one case twice nor both read the same loads.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from audit.adapters.repositories import cases as case_repo
from audit.adapters.repositories import dossiers as dossier_repo
from audit.adapters.repositories import judgements as judgement_repo
from audit.adapters.repositories import reviewers as reviewer_repo
from audit.adapters.repositories import sampling as sampling_repo
from audit.domain.assignment import ReviewCase, assign_batch
from audit.domain.cases import audit_year, current_judgements, final_judgements, resubmitted_in_time
from audit.domain.outcome import PointTotals, decide_outcome, meets_norm
from audit.domain.sampling import DossierForSampling, SamplingDecision, decide_sampling
from audit.service_layer.context import AuditContext
from audit.service_layer.outcomes import Emit, concluded_event, outcome_values, record_outcome
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.portfolio import DossierFrozen
from lklr_shared.dossier_checks import check_dossier, check_view, checked_from_dossier
from lklr_shared.kit.batch_consumer import BatchUnitOfWork

log = logging.getLogger(__name__)

# A professional without a known registration date (an older DossierFrozen) is treated as long registered: the
# newcomer exemption needs the date to apply, and sampling someone is the safe side of not knowing.
_LONG_AGO = date(1900, 1, 1)


def _caused_by(uow: BatchUnitOfWork, envelope: Envelope) -> Emit:
    """An emitter whose events name ``envelope`` as their cause (several dossiers share one transaction)."""

    def emit(message: Message) -> Envelope:
        return uow.emit_caused_by(message, envelope)

    return emit


def _totals(event: DossierFrozen) -> PointTotals:
    return PointTotals(total=event.total_points, accredited=event.accredited_points, a2=event.a2_points)


def _applied_on(event: DossierFrozen, context: AuditContext) -> date:
    return event.applied_on or context.today()


def _scheme_version(event: DossierFrozen, context: AuditContext) -> str:
    """The cycle's scheme version (it judges the norm); the version in force at the cycle's start if not sent."""
    if event.scheme_version is not None:
        return event.scheme_version
    return context.book.version_in_force(event.cycle_starts_on or _applied_on(event, context)).version


def automatic_check(event: DossierFrozen, context: AuditContext) -> dict[str, Any] | None:
    """The automatic review checks on the frozen round: the rules of the professional's self-check, so a dossier
    the self-check passed gives no finding here. None when the event lacks the cycle's dates (older portfolios)."""
    if event.cycle_starts_on is None or event.cycle_ends_on is None:
        return None
    result = check_dossier(
        context.book.get(_scheme_version(event, context)),
        event.cycle_starts_on,
        event.cycle_ends_on,
        [checked_from_dossier(activity) for activity in event.activities],
    )
    titles = {str(activity.activity_id): activity.title for activity in event.activities}
    return check_view(result, titles).model_dump(mode="json")


def _round_row(event: DossierFrozen, applied_on: date, now: Any, context: AuditContext) -> dict[str, Any]:
    return {
        "automatic_check": automatic_check(event, context),
        "dossier_id": event.dossier_id,
        "round": event.round,
        "applied_on": applied_on,
        "total_points": event.total_points,
        "accredited_points": event.accredited_points,
        "a2_points": event.a2_points,
        "norm_met": event.norm_met,
        "activity_count": len(event.activities),
        "received_at": now,
    }


async def record_frozen_dossiers(
    context: AuditContext, uow: BatchUnitOfWork, items: Sequence[tuple[DossierFrozen, Envelope]]
) -> None:
    """Batch handler of portfolio.DossierFrozen: first rounds are sampled together, resubmissions one by one."""
    first_rounds = [(event, envelope) for event, envelope in items if event.round == 1]
    if first_rounds:
        await _sample_new_dossiers(context, uow, first_rounds)
    for event, envelope in items:
        if event.round > 1:
            await record_resubmission(context, uow, event, envelope)


async def _sample_new_dossiers(
    context: AuditContext, uow: BatchUnitOfWork, items: Sequence[tuple[DossierFrozen, Envelope]]
) -> None:
    session = uow.session
    now, today = context.clock(), context.today()
    applied = {event.dossier_id: _applied_on(event, context) for event, _ in items}
    new_keys = await sampling_repo.insert_new_rounds(
        session, [_round_row(e, applied[e.dossier_id], now, context) for e, _ in items]
    )
    fresh: list[tuple[DossierFrozen, Envelope]] = []
    for event, envelope in items:
        if (event.dossier_id, 1) in new_keys:
            new_keys.discard((event.dossier_id, 1))  # the same dossier twice in one batch is handled once
            fresh.append((event, envelope))
    if len(fresh) < len(items):
        log.info("%s dossier(s) were recorded before; not sampled again", len(items) - len(fresh))
    if not fresh:
        return

    dossier_rows: list[dict[str, Any]] = []
    to_review: list[tuple[DossierFrozen, Envelope, SamplingDecision, uuid.UUID]] = []
    for event, envelope in fresh:
        applied_on = applied[event.dossier_id]
        year = audit_year(applied_on)
        seed = await context.seeds.seed_for(year, uow)
        decision = decide_sampling(
            DossierForSampling(
                dossier_id=event.dossier_id,
                registered_since=event.registered_since or _LONG_AGO,
                applied_on=applied_on,
                self_entered_activity_ids=[str(a.activity_id) for a in event.activities if a.self_entered],
            ),
            seed,
            context.policy(applied_on),
        )
        scheme_version = _scheme_version(event, context)
        # A sampled dossier is reviewed only when there is something to review that could change the outcome: a
        # dossier without self-entered work, or already short of the norm as submitted, is decided right away.
        review = (
            decision.sampled
            and bool(decision.activity_ids)
            and meets_norm(_totals(event), context.norm(scheme_version))
        )
        row: dict[str, Any] = {
            "dossier_id": event.dossier_id,
            "person_id": event.person_id,
            "registration_number": event.registration_number,
            "cycle_id": event.cycle_id,
            "employer_id": event.employer_id,
            "scheme_version": scheme_version,
            "applied_on": applied_on,
            "audit_year": year,
            "round": 1,
            "total_points": event.total_points,
            "accredited_points": event.accredited_points,
            "a2_points": event.a2_points,
            "sampled": decision.sampled,
            "seed": seed,
            "draw": decision.draw,
            "exemption_reason": None if decision.exemption_reason is None else decision.exemption_reason.value,
            "status": "under_review",
            "outcome": None,
            "was_returned": False,
            "correction_deadline": None,
            "concluded_on": None,
            "received_at": now,
        }
        if review:
            to_review.append((event, envelope, decision, uuid.uuid4()))
        else:
            # Decided right away: the row goes in with its outcome (no second statement per dossier).
            record = dossier_repo.DossierRecord(**row)
            outcome = decide_outcome(totals=_totals(event), norm=context.norm(scheme_version), decided_on=today)
            row |= outcome_values(record, outcome)
            emit = _caused_by(uow, envelope)
            emit(_sampled_event(event, decision, today, case_id=None))
            emit(concluded_event(record, outcome, case_id=None, judgements=(), round_number=1))
        dossier_rows.append(row)
    await sampling_repo.insert_dossiers(session, dossier_rows)

    if to_review:
        await _open_cases(context, uow, to_review)


async def _open_cases(
    context: AuditContext,
    uow: BatchUnitOfWork,
    to_review: Sequence[tuple[DossierFrozen, Envelope, SamplingDecision, uuid.UUID]],
) -> None:
    """Open a case per sampled dossier and assign reviewers, as late in the transaction as possible: the
    assignment lock is held from here until the commit."""
    session = uow.session
    now, today = context.clock(), context.today()
    await reviewer_repo.lock_assignment(session)
    reviewers = await reviewer_repo.reviewers_with_loads(session)
    result = assign_batch(
        [ReviewCase(case_id, event.person_id, event.employer_id) for event, _, _, case_id in to_review],
        [reviewer.as_domain() for reviewer in reviewers],
    )
    assigned = {uuid.UUID(str(a.case_id)): uuid.UUID(str(a.reviewer_id)) for a in result.assignments}
    if result.unassigned:
        log.warning("%s sampled dossier(s) wait for an eligible reviewer", len(result.unassigned))
    case_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    for event, envelope, decision, case_id in to_review:
        reviewer_id = assigned.get(case_id)
        case_rows.append(
            {
                "case_id": case_id,
                "dossier_id": event.dossier_id,
                "reviewer_id": reviewer_id,
                "status": "open" if reviewer_id is not None else "unassigned",
                "self_entered_ids": [str(a.activity_id) for a in event.activities if a.self_entered],
                "created_at": now,
                "assigned_at": now if reviewer_id is not None else None,
                "closed_at": None,
            }
        )
        by_id = {str(a.activity_id): a for a in event.activities}
        for rank, activity_id in enumerate(decision.activity_ids, start=1):
            activity = by_id[str(activity_id)]
            activity_rows.append(
                {
                    "case_id": case_id,
                    "activity_id": activity.activity_id,
                    "rank": rank,
                    "category": activity.category,
                    "activity_type": activity.activity_type,
                    "title": activity.title,
                    "description": activity.description,
                    "points": activity.points,
                    "accredited": activity.accredited,
                    "completion_date": activity.completion_date,
                    "evidence": [evidence.model_dump(mode="json") for evidence in activity.evidence],
                }
            )
        uow.emit_caused_by(_sampled_event(event, decision, today, case_id=case_id), envelope)
        if reviewer_id is not None:
            uow.emit_caused_by(
                contracts.EvidenceAccessGranted(
                    case_id=case_id,
                    dossier_id=event.dossier_id,
                    person_id=event.person_id,
                    reviewer_id=reviewer_id,
                    activity_ids=[uuid.UUID(str(activity_id)) for activity_id in decision.activity_ids],
                    granted_on=today,
                ),
                envelope,
            )
    await case_repo.insert_cases(session, case_rows)
    await case_repo.insert_case_activities(session, activity_rows)


def _sampled_event(
    event: DossierFrozen, decision: SamplingDecision, today: date, *, case_id: uuid.UUID | None
) -> contracts.DossierSampled:
    return contracts.DossierSampled(
        dossier_id=event.dossier_id,
        person_id=event.person_id,
        sampled=decision.sampled,
        seed=decision.seed,
        activity_ids=[uuid.UUID(str(activity_id)) for activity_id in decision.activity_ids],
        case_id=case_id,
        cycle_id=event.cycle_id,
        draw=decision.draw,
        exemption_reason=None if decision.exemption_reason is None else decision.exemption_reason.value,
        sampled_on=today,
    )


async def record_resubmission(
    context: AuditContext, uow: BatchUnitOfWork, event: DossierFrozen, envelope: Envelope
) -> None:
    """A dossier returned for correction came back (round 2): conclude it, met or not met.

    The portfolio has taken the rejected activities out of the new totals and added what the professional entered
    since; the added activities are not reviewed again. A resubmission that was not timely, or that arrives for a
    dossier not waiting for one, is recorded and otherwise ignored.
    """
    session = uow.session
    now, today = context.clock(), context.today()
    applied_on = _applied_on(event, context)
    if not await sampling_repo.insert_new_rounds(session, [_round_row(event, applied_on, now, context)]):
        log.info("round %s of dossier %s was recorded before", event.round, event.dossier_id)
        return
    dossier = await dossier_repo.get_dossier(session, event.dossier_id, for_update=True)
    if dossier is None:
        # Round 2 cannot precede round 1 in a correct run; failing sends it back (and, if it persists, to the
        # dead letters) instead of silently dropping a professional's correction.
        raise LookupError(f"resubmission of dossier {event.dossier_id}, which the audit never received")
    deadline = dossier.correction_deadline
    if dossier.status != "returned_for_correction" or deadline is None or not resubmitted_in_time(applied_on, deadline):
        log.warning(
            "resubmission (round %s) of dossier %s ignored: the dossier is %s (deadline %s, resubmitted %s)",
            event.round,
            event.dossier_id,
            dossier.status,
            deadline,
            applied_on,
        )
        return
    case = await case_repo.case_of_dossier(session, dossier.dossier_id, for_update=True)
    history = [] if case is None else (await judgement_repo.judgement_history(session, [case.case_id]))[case.case_id]
    settled = final_judgements(current_judgements(stored.recorded for stored in history))
    await dossier_repo.update_dossier(
        session,
        dossier.dossier_id,
        round=event.round,
        total_points=event.total_points,
        accredited_points=event.accredited_points,
        a2_points=event.a2_points,
    )
    resubmitted = replace(
        dossier,
        round=event.round,
        total_points=event.total_points,
        accredited_points=event.accredited_points,
        a2_points=event.a2_points,
    )
    decision = decide_outcome(
        totals=_totals(event),
        norm=context.norm(dossier.scheme_version),
        decided_on=today,
        after_correction=True,
    )
    await record_outcome(
        uow,
        resubmitted,
        decision,
        case_id=None if case is None else case.case_id,
        judgements=settled,
        round_number=event.round,
        now=now,
        emit=_caused_by(uow, envelope),
    )
