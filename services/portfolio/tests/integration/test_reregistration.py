"""Applying for re-registration: the window, the norm, freezing into a dossier, and the audit's events coming back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import ManualClock
from tests.support.waiting import wait_for

from .conftest import Harness, Person, running_portfolio

pytestmark = [pytest.mark.integration]

D = Decimal


@pytest_asyncio.fixture
async def service(databases: Any, broker_names: Any, amqp_url: str, tmp_path: Any) -> AsyncIterator[Harness]:
    clock = ManualClock(datetime.now(UTC))
    async with running_portfolio(databases, broker_names, amqp_url, tmp_path / "blobs", clock=clock) as harness:
        yield harness


def _clock(service: Harness) -> ManualClock:
    assert isinstance(service.clock, ManualClock)
    return service.clock


async def _near_cycle_end(service: Harness, *, days_left: int = 60, **options: Any) -> Person:
    """A person whose first cycle ends in ``days_left`` days (so the application window is open)."""
    today = service.today
    since = date(today.year - 5, today.month, 1) + timedelta(days=days_left + (today.day - 1))
    return await service.register(registered_since=since, **options)


def _article(service: Harness, days_ago: int, title: str = "Artikel") -> contracts.ActivityInput:
    return contracts.ActivityInput(
        category="A2",
        a2_type="article",
        quantity=D(1),
        title=title,
        description="In het vakblad",
        completion_date=service.today - timedelta(days=days_ago),
    )


async def _record(service: Harness, person: Person, entry: contracts.ActivityInput) -> contracts.PortfolioActivity:
    saved = await service.call(contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=entry))
    return saved.activity  # type: ignore[no-any-return]


async def _qualify(service: Harness, person: Person, *, articles: int = 4) -> list[contracts.PortfolioActivity]:
    """120 accredited points placed by a provider and ``articles`` × 10 A2 points entered: 4 meet the norm exactly."""
    await service.publish(
        service.attendance([person], points="120", completion_date=service.today - timedelta(days=40))
    )

    async def placed() -> bool:
        portfolio = await service.portfolio(person, include_svg=False)
        return any(a.source == "provider_placed" for a in portfolio.activities)

    await wait_for(placed, message="the provider's placement")
    return [await _record(service, person, _article(service, 10 + i, f"Artikel {i}")) for i in range(articles)]


async def _apply(service: Harness, person: Person) -> contracts.DossierView:
    reply = await service.call(contracts.ApplyForReregistration(person_id=person.person_id, actor=person.actor))
    assert isinstance(reply, contracts.DossierView)
    return reply


async def _refusal(service: Harness, request: Any) -> RpcError:
    with pytest.raises(RpcError) as refused:
        await service.call(request)
    return refused.value


async def _conclude(
    service: Harness, person: Person, dossier: contracts.DossierView, outcome: str, **fields: Any
) -> None:
    """The audit concludes the person's sampled dossier today with ``outcome`` (and what ``fields`` add)."""
    await service.publish(
        audit_events.AuditConcluded(
            dossier_id=dossier.dossier_id,
            person_id=person.person_id,
            cycle_id=dossier.cycle_id,
            outcome=outcome,
            concluded_on=service.today,
            sampled=True,
            **fields,
        )
    )


async def _frozen_events(service: Harness, dossier_id: uuid.UUID, count: int = 1) -> list[contracts.DossierFrozen]:
    def found() -> list[Any]:
        events = [e for e in service.published_of(contracts.DossierFrozen) if e.dossier_id == dossier_id]  # type: ignore[attr-defined]
        return events if len(events) >= count else []

    return await wait_for(found, message="DossierFrozen")  # type: ignore[no-any-return]


async def test_applying_before_the_window_opens_or_after_the_cycle_ended_is_refused(service: Harness) -> None:
    early = await service.register(registered_since=service.today - timedelta(days=400))
    await _qualify(service, early)
    too_early = await _refusal(service, contracts.ApplyForReregistration(person_id=early.person_id, actor=early.actor))
    late = await _near_cycle_end(service, days_left=5)
    await _qualify(service, late)
    _clock(service).advance(timedelta(days=6))
    too_late = await _refusal(service, contracts.ApplyForReregistration(person_id=late.person_id, actor=late.actor))
    portfolio = await service.portfolio(early, include_svg=False)

    assert (too_early.status, too_early.code) == (409, "window_not_open")
    assert (too_late.status, too_late.code) == (409, "window_closed")
    assert portfolio.cycle is not None and not portfolio.cycle.frozen
    # The page can say when the window opens: 6 months before the cycle is over.
    assert portfolio.reregistration_closes_on == portfolio.cycle.ends_on
    assert portfolio.reregistration_opens_on is not None
    assert portfolio.reregistration_opens_on.day == (portfolio.cycle.ends_on + timedelta(days=1)).day


