"""Re-registration in the portfolio: applying freezes a cycle into a dossier; the audit's events come back.

- ApplyForReregistration: within the cycle's application window, with the norm met on the counting activities,
  once per cycle. Freezes the cycle, stores the dossier with its activities and emits DossierFrozen (round 1).
- audit.DossierSampled / ActivityJudged / AuditConcluded: the dossier's status follows the audit; final judgements
  set the entries' states (approved, rejected with the reason); a return for correction opens the cycle for new
  entries until the correction deadline.
- ResubmitDossier: after a return, before the deadline, with the norm met again (rejected entries no longer
  count): the same dossier in the next round, DossierFrozen again.

Freezing locks the person's cycle rows (`list_cycles(lock="update")`) and entry changes take a share lock on
them, so an entry is either in the dossier or refused as frozen, never lost in between.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import Conflict, NotFound, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import CategoryKey
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import dossiers as dossier_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.dossiers import DossierRecord
from portfolio.adapters.repositories.people import CycleRecord, PersonRecord
from portfolio.domain.activities import ActivitySource, EntryState
from portfolio.domain.norm import NormOutcome, assess_norm
from portfolio.domain.reregistration import (
    ApplicationWindow,
    WindowPosition,
    application_window,
    dossier_totals,
    may_resubmit,
    shortfall_text,
)
from portfolio.service_layer.common import (
    PortfolioContext,
    asked_cycle,
    require_owner,
    require_person,
    to_domain,
    version_of,
)
from portfolio.service_layer.progress import domain_cycle

log = logging.getLogger(__name__)

ACTIVE_STATUSES = frozenset({"registered"})
"""Registration statuses from which one may apply (pending, expired, suspended and struck off may not)."""


# --- applying ----------------------------------------------------------------------------------------------------


def window_of(context: PortfolioContext, cycle: CycleRecord) -> ApplicationWindow:
    """The cycle's application window, by the cycle's own scheme version."""
    months = context.book.get(cycle.scheme_version).reregistration.application_opens_months_before_end
    return application_window(cycle.ends_on, months)


def cycle_to_apply_for(
    context: PortfolioContext, cycles: Sequence[CycleRecord], cycle_id: uuid.UUID | None, today: date
) -> CycleRecord:
    if not cycles:
        raise NotFound("no_cycle", "no cycle is open for this person yet")
    if cycle_id is not None:
        return asked_cycle(cycles, cycle_id)
    for cycle in cycles:
        if window_of(context, cycle).position(today) is WindowPosition.OPEN:
            return cycle
    # No window is open today: answer about the cycle the person is in (or the latest begun), so the refusal says
    # when its window opens or that it closed.
    begun = [cycle for cycle in cycles if cycle.starts_on <= today]
    return begun[-1] if begun else cycles[0]


def _assess(
    context: PortfolioContext, person: PersonRecord, cycle: CycleRecord, records: Sequence[ActivityRecord], today: date
) -> NormOutcome:
    return assess_norm(
        domain_cycle(person, cycle),
        context.book.get(cycle.scheme_version),
        [to_domain(r) for r in records],
        today=today,
    )


async def _counting_snapshot(
    uow: UnitOfWork, context: PortfolioContext, person: PersonRecord, cycle: CycleRecord, today: date
) -> tuple[NormOutcome, list[contracts.DossierActivity]]:
    """The norm on the cycle's entries, and the counting ones as dossier activities (with their evidence)."""
    records = await activity_repo.list_activities(
        uow.session, person.person_id, completed_from=cycle.starts_on, completed_to=cycle.ends_on
    )
    outcome = _assess(context, person, cycle, records, today)
    counted_ids = {activity.id for activity in outcome.counted}
    counted = [record for record in records if str(record.activity_id) in counted_ids]
    evidence = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id for record in counted])
    activities = [
        contracts.DossierActivity(
            activity_id=record.activity_id,
            category=CategoryKey(record.category).value,
            activity_type=record.activity_type,
            points=record.points,
            accredited=record.accredited,
            self_entered=record.source == ActivitySource.SELF_ENTERED,
            completion_date=record.completion_date,
            description=record.description,
            title=record.title,
            source=record.source,
            state=record.state,
            a2_type=record.a2_type,
            study_load_hours=record.study_load_hours,
            quantity=record.quantity,
            hours_per_unit=record.hours_per_unit,
            evidence=[
                contracts.DossierEvidence(
                    evidence_id=item.evidence_id,
                    filename=item.filename,
                    file_type=item.file_type,
                    size_bytes=item.size_bytes,
                )
                for item in evidence[record.activity_id]
            ],
        )
        for record in counted
    ]
    return outcome, activities


