"""Reading a portfolio: a cycle's entries with progress against the norm, what-if questions, and the history.

The norm itself is computed by the domain (`assess_norm`); this module loads what it needs, picks the cycle and
shapes the reply, including the server-rendered SVG.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import NotFound, RuleViolation
from lklr_shared.scheme import CategoryKey
from portfolio.adapters import svg
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.activities import ActivityRecord
from portfolio.adapters.repositories.evidence import EvidenceRecord
from portfolio.adapters.repositories.people import CycleRecord, PersonRecord
from portfolio.domain.activities import Activity, ActivitySource, EntryState, floor_to_point_step, self_entered_points
from portfolio.domain.activities import InvalidEntry as DomainInvalidEntry
from portfolio.domain.cycles import contains
from portfolio.domain.norm import ConstraintProgress, Cycle, NormOutcome, assess_norm
from portfolio.domain.progress import points_per_year
from portfolio.domain.reregistration import application_window
from portfolio.service_layer.common import (
    PortfolioContext,
    asked_cycle,
    require_owner,
    require_person,
    scheme_for,
    to_domain,
)
from portfolio.service_layer.views import activity_view, cycle_view

NO_CYCLE = "no_cycle"
"""Exclusion shown while the registry has opened no cycle that could hold the entry."""

_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "total": "Totaal",
        "accredited": "Geaccrediteerd",
        "a2": "A2-activiteiten",
        "of": "van",
        "progress_title": "Voortgang ten opzichte van de norm",
        "timeline_title": "Punten per jaar",
    },
    "en": {
        "total": "Total",
        "accredited": "Accredited",
        "a2": "A2 activities",
        "of": "of",
        "progress_title": "Progress against the norm",
        "timeline_title": "Points per year",
    },
}


def labels(language: str) -> dict[str, str]:
    return _LABELS[language]


@dataclass(frozen=True)
class LoadedPortfolio:
    """Everything one portfolio view is built from."""

    person: PersonRecord
    cycles: list[CycleRecord]
    cycle: CycleRecord | None
    records: list[ActivityRecord]
    evidence: dict[uuid.UUID, list[EvidenceRecord]]
    last_seen_at: datetime | None
    outcome: NormOutcome | None
    today: date
    generated_at: datetime

    def exclusion_of(self, record: ActivityRecord) -> str | None:
        """Why the entry does not count in the shown cycle (None when it counts)."""
        if self.outcome is None:
            return NO_CYCLE
        return _exclusions(self.outcome).get(str(record.activity_id))


def _exclusions(outcome: NormOutcome) -> dict[str, str]:
    return {exclusion.activity.id: exclusion.reason.value for exclusion in outcome.excluded}


def choose_cycle(cycles: Sequence[CycleRecord], cycle_id: uuid.UUID | None, today: date) -> CycleRecord | None:
    """The asked cycle (404 when it is not the person's), else the one holding today, else the latest begun."""
    if cycle_id is not None:
        return asked_cycle(cycles, cycle_id)
    for cycle in cycles:
        if contains(cycle, today):
            return cycle
    begun = [cycle for cycle in cycles if cycle.starts_on <= today]
    if begun:
        return begun[-1]
    return cycles[0] if cycles else None


def domain_cycle(person: PersonRecord, cycle: CycleRecord) -> Cycle:
    # The registry opens the first cycle on the registration date; min() guards against a cycle dated earlier.
    return Cycle(
        start=cycle.starts_on,
        end=cycle.ends_on,
        registration_start=min(person.registered_since, cycle.starts_on),
        scheme_version=cycle.scheme_version,
    )


async def load_portfolio(
    context: PortfolioContext,
    person_id: uuid.UUID,
    cycle_id: uuid.UUID | None,
    *,
    today: date,
    generated_at: datetime,
) -> LoadedPortfolio:
    """Load a person's entries of one cycle and assess them against the cycle's norm."""
    async with context.unit_of_work() as uow:
        person = await require_person(uow, person_id)
        cycles = await people_repo.list_cycles(uow.session, person.person_id)
        cycle = choose_cycle(cycles, cycle_id, today)
        if cycle is None:
            completed_from = completed_to = None
        else:
            # The first cycle also lists work from before registration, the latest work after its end, so
            # every entry shows up somewhere (as not counting, with the reason).
            completed_from = None if cycle is cycles[0] else cycle.starts_on
            completed_to = None if cycle is cycles[-1] else cycle.ends_on
        records = await activity_repo.list_activities(
            uow.session, person.person_id, completed_from=completed_from, completed_to=completed_to
        )
        evidence = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id for record in records])
        last_seen_at = await activity_repo.get_last_seen(uow.session, person.person_id)
    outcome = None
    if cycle is not None:
        outcome = assess_norm(
            domain_cycle(person, cycle),
            context.book.get(cycle.scheme_version),
            [to_domain(record) for record in records],
            today=today,
        )
    return LoadedPortfolio(
        person=person,
        cycles=cycles,
        cycle=cycle,
        records=records,
        evidence=dict(evidence),
        last_seen_at=last_seen_at,
        outcome=outcome,
        today=today,
        generated_at=generated_at,
    )