async def test_applying_with_the_norm_unmet_is_refused_and_freezes_nothing(service: Harness) -> None:
    person = await _near_cycle_end(service)
    await _qualify(service, person, articles=3)  # 30 A2 points: 10 short of the A2 minimum
    refused = await _refusal(service, contracts.ApplyForReregistration(person_id=person.person_id, actor=person.actor))
    someone_else = await _refusal(
        service,
        contracts.ApplyForReregistration(person_id=person.person_id, actor=contracts.Actor(person_id=uuid.uuid4())),
    )
    portfolio = await service.portfolio(person, include_svg=False)

    assert (refused.status, refused.code) == (422, "norm_not_met")
    assert "a2 10" in refused.message
    assert (someone_else.status, someone_else.code) == (403, "not_owner")
    assert portfolio.cycle is not None and not portfolio.cycle.frozen


async def test_applying_freezes_the_cycle_into_a_dossier_and_announces_it(service: Harness) -> None:
    person = await _near_cycle_end(service, employer_id="gemeente-oud")
    await service.publish(
        registry_events.PersonUpdated(
            person_id=person.person_id,
            initials="T.",
            surname="Tester",
            roles=["leerplichtambtenaar"],
            employer_id="gemeente-nieuw",
            employer_name="Gemeente Nieuw",
            employer_kind="municipality",
            hours_per_week=24,
        )
    )
    entries = await _qualify(service, person)
    disputed_or_outside = await _record(service, person, _article(service, 3000, "Voor de cyclus"))
    dossier = await _apply(service, person)
    (frozen,) = await _frozen_events(service, dossier.dossier_id)
    again = await _refusal(service, contracts.ApplyForReregistration(person_id=person.person_id, actor=person.actor))
    added = await _refusal(
        service,
        contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=_article(service, 2)),
    )
    shown = await service.call(contracts.GetDossier(person_id=person.person_id, actor=person.actor))
    portfolio = await service.portfolio(person, include_svg=False)

    assert (dossier.status, dossier.round, dossier.norm_met) == ("frozen", 1, True)
    assert (dossier.total_points, dossier.accredited_points, dossier.a2_points) == (D(160), D(120), D(40))
    assert (frozen.employer_id, frozen.round, frozen.applied_on) == ("gemeente-nieuw", 1, service.today)
    assert (frozen.total_points, frozen.norm_met, frozen.registration_number) == (
        D(160),
        True,
        person.registration_number,
    )
    assert frozen.registered_since == person.registered_since and frozen.scheme_version == "2018.1"
    assert sorted(a.activity_id for a in frozen.activities if a.self_entered) == sorted(e.activity_id for e in entries)
    assert disputed_or_outside.activity_id not in {a.activity_id for a in frozen.activities}
    assert [a.accredited for a in frozen.activities if not a.self_entered] == [True]
    assert (again.status, again.code) == (409, "already_applied")
    assert (added.status, added.code) == (409, "dossier_frozen")
    assert shown == dossier
    assert portfolio.cycle is not None and portfolio.cycle.frozen