def _activity_rows(
    dossier_id: uuid.UUID, round_number: int, activities: Sequence[contracts.DossierActivity]
) -> list[dict[str, Any]]:
    return [
        {
            "dossier_id": dossier_id,
            "round": round_number,
            "activity_id": a.activity_id,
            "category": a.category,
            "activity_type": a.activity_type,
            "title": a.title,
            "description": a.description,
            "points": a.points,
            "accredited": a.accredited,
            "self_entered": a.self_entered,
            "completion_date": a.completion_date,
            "evidence": [item.model_dump(mode="json") for item in a.evidence],
        }
        for a in activities
    ]


def _frozen_event(
    person: PersonRecord, cycle: CycleRecord, dossier: DossierRecord, activities: Sequence[contracts.DossierActivity]
) -> contracts.DossierFrozen:
    return contracts.DossierFrozen(
        dossier_id=dossier.dossier_id,
        person_id=person.person_id,
        registration_number=person.registration_number,
        cycle_id=cycle.cycle_id,
        employer_id=person.employer_id,
        total_points=dossier.total_points,
        accredited_points=dossier.accredited_points,
        a2_points=dossier.a2_points,
        norm_met=dossier.norm_met,
        activities=list(activities),
        round=dossier.round,
        applied_on=dossier.applied_on,
        registered_since=person.registered_since,
        scheme_version=cycle.scheme_version,
        cycle_starts_on=cycle.starts_on,
        cycle_ends_on=cycle.ends_on,
    )


# What DossierFrozen carries for the audit's automatic checks but the dossier's rows do not keep: the view shows
# the dossier as stored, the same right after applying as when read back later.
_NOT_STORED: dict[str, Any] = {
    "source": None,
    "state": None,
    "a2_type": None,
    "study_load_hours": None,
    "quantity": None,
    "hours_per_unit": None,
}


def dossier_view(dossier: DossierRecord, activities: Sequence[contracts.DossierActivity]) -> contracts.DossierView:
    return contracts.DossierView(
        dossier_id=dossier.dossier_id,
        person_id=dossier.person_id,
        cycle_id=dossier.cycle_id,
        round=dossier.round,
        status=dossier.status,
        applied_on=dossier.applied_on,
        frozen_at=dossier.frozen_at,
        total_points=dossier.total_points,
        accredited_points=dossier.accredited_points,
        a2_points=dossier.a2_points,
        norm_met=dossier.norm_met,
        sampled=dossier.sampled,
        correction_deadline=dossier.correction_deadline,
        concluded_on=dossier.concluded_on,
        activities=[activity.model_copy(update=_NOT_STORED) for activity in activities],
        registry_decision=dossier.registry_decision,
        registry_decided_on=dossier.registry_decided_on,
    )


async def apply_for_reregistration(
    context: PortfolioContext, command: contracts.ApplyForReregistration
) -> contracts.DossierView:
    """ApplyForReregistration: freeze the cycle into a dossier and send it to the audit (DossierFrozen)."""
    require_owner(command.person_id, command.actor)
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        person = await require_person(uow, command.person_id)
        if person.status not in ACTIVE_STATUSES:
            raise Conflict("registration_not_active", f"a registration that is {person.status} cannot be renewed")
        cycles = await people_repo.list_cycles(uow.session, person.person_id, lock="update")
        cycle = cycle_to_apply_for(context, cycles, command.cycle_id, today)
        window = window_of(context, cycle)
        position = window.position(today)
        if position is WindowPosition.BEFORE:
            raise Conflict("window_not_open", f"applying for this cycle is possible from {window.opens_on.isoformat()}")
        if position is WindowPosition.AFTER:
            raise Conflict(
                "window_closed", f"the cycle ended on {window.closes_on.isoformat()}; applying is no longer possible"
            )
        if (
            cycle.frozen_at is not None
            or await dossier_repo.find_dossier(uow.session, cycle_id=cycle.cycle_id) is not None
        ):
            raise Conflict("already_applied", "an application for this cycle was made already")
        outcome, activities = await _counting_snapshot(uow, context, person, cycle, today)
        if not outcome.met:
            raise RuleViolation("norm_not_met", f"the norm is not met: {shortfall_text(outcome.constraints)}")
        if not await people_repo.freeze_cycle(uow.session, cycle.cycle_id, now):
            raise Conflict("already_applied", "an application for this cycle was made already")
        totals = dossier_totals(outcome)
        dossier = DossierRecord(
            dossier_id=uuid.uuid4(),
            person_id=person.person_id,
            cycle_id=cycle.cycle_id,
            round=1,
            status="frozen",
            applied_on=today,
            frozen_at=now,
            total_points=totals.total,
            accredited_points=totals.accredited,
            a2_points=totals.a2,
            norm_met=totals.norm_met,
            sampled=None,
            correction_deadline=None,
            concluded_on=None,
            updated_at=now,
        )
        await dossier_repo.insert_dossier(uow.session, dossier)
        await dossier_repo.insert_dossier_activities(uow.session, _activity_rows(dossier.dossier_id, 1, activities))
        uow.emit(_frozen_event(person, cycle, dossier, activities))
        await uow.commit()
    return dossier_view(dossier, activities)


