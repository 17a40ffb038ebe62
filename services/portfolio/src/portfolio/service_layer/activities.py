"""What a professional does with their entries: enter, edit, confirm, dispute, mark seen, read the history.

One function per command. Each runs in one unit of work: the change, its history row and its events commit
together (the outbox relay publishes the events afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import Conflict, NotFound, RuleViolation
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import CategoryKey
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.adapters.repositories.people import CycleRecord, PersonRecord
from portfolio.adapters.repositories.rows import as_utc
from portfolio.domain.activities import ActivitySource, EntryState, InvalidEntry, self_entered_points
from portfolio.domain.checking import CheckNotAllowed, confirmed_state, disputed_state
from portfolio.domain.cycles import is_editable, listing_cycle
from portfolio.domain.norm import assess_norm
from portfolio.service_layer.common import (
    PortfolioContext,
    new_entry,
    require_not_frozen,
    require_open_for_additions,
    require_owner,
    require_person,
    scheme_for,
    to_domain,
    version_of,
)
from portfolio.service_layer.norm_met import announce_met_norms
from portfolio.service_layer.placements import recorded_event
from portfolio.service_layer.progress import NO_CYCLE, domain_cycle
from portfolio.service_layer.views import activity_view

A1_COURSE = "course"
"""Activity type of a self-entered A1 entry (a course without accreditation)."""


async def _saved_reply(
    uow: UnitOfWork,
    context: PortfolioContext,
    person: PersonRecord,
    cycles: Sequence[CycleRecord],
    record: ActivityRecord,
) -> contracts.ActivitySaved:
    """The entry as the portfolio shows it, including whether it counts in its own cycle."""
    evidence = (await evidence_repo.evidence_by_activity(uow.session, [record.activity_id]))[record.activity_id]
    last_seen_at = await activity_repo.get_last_seen(uow.session, person.person_id)
    cycle = listing_cycle(cycles, record.completion_date)
    exclusion: str | None = NO_CYCLE
    if cycle is not None:
        # Whether one entry counts depends only on its own dates, type and state, so assessing it alone suffices.
        outcome = assess_norm(
            domain_cycle(person, cycle),
            context.book.get(cycle.scheme_version),
            [to_domain(record)],
            today=context.today(),
        )
        exclusion = outcome.excluded[0].reason.value if outcome.excluded else None
    return contracts.ActivitySaved(
        activity=activity_view(
            record,
            book=context.book,
            cycles=cycles,
            evidence=evidence,
            today=context.today(),
            last_seen_at=last_seen_at,
            counts=exclusion is None,
            exclusion=exclusion,
        )
    )


class _Entered(TypedDict):
    """An entry's fields as the professional entered them, with the type and points that follow from them."""

    # entered
    title: str
    description: str
    completion_date: date
    category: str
    a2_type: str | None
    study_load_hours: Decimal | None
    quantity: Decimal | None
    hours_per_unit: Decimal | None
    # what follows from it
    activity_type: str
    points: Decimal


def _entered(
    context: PortfolioContext, cycles: Sequence[CycleRecord], entry: contracts.ActivityInput, today: date
) -> _Entered:
    """The entered fields, priced (422 with a reason when they are wrong)."""
    category, activity_type, a2_type, points = _priced(context, cycles, entry, today)
    return _Entered(
        title=entry.title.strip(),
        description=entry.description.strip(),
        completion_date=entry.completion_date,
        category=category.value,
        a2_type=a2_type,
        study_load_hours=entry.study_load_hours,
        quantity=entry.quantity,
        hours_per_unit=entry.hours_per_unit,
        activity_type=activity_type,
        points=points,
    )


def _priced(
    context: PortfolioContext, cycles: Sequence[CycleRecord], entry: contracts.ActivityInput, today: date
) -> tuple[CategoryKey, str, str | None, Decimal]:
    """Category, activity type, A2 type and points of an entered activity (422 with a reason when it is wrong)."""
    if entry.completion_date > today:
        raise RuleViolation("completion_in_future", "an activity can only be entered once it is completed")
    category = CategoryKey(entry.category)
    scheme = scheme_for(context.book, cycles, entry.completion_date)
    try:
        points = self_entered_points(
            scheme,
            category,
            study_load_hours=entry.study_load_hours,
            a2_type=entry.a2_type,
            quantity=entry.quantity,
            hours_per_unit=entry.hours_per_unit,
        )
    except InvalidEntry as exc:
        raise RuleViolation(exc.code, str(exc)) from exc
    if category is CategoryKey.A1:
        return category, A1_COURSE, None, points
    assert entry.a2_type is not None  # self_entered_points requires it for A2
    return category, entry.a2_type, entry.a2_type, points