async def test_a_returned_dossier_is_corrected_resubmitted_and_met(service: Harness) -> None:
    person = await _near_cycle_end(service)
    entries = await _qualify(service, person)
    dossier = await _apply(service, person)
    case_id = uuid.uuid4()
    rejected = entries[0]
    await service.publish(
        audit_events.DossierSampled(
            dossier_id=dossier.dossier_id,
            person_id=person.person_id,
            sampled=True,
            seed="s",
            activity_ids=[e.activity_id for e in entries],
            case_id=case_id,
        )
    )
    await wait_for(lambda: _status(service, person, "under_review"), message="under review")
    deadline = service.today + timedelta(weeks=8)
    await _conclude(
        service,
        person,
        dossier,
        "returned_for_correction",
        case_id=case_id,
        correction_deadline=deadline,
        judgements=[
            audit_events.ConcludedJudgement(
                activity_id=rejected.activity_id, judgement="rejected", reason="Geen bewijs."
            )
        ]
        + [audit_events.ConcludedJudgement(activity_id=e.activity_id, judgement="approved") for e in entries[1:]],
    )
    await wait_for(lambda: _status(service, person, "returned_for_correction"), message="returned")
    portfolio = await service.portfolio(person, include_svg=False)
    states = {a.activity_id: (a.state, a.state_reason) for a in portfolio.activities}
    too_soon = await _refusal(service, contracts.ResubmitDossier(person_id=person.person_id, actor=person.actor))
    edit = await _refusal(
        service,
        contracts.EditActivity(
            person_id=person.person_id,
            actor=person.actor,
            activity_id=entries[1].activity_id,
            expected_version=2,
            activity=_article(service, 11, "Gewijzigd"),
        ),
    )
    await _record(service, person, _article(service, 5, "Nieuw artikel"))
    resubmitted = await service.call(contracts.ResubmitDossier(person_id=person.person_id, actor=person.actor))
    frozen = (await _frozen_events(service, dossier.dossier_id, count=2))[1]
    refrozen = await service.portfolio(person, include_svg=False)
    # A stale outcome of round 1 is ignored; the outcome of round 2 concludes the dossier.
    await _conclude(service, person, dossier, "met", round=2, case_id=case_id)
    await wait_for(lambda: _status(service, person, "met"), message="met")
    final = await service.call(contracts.GetDossier(person_id=person.person_id, actor=person.actor))
    history = await service.call(
        contracts.GetActivityHistory(person_id=person.person_id, actor=person.actor, activity_id=rejected.activity_id)
    )

    assert portfolio.correction_until == deadline
    assert states[rejected.activity_id] == ("rejected", "Geen bewijs.")
    assert states[entries[1].activity_id] == ("approved", "")
    assert (too_soon.status, too_soon.code) == (422, "norm_not_met")
    assert (edit.status, edit.code) == (409, "dossier_frozen")
    assert (resubmitted.round, resubmitted.status, resubmitted.total_points) == (2, "frozen", D(160))
    assert (frozen.round, frozen.dossier_id, frozen.total_points, frozen.a2_points) == (
        2,
        dossier.dossier_id,
        D(160),
        D(40),
    )
    assert rejected.activity_id not in {a.activity_id for a in frozen.activities}
    assert refrozen.cycle is not None and refrozen.cycle.frozen and refrozen.correction_until is None
    assert (final.status, final.round, final.concluded_on) == ("met", 2, service.today)
    assert [(v.change, v.actor_kind, v.reason) for v in history.versions][-1] == (
        "rejected",
        "assessment_committee",
        "Geen bewijs.",
    )


async def test_after_the_correction_deadline_nothing_can_be_added_or_resubmitted(service: Harness) -> None:
    person = await _near_cycle_end(service)
    entries = await _qualify(service, person)
    dossier = await _apply(service, person)
    await _conclude(
        service,
        person,
        dossier,
        "returned_for_correction",
        correction_deadline=service.today + timedelta(weeks=8),
        judgements=[
            audit_events.ConcludedJudgement(activity_id=entries[0].activity_id, judgement="rejected", reason="Nee.")
        ],
    )
    await wait_for(lambda: _status(service, person, "returned_for_correction"), message="returned")
    _clock(service).advance(timedelta(weeks=8, days=1))
    added = await _refusal(
        service,
        contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=_article(service, 60)),
    )
    resubmitted = await _refusal(service, contracts.ResubmitDossier(person_id=person.person_id, actor=person.actor))

    assert (added.status, added.code) == (409, "dossier_frozen")
    assert (resubmitted.status, resubmitted.code) == (409, "correction_closed")


async def _status(service: Harness, person: Person, status: str) -> bool:
    dossier = await service.call(contracts.GetDossier(person_id=person.person_id, actor=person.actor))
    return bool(dossier.status == status)


async def test_the_dossier_shows_the_registrys_acceptance_and_decision(service: Harness) -> None:
    person = await _near_cycle_end(service)
    await _qualify(service, person)
    dossier = await _apply(service, person)
    assert dossier.registry_decision is None
    common = {
        "person_id": person.person_id,
        "registration_number": person.registration_number,
        "cycle_id": dossier.cycle_id,
    }
    await service.publish(registry_events.ReregistrationRequested(**common, requested_on=dossier.applied_on))

    async def decision_is(expected: str) -> bool:
        view = await service.call(contracts.GetDossier(person_id=person.person_id, actor=person.actor))
        return bool(view.registry_decision == expected)

    await wait_for(lambda: decision_is("requested"), message="accepted as timely")
    await service.publish(registry_events.ReregistrationDecided(**common, granted=True, decided_on=dossier.applied_on))
    await wait_for(lambda: decision_is("granted"), message="granted")