def constraint_views(
    constraints: Sequence[ConstraintProgress], language: str
) -> list[contracts.ConstraintProgressView]:
    names = labels(language)
    return [
        contracts.ConstraintProgressView(
            constraint=constraint.kind.value,
            label=names[constraint.kind.value],
            earned=constraint.earned,
            minimum=constraint.minimum,
            missing=constraint.missing,
            met=constraint.met,
        )
        for constraint in constraints
    ]


def progress_view(outcome: NormOutcome, language: str) -> contracts.NormProgress:
    return contracts.NormProgress(
        scheme_version=outcome.scheme.version,
        met=outcome.met,
        constraints=constraint_views(outcome.constraints, language),
        min_additional_points=outcome.min_additional_points,
        days_left=outcome.days_left,
        buffer_points=outcome.buffer_points,
        at_risk_points=outcome.at_risk_points,
        disputed_points=outcome.disputed_points,
        per_year=[
            contracts.YearPointsView(year=year.year, total=year.total, accredited=year.accredited, a2=year.a2)
            for year in points_per_year(outcome)
        ],
    )


def build_portfolio(
    loaded: LoadedPortfolio, context: PortfolioContext, *, language: str, include_svg: bool
) -> contracts.Portfolio:
    """The Portfolio reply (also the input of the CSV and PDF exports)."""
    activities = [
        activity_view(
            record,
            book=context.book,
            cycles=loaded.cycles,
            evidence=loaded.evidence.get(record.activity_id, []),
            today=loaded.today,
            last_seen_at=loaded.last_seen_at,
            counts=(exclusion := loaded.exclusion_of(record)) is None,
            exclusion=exclusion,
        )
        for record in loaded.records
    ]
    progress = None if loaded.outcome is None else progress_view(loaded.outcome, language)
    progress_svg = timeline_svg = ""
    if include_svg and progress is not None:
        progress_svg, timeline_svg = render_svg(progress, language)
    person = loaded.person
    window = None
    if loaded.cycle is not None:
        months = context.book.get(loaded.cycle.scheme_version).reregistration.application_opens_months_before_end
        window = application_window(loaded.cycle.ends_on, months)
    return contracts.Portfolio(
        person_id=person.person_id,
        registration_number=person.registration_number,
        name=f"{person.initials} {person.surname}",
        registered_since=person.registered_since,
        generated_at=loaded.generated_at,
        last_seen_at=loaded.last_seen_at,
        cycle=None if loaded.cycle is None else cycle_view(loaded.cycle),
        cycles=[cycle_view(cycle) for cycle in loaded.cycles],
        progress=progress,
        activities=activities,
        new_count=sum(1 for activity in activities if activity.is_new),
        awaiting_check_count=sum(1 for activity in activities if activity.awaiting_check),
        progress_svg=progress_svg,
        timeline_svg=timeline_svg,
        reregistration_opens_on=None if window is None else window.opens_on,
        reregistration_closes_on=None if window is None else window.closes_on,
        correction_until=None if loaded.cycle is None else loaded.cycle.correction_until,
    )


def render_svg(progress: contracts.NormProgress, language: str) -> tuple[str, str]:
    """The progress bars and the points-per-year timeline, labelled in ``language``."""
    names = labels(language)
    decimal_comma = language == "nl"
    bars = svg.progress_bars_svg(
        [svg.Bar(label=c.label, earned=c.earned, minimum=c.minimum) for c in progress.constraints],
        title=names["progress_title"],
        of_word=names["of"],
        decimal_comma=decimal_comma,
    )
    timeline = svg.timeline_svg(
        [svg.YearColumn(year=y.year, total=y.total, accredited=y.accredited, a2=y.a2) for y in progress.per_year],
        title=names["timeline_title"],
        legend=(names["total"], names["accredited"], names["a2"]),
        decimal_comma=decimal_comma,
    )
    return bars, timeline