async def _evidence_to_attach(
    uow: UnitOfWork, person_id: uuid.UUID, evidence_ids: Sequence[uuid.UUID], activity_id: uuid.UUID
) -> list[EvidenceRecord]:
    """The person's own files, not attached to another entry (404 / 409 otherwise)."""
    wanted = list(dict.fromkeys(evidence_ids))
    found = await evidence_repo.evidence_of_person(uow.session, person_id, wanted)
    if len(found) != len(wanted):
        raise NotFound("evidence_not_found", "one of the evidence files does not exist or is not yours")
    for evidence in found:
        if evidence.activity_id is not None and evidence.activity_id != activity_id:
            raise Conflict("evidence_already_attached", f"{evidence.filename} belongs to another activity")
    return found


async def _person_for_entry_change(uow: UnitOfWork, person_id: uuid.UUID) -> tuple[PersonRecord, list[CycleRecord]]:
    """The registered person and their cycles, share-locked: a freeze of a cycle waits for the entry change (and
    sees it), and a change after the freeze sees the frozen cycle."""
    person = await require_person(uow, person_id)
    return person, await people_repo.list_cycles(uow.session, person.person_id, lock="share")


async def _keep_persons_change(
    uow: UnitOfWork,
    record: ActivityRecord,
    actor: contracts.Actor,
    change: str,
    *,
    at: datetime,
    evidence_ids: Sequence[uuid.UUID] = (),
    reason: str = "",
) -> None:
    """The history row of a change the professional made to their entry (from where: the actor's origin)."""
    version = version_of(
        record,
        change=change,
        actor_kind="person",
        actor_id=str(actor.person_id),
        origin=actor.origin,
        reason=reason,
        at=at,
        evidence_ids=evidence_ids,
    )
    await activity_repo.insert_versions(uow.session, [version])


async def record_activity(context: PortfolioContext, command: contracts.RecordActivity) -> contracts.ActivitySaved:
    """RecordActivity: a self-entered entry, to be checked by a possible audit. Emits ActivityRecorded."""
    require_owner(command.person_id, command.actor)
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        person, cycles = await _person_for_entry_change(uow, command.person_id)
        entry = command.activity
        require_open_for_additions(cycles, entry.completion_date, today)
        entered = _entered(context, cycles, entry, today)
        activity_id = uuid.uuid4()
        evidence = await _evidence_to_attach(uow, person.person_id, command.evidence_ids, activity_id)
        record = new_entry(
            activity_id=activity_id,
            person_id=person.person_id,
            source=ActivitySource.SELF_ENTERED,
            accredited=False,
            state=EntryState.TO_BE_CHECKED,
            at=now,
            **entered,
        )
        await activity_repo.insert_activity(uow.session, record)
        await evidence_repo.attach_evidence(uow.session, activity_id, [item.evidence_id for item in evidence])
        await _keep_persons_change(
            uow, record, command.actor, "recorded", at=now, evidence_ids=[item.evidence_id for item in evidence]
        )
        uow.emit(recorded_event(record))
        await announce_met_norms(context, uow, [person.person_id])
        reply = await _saved_reply(uow, context, person, cycles, record)
        await uow.commit()
    return reply


async def _own_activity(uow: UnitOfWork, person_id: uuid.UUID, activity_id: uuid.UUID) -> ActivityRecord:
    record = await activity_repo.get_activity(uow.session, activity_id, for_update=True)
    if record is None or record.person_id != person_id:
        raise NotFound("activity_not_found", "no such activity in this portfolio")
    return record


async def edit_activity(context: PortfolioContext, command: contracts.EditActivity) -> contracts.ActivitySaved:
    """EditActivity: a new version of a self-entered entry's fields (and optionally its set of files)."""
    require_owner(command.person_id, command.actor)
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        person, cycles = await _person_for_entry_change(uow, command.person_id)
        current = await _own_activity(uow, person.person_id, command.activity_id)
        if current.source != ActivitySource.SELF_ENTERED:
            raise Conflict("not_editable", "entries placed by a provider or the committee are corrected at the source")
        if current.version != command.expected_version:
            raise Conflict(
                "stale_version",
                f"the activity changed meanwhile (now version {current.version}); reload and edit again",
            )
        entry = command.activity
        require_not_frozen(cycles, current.completion_date, entry.completion_date)
        if not is_editable(current, cycles):
            raise Conflict("not_editable", f"an activity that is {current.state} can no longer be edited")
        entered = _entered(context, cycles, entry, today)
        attached_now = (await evidence_repo.evidence_by_activity(uow.session, [current.activity_id]))[
            current.activity_id
        ]
        evidence_ids = [item.evidence_id for item in attached_now]
        if command.evidence_ids is not None:
            wanted = await _evidence_to_attach(uow, person.person_id, command.evidence_ids, current.activity_id)
            evidence_ids = [item.evidence_id for item in wanted]
        edited = replace(current, **entered)
        unchanged_files = sorted(evidence_ids) == sorted(item.evidence_id for item in attached_now)
        if edited == current and unchanged_files:
            # Saving an unchanged form is not a change: no new version, no history row.
            reply = await _saved_reply(uow, context, person, cycles, current)
            return reply
        edited = replace(edited, version=current.version + 1, updated_at=now)
        await activity_repo.update_activity(uow.session, edited, previous_version=current.version)
        if not unchanged_files:
            dropped = [item.evidence_id for item in attached_now if item.evidence_id not in evidence_ids]
            await evidence_repo.attach_evidence(uow.session, None, dropped)
            await evidence_repo.attach_evidence(uow.session, current.activity_id, evidence_ids)
        await _keep_persons_change(
            uow, edited, command.actor, "edited", at=now, evidence_ids=evidence_ids, reason=command.reason.strip()
        )
        await announce_met_norms(context, uow, [person.person_id])
        reply = await _saved_reply(uow, context, person, cycles, edited)
        await uow.commit()
    return reply