async def resubmit_dossier(context: PortfolioContext, command: contracts.ResubmitDossier) -> contracts.DossierView:
    """ResubmitDossier: the dossier returned for correction goes back to the audit, with the added activities."""
    require_owner(command.person_id, command.actor)
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        person = await require_person(uow, command.person_id)
        cycles = await people_repo.list_cycles(uow.session, person.person_id, lock="update")
        current = await dossier_repo.find_dossier(
            uow.session, person_id=person.person_id, cycle_id=command.cycle_id, for_update=True
        )
        if current is None:
            raise NotFound("dossier_not_found", "no re-registration dossier for this cycle")
        if current.status != "returned_for_correction":
            raise Conflict(
                "not_returned_for_correction", f"the dossier is {current.status}, not returned for correction"
            )
        if not may_resubmit(current.correction_deadline, today):
            raise Conflict("correction_closed", f"corrections were possible until {current.correction_deadline}")
        cycle = next(c for c in cycles if c.cycle_id == current.cycle_id)
        outcome, activities = await _counting_snapshot(uow, context, person, cycle, today)
        if not outcome.met:
            raise RuleViolation("norm_not_met", f"the norm is not met yet: {shortfall_text(outcome.constraints)}")
        await people_repo.freeze_cycle(uow.session, cycle.cycle_id, now, refreeze=True)
        totals = dossier_totals(outcome)
        dossier = replace(
            current,
            round=current.round + 1,
            status="frozen",
            frozen_at=now,
            total_points=totals.total,
            accredited_points=totals.accredited,
            a2_points=totals.a2,
            norm_met=totals.norm_met,
            updated_at=now,
        )
        await dossier_repo.update_dossier(
            uow.session,
            dossier.dossier_id,
            round=dossier.round,
            status=dossier.status,
            frozen_at=now,
            total_points=dossier.total_points,
            accredited_points=dossier.accredited_points,
            a2_points=dossier.a2_points,
            norm_met=dossier.norm_met,
            updated_at=now,
        )
        await dossier_repo.insert_dossier_activities(
            uow.session, _activity_rows(dossier.dossier_id, dossier.round, activities)
        )
        # The audit dates the resubmission by `applied_on` (was it before the deadline?); the application date
        # itself stays in the portfolio's row.
        uow.emit(_frozen_event(person, cycle, replace(dossier, applied_on=today), activities))
        await uow.commit()
    return dossier_view(dossier, activities)


async def get_dossier(context: PortfolioContext, query: contracts.GetDossier) -> contracts.DossierView:
    """GetDossier: the person's dossier (of a cycle, or the latest) with its status and activities."""
    require_owner(query.person_id, query.actor)
    async with context.unit_of_work() as uow:
        dossier = await dossier_repo.find_dossier(uow.session, person_id=query.person_id, cycle_id=query.cycle_id)
        if dossier is None:
            raise NotFound("dossier_not_found", "no re-registration dossier yet")
        rows = await dossier_repo.dossier_activity_rows(uow.session, dossier.dossier_id, dossier.round)
    return dossier_view(dossier, [contracts.DossierActivity.model_validate(row) for row in rows])


# --- the audit's events ------------------------------------------------------------------------------------------


async def _dossier_for_event(uow: UnitOfWork, dossier_id: uuid.UUID) -> DossierRecord:
    dossier = await dossier_repo.find_dossier(uow.session, dossier_id=dossier_id, for_update=True)
    if dossier is None:
        # The portfolio made every dossier before announcing it; an unknown one is an error worth a dead letter.
        raise LookupError(f"audit event about dossier {dossier_id}, which the portfolio does not know")
    return dossier