async def get_portfolio(context: PortfolioContext, query: contracts.GetPortfolio) -> contracts.Portfolio:
    """GetPortfolio: the owner's entries of one cycle with progress against the norm."""
    require_owner(query.person_id, query.actor)
    loaded = await load_portfolio(
        context, query.person_id, query.cycle_id, today=context.today(), generated_at=context.clock()
    )
    return build_portfolio(loaded, context, language=query.language, include_svg=query.include_svg)


# --- what-if -----------------------------------------------------------------------------------------------------

_PROPOSED = "proposed"


def proposed_activity(
    proposal: contracts.ProposedActivity, context: PortfolioContext, loaded: LoadedPortfolio
) -> Activity:
    """The proposal as a domain activity, priced like a real entry would be (422 when it could not be entered)."""
    day = proposal.completion_date or loaded.today
    category = CategoryKey(proposal.category)
    if proposal.accredited:
        if proposal.accredited_points is None:
            raise RuleViolation(
                "accredited_points_required", "a planned accredited course needs the committee's points"
            )
        points = floor_to_point_step(proposal.accredited_points)
        return Activity(
            id=_PROPOSED,
            category=category,
            points=points,
            accredited=True,
            source=ActivitySource.PROVIDER_PLACED,
            state=EntryState.PLACED,
            completed_on=day,
        )
    scheme = scheme_for(context.book, loaded.cycles, day)
    try:
        points = self_entered_points(
            scheme,
            category,
            study_load_hours=proposal.study_load_hours,
            a2_type=proposal.a2_type,
            quantity=proposal.quantity,
            hours_per_unit=proposal.hours_per_unit,
        )
    except DomainInvalidEntry as exc:
        raise RuleViolation(exc.code, str(exc)) from exc
    return Activity(
        id=_PROPOSED,
        category=category,
        points=points,
        accredited=False,
        source=ActivitySource.SELF_ENTERED,
        state=EntryState.TO_BE_CHECKED,
        completed_on=day,
        a2_type=proposal.a2_type if category is CategoryKey.A2 else None,
    )


async def what_if(context: PortfolioContext, query: contracts.WhatIf) -> contracts.WhatIfAnswer:
    """WhatIf: does the norm still hold if an activity is added, or if N self-entered points are rejected?"""
    require_owner(query.person_id, query.actor)
    if (query.add is None) == (query.reject_points is None):
        raise RuleViolation("one_question", "ask about exactly one thing: an activity to add, or points rejected")
    loaded = await load_portfolio(
        context, query.person_id, query.cycle_id, today=context.today(), generated_at=context.clock()
    )
    outcome = loaded.outcome
    if outcome is None:
        raise NotFound("no_cycle", "no cycle is open for this person yet, so there is no norm to test against")
    if query.add is not None:
        after = outcome.with_added(proposed_activity(query.add, context, loaded))
        exclusion = _exclusions(after).get(_PROPOSED)
        return contracts.WhatIfAnswer(
            norm_met_now=outcome.met,
            norm_met_after=after.met,
            added_points=Decimal(0) if exclusion is not None else after.activities[-1].points,
            added_exclusion=exclusion,
            constraints_after=constraint_views(after.constraints, query.language),
            buffer_points_now=outcome.buffer_points,
            at_risk_points=outcome.at_risk_points,
        )
    assert query.reject_points is not None
    if query.reject_points > outcome.at_risk_points:
        raise RuleViolation(
            "more_than_at_risk",
            f"only {outcome.at_risk_points} self-entered points are still to be checked; ask about at most that",
        )
    return contracts.WhatIfAnswer(
        norm_met_now=outcome.met,
        norm_met_after=outcome.holds_if_rejected(query.reject_points),
        constraints_after=constraint_views(outcome.worst_case_after_rejecting(query.reject_points), query.language),
        buffer_points_now=outcome.buffer_points,
        at_risk_points=outcome.at_risk_points,
    )