async def _check(
    context: PortfolioContext,
    person_id: uuid.UUID,
    actor: contracts.Actor,
    activity_id: uuid.UUID,
    *,
    dispute_reason: str | None,
) -> contracts.ActivitySaved:
    """Confirm (``dispute_reason`` None) or dispute a provider-placed entry, within its window."""
    require_owner(person_id, actor)
    now, today = context.clock(), context.today()
    async with context.unit_of_work() as uow:
        person, cycles = await _person_for_entry_change(uow, person_id)
        current = await _own_activity(uow, person.person_id, activity_id)
        require_not_frozen(cycles, current.completion_date)
        window = scheme_for(context.book, cycles, current.completion_date).portfolio.confirm_dispute_window_days
        source, state = ActivitySource(current.source), EntryState(current.state)
        placed_on = current.recorded_at.date()
        try:
            if dispute_reason is None:
                new_state = confirmed_state(source, state, placed_on, window, today)
            else:
                new_state = disputed_state(source, state, placed_on, window, today)
        except CheckNotAllowed as exc:
            raise Conflict(exc.code, str(exc)) from exc
        if new_state is None:  # confirming a confirmed entry again changes nothing
            reply = await _saved_reply(uow, context, person, cycles, current)
            return reply
        reason = (dispute_reason or "").strip()
        checked = replace(
            current, version=current.version + 1, state=new_state.value, state_reason=reason, updated_at=now
        )
        await activity_repo.update_activity(uow.session, checked, previous_version=current.version)
        await _keep_persons_change(uow, checked, actor, new_state.value, at=now, reason=reason)
        if new_state is EntryState.DISPUTED:
            assert checked.attendance_id is not None and checked.provider_id is not None  # provider-placed
            uow.emit(
                contracts.ActivityDisputed(
                    activity_id=checked.activity_id,
                    person_id=checked.person_id,
                    attendance_id=checked.attendance_id,
                    provider_id=checked.provider_id,
                    reason=reason,
                    disputed_at=now,
                )
            )
        reply = await _saved_reply(uow, context, person, cycles, checked)
        await uow.commit()
    return reply


async def confirm_activity(context: PortfolioContext, command: contracts.ConfirmActivity) -> contracts.ActivitySaved:
    """ConfirmActivity: the professional agrees with a provider-placed entry."""
    return await _check(context, command.person_id, command.actor, command.activity_id, dispute_reason=None)


async def dispute_activity(context: PortfolioContext, command: contracts.DisputeActivity) -> contracts.ActivitySaved:
    """DisputeActivity: the professional says a provider-placed entry is wrong. Emits ActivityDisputed."""
    reason = command.reason.strip()
    if not reason:
        raise RuleViolation("reason_required", "a dispute needs a reason the provider and the office can act on")
    return await _check(context, command.person_id, command.actor, command.activity_id, dispute_reason=reason)


async def mark_seen(context: PortfolioContext, command: contracts.MarkPortfolioSeen) -> contracts.PortfolioSeen:
    """MarkPortfolioSeen: entries recorded up to ``seen_up_to`` are no longer new."""
    require_owner(command.person_id, command.actor)
    now = context.clock()
    seen_up_to = now if command.seen_up_to is None else min(as_utc(command.seen_up_to), now)
    async with context.unit_of_work() as uow:
        person = await require_person(uow, command.person_id)
        stored = await activity_repo.set_last_seen(uow.session, person.person_id, seen_up_to)
        await uow.commit()
    return contracts.PortfolioSeen(last_seen_at=stored)


async def activity_history(context: PortfolioContext, query: contracts.GetActivityHistory) -> contracts.ActivityHistory:
    """GetActivityHistory: every version of one entry, oldest first."""
    require_owner(query.person_id, query.actor)
    async with context.unit_of_work() as uow:
        record = await activity_repo.get_activity(uow.session, query.activity_id)
        if record is None or record.person_id != query.person_id:
            raise NotFound("activity_not_found", "no such activity in this portfolio")
        versions = await activity_repo.list_versions(uow.session, query.activity_id)
    return contracts.ActivityHistory(
        activity_id=query.activity_id,
        versions=[
            contracts.ActivityVersionView(
                version=version.version,
                changed_at=version.changed_at,
                actor_kind=version.actor_kind,
                actor_id=version.actor_id,
                origin=version.origin,
                change=version.change,
                reason=version.reason,
                state=version.state,
                points=version.points,
                snapshot=version.snapshot,
            )
            for version in versions
        ],
    )