async def record_sampling(
    context: PortfolioContext, uow: UnitOfWork, event: audit_events.DossierSampled, _envelope: Envelope
) -> None:
    """audit.DossierSampled: remember whether the dossier is in the sample (under review while it is)."""
    dossier = await _dossier_for_event(uow, event.dossier_id)
    values: dict[str, Any] = {"sampled": event.sampled, "updated_at": context.clock()}
    # Only the first round is sampled; a late decision must not move a dossier that was concluded meanwhile.
    if event.sampled and dossier.round == 1 and dossier.status == "frozen":
        values["status"] = "under_review"
    await dossier_repo.update_dossier(uow.session, dossier.dossier_id, **values)


async def record_judgement(
    context: PortfolioContext, uow: UnitOfWork, event: audit_events.ActivityJudged, _envelope: Envelope
) -> None:
    """audit.ActivityJudged: a final judgement sets the entry's state at once (a question changes nothing here)."""
    if event.judgement == "more_information_needed":
        return
    dossier = await _dossier_for_event(uow, event.dossier_id)
    if dossier.status not in {"frozen", "under_review"}:
        # Concluded already: AuditConcluded carried the final judgements; an older one must not overwrite them.
        log.info(
            "judgement of %s arrived after dossier %s was concluded; ignored", event.activity_id, dossier.dossier_id
        )
        return
    await _set_judged_state(uow, context.clock(), event.activity_id, event.judgement, event.reason, event.case_id)


async def record_audit_outcome(
    context: PortfolioContext, uow: UnitOfWork, event: audit_events.AuditConcluded, _envelope: Envelope
) -> None:
    """audit.AuditConcluded: the dossier's outcome; a return for correction opens the cycle for additions."""
    now = context.clock()
    dossier = await _dossier_for_event(uow, event.dossier_id)
    if event.round != dossier.round:
        log.info(
            "outcome of round %s of dossier %s is stale (now round %s); ignored",
            event.round,
            dossier.dossier_id,
            dossier.round,
        )
        return
    for judgement in event.judgements:
        await _set_judged_state(uow, now, judgement.activity_id, judgement.judgement, judgement.reason, event.case_id)
    if event.outcome == "returned_for_correction":
        await dossier_repo.update_dossier(
            uow.session,
            dossier.dossier_id,
            status="returned_for_correction",
            correction_deadline=event.correction_deadline,
            updated_at=now,
        )
        await people_repo.set_correction_until(uow.session, dossier.cycle_id, event.correction_deadline)
        return
    await dossier_repo.update_dossier(
        uow.session,
        dossier.dossier_id,
        status=event.outcome,
        sampled=event.sampled,
        concluded_on=event.concluded_on,
        updated_at=now,
    )
    await people_repo.set_correction_until(uow.session, dossier.cycle_id, None)


async def _set_judged_state(
    uow: UnitOfWork, now: datetime, activity_id: uuid.UUID, judgement: str, reason: str, case_id: uuid.UUID | None
) -> None:
    """Set a self-entered entry to approved or rejected (a new version, by the assessment committee)."""
    record = await activity_repo.get_activity(uow.session, activity_id, for_update=True)
    if record is None or record.source != ActivitySource.SELF_ENTERED:
        log.warning("judgement of %s ignored: no self-entered entry with that id", activity_id)
        return
    state = EntryState.APPROVED if judgement == "approved" else EntryState.REJECTED
    if record.state == state and record.state_reason == reason:
        return  # the same judgement again (the event and the outcome both carry it)
    judged = replace(record, version=record.version + 1, state=state.value, state_reason=reason, updated_at=now)
    await activity_repo.update_activity(uow.session, judged, previous_version=record.version)
    evidence = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id])
    await activity_repo.insert_versions(
        uow.session,
        [
            version_of(
                judged,
                change=state.value,
                actor_kind="assessment_committee",
                actor_id=str(case_id) if case_id is not None else "audit",
                at=now,
                origin="audit",
                reason=reason,
                evidence_ids=[item.evidence_id for item in evidence[record.activity_id]],
            )
        ],
    )


# --- the registry's decisions --------------------------------------------------------------------------------------


async def record_reregistration_requested(
    uow: UnitOfWork, event: registry_events.ReregistrationRequested, _envelope: Envelope
) -> None:
    """registry.ReregistrationRequested: the registry accepted the frozen dossier as a timely application."""
    await dossier_repo.mark_reregistration_requested(uow.session, event.cycle_id)


async def record_reregistration_decided(
    uow: UnitOfWork, event: registry_events.ReregistrationDecided, _envelope: Envelope
) -> None:
    """registry.ReregistrationDecided: granted or not; the dossier shows it and its activities stay used."""
    await dossier_repo.set_registry_decision(
        uow.session, event.cycle_id, "granted" if event.granted else "not_granted", event.decided_on
    )
