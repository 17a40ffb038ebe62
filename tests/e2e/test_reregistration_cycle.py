"""Re-registration end to end: 200 professionals reach the end of their cycle, on the real processes (registry, portfolio,
accreditation, audit and the gateway), PostgreSQL and RabbitMQ.

Every professional earns the norm exactly (160 points: 40 accredited, placed by a training provider for an
accredited course, plus 80 self-entered A1 points and 40 self-entered A2 points). Most apply for re-registration;
the audit samples its seeded share of the dossiers and assigns them to the reviewers, who judge the sampled
(self-entered) activities. Then:

- applicants not sampled, and sampled ones whose activities are approved, are granted: the next cycle starts the
  day after the old one ends;
- one sampled dossier loses its A2 points to a rejection, is returned for correction, gets an A2 activity of the
  same cycle added, is resubmitted and granted;
- another returned dossier is left alone: when its correction deadline has passed the audit concludes not met,
  and the registration (whose cycle ended meanwhile) expires;
- one sampled dossier is still under review when the cycle ends: the timely application keeps the registration
  (reregistration_pending) past its end, until the reviewer's approval grants it;
- those who did not apply expire when the clock passes their cycle end and the registry's scheduled jobs run.

Time moves the way the demo's time travel moves it: one clock offset file every process reads. The final state of
every professional is read through the gateway's public register API.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pyotp
import pytest

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from tests.support import rpc_setup
from tests.support.calendar import add_years
from tests.support.system import RunningSystem, start_system

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

PEOPLE = 200
REVIEWERS = 3
CONCURRENCY = 24
# Cycle ends are spread over 30 days, starting 10 days from now (the application window is open for all).
FIRST_END_IN_DAYS = 10
END_SPREAD_DAYS = 30
# Far enough to pass every cycle end and the 8-week correction deadline (+ the audit's 2 days of grace).
TRAVEL_DAYS = 70
ACCREDITED_POINTS = Decimal(40)
D = Decimal
T = TypeVar("T", bound=Message)
R = TypeVar("R")


def cycle_end(starts_on: date, years: int = 5) -> date:
    return add_years(starts_on, years) - timedelta(days=1)


@dataclass
class Professional:
    index: int
    person_id: uuid.UUID
    number: str
    registered_since: date
    applies: bool

    @property
    def actor(self) -> portfolio_contracts.Actor:
        return portfolio_contracts.Actor(person_id=self.person_id, origin="e2e")

    @property
    def cycle_ends_on(self) -> date:
        return cycle_end(self.registered_since)

    @property
    def next_cycle_ends_on(self) -> date:
        return cycle_end(self.cycle_ends_on + timedelta(days=1))


def _expect(service: str, reply: Message, expected: type[T]) -> T:
    assert isinstance(reply, expected), f"{service} answered {type(reply).__name__}, not {expected.__name__}"
    return reply


class Harness:
    """One RPC client for the whole test (a client per call would open a channel per call) and HTTP to the
    gateway; calls are spread concurrently, at most CONCURRENCY at a time."""

    def __init__(self, system: RunningSystem, rpc: RpcClient, http: httpx.AsyncClient, today: date) -> None:
        self.system = system
        self.rpc = rpc
        self.http = http
        self.today = today
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def ask(self, service: str, request: Message) -> Message:
        async with self._limit:
            return await self.rpc.call(service, request)

    async def call(self, service: str, request: Message, expected: type[T]) -> T:
        return _expect(service, await self.ask(service, request), expected)

    async def call_when_ready(
        self, service: str, request: Message, expected: type[T], *, waiting_for: set[str], timeout: float = 60.0
    ) -> T:
        """Call, and call again while the service answers one of the `waiting_for` codes: it has not yet applied
        the events the request depends on (a registration, a placement)."""
        reply = await rpc_setup.call_when_ready(self.ask, service, request, waiting_for, timeout=timeout)
        return _expect(service, reply, expected)

    async def public_entry(self, number: str) -> dict[str, Any]:
        async with self._limit:
            response = await self.http.get(f"/api/v1/register/{number}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def gather(awaitables: Iterable[Awaitable[R]]) -> list[R]:
    return list(await asyncio.gather(*awaitables))


async def setup_professionals(h: Harness) -> list[Professional]:
    async def grant(index: int) -> Professional:
        since = add_years(h.today + timedelta(days=FIRST_END_IN_DAYS + index % END_SPREAD_DAYS + 1), -5)
        receipt = await h.call(
            "registry",
            registry_contracts.GrantDemoRegistration(
                initials="P.",
                surname=f"Cyclus {index:03d}",
                roles=["leerplichtambtenaar"],
                employer_id=f"gemeente-{index % 12}",
                registered_since=since,
            ),
            registry_contracts.RegistrationReceipt,
        )
        # Every seventh professional does not apply.
        return Professional(index, receipt.person_id, receipt.registration_number, since, applies=index % 7 != 3)

    return await gather(grant(index) for index in range(PEOPLE))


async def register_reviewers(h: Harness) -> list[uuid.UUID]:
    async def reviewer(index: int) -> uuid.UUID:
        account = await h.call(
            "registry",
            registry_contracts.CreateDemoAccount(
                email=f"beoordelaar{index}-{uuid.uuid4().hex[:8]}@example.nl",
                password="wachtwoord-voor-de-test",
                initials="R.",
                surname=f"Beoordelaar {index}",
                account_roles=["assessment_committee"],
                totp_secret=pyotp.random_base32(),
            ),
            registry_contracts.DemoAccountReady,
        )
        await h.call(
            "audit",
            audit_contracts.RegisterReviewer(
                reviewer_id=account.account_id, employer_id=f"toetsingsbureau-{index}", name=f"R. Beoordelaar {index}"
            ),
            audit_contracts.ReviewerView,
        )
        return account.account_id

    return await gather(reviewer(index) for index in range(REVIEWERS))


async def accredited_edition(h: Harness) -> tuple[uuid.UUID, uuid.UUID]:
    """A provider with an accredited 40-point course whose edition ended 40 days ago."""
    return await rpc_setup.accredited_edition(
        h.ask,
        h.today,
        points=ACCREDITED_POINTS,
        title="Verzuimaanpak in de praktijk",
        description="Geaccrediteerde cursus",
    )


async def post_attendance(
    h: Harness, provider_id: uuid.UUID, edition_id: uuid.UUID, people: list[Professional]
) -> None:
    """Post everyone's attendance in one go; rows for registrations the accreditation service has not heard of
    yet are posted again (with a new key) until every row is recorded."""
    waiting = [person.number for person in people]
    deadline = asyncio.get_running_loop().time() + 60
    while waiting:
        result = await h.call(
            "accreditation",
            accreditation_contracts.PostAttendance(
                provider_id=provider_id,
                edition_id=edition_id,
                idempotency_key=uuid.uuid4().hex,
                attendees=[accreditation_contracts.AttendeeInput(registration_number=number) for number in waiting],
                channel="api",
                posted_by="provider:e2e",
            ),
            accreditation_contracts.AttendancePostResult,
        )
        unexpected = [row for row in result.rows if row.outcome == "rejected" and row.reason_code != "unknown_number"]
        assert not unexpected, unexpected
        waiting = [row.registration_number for row in result.rows if row.outcome == "rejected"]
        assert asyncio.get_running_loop().time() < deadline, f"{len(waiting)} registrations never reached accreditation"
        if waiting:
            await asyncio.sleep(0.5)


def a1_course(h: Harness) -> portfolio_contracts.ActivityInput:
    return portfolio_contracts.ActivityInput(
        category="A1",
        title="Leergang jeugdrecht (niet geaccrediteerd)",
        completion_date=h.today - timedelta(days=20),
        study_load_hours=D(80),
    )


def a2_interns(h: Harness) -> portfolio_contracts.ActivityInput:
    return portfolio_contracts.ActivityInput(
        category="A2",
        title="Stagiairs begeleid",
        completion_date=h.today - timedelta(days=10),
        a2_type="intern_supervision",
        quantity=D(4),
    )


def a2_articles(h: Harness) -> portfolio_contracts.ActivityInput:
    return portfolio_contracts.ActivityInput(
        category="A2",
        title="Artikelen in het vakblad",
        completion_date=h.today - timedelta(days=5),
        a2_type="article",
        quantity=D(4),
    )


async def record(h: Harness, person: Professional, activity: portfolio_contracts.ActivityInput) -> uuid.UUID:
    saved = await h.call_when_ready(
        "portfolio",
        portfolio_contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=activity),
        portfolio_contracts.ActivitySaved,
        waiting_for={"not_registered", "no_cycle"},
    )
    return saved.activity.activity_id


async def apply(h: Harness, person: Professional) -> portfolio_contracts.DossierView:
    # norm_not_met until the provider's placement has reached the portfolio.
    return await h.call_when_ready(
        "portfolio",
        portfolio_contracts.ApplyForReregistration(person_id=person.person_id, actor=person.actor),
        portfolio_contracts.DossierView,
        waiting_for={"norm_not_met"},
    )


async def dossier(h: Harness, person: Professional) -> portfolio_contracts.DossierView:
    return await h.call(
        "portfolio",
        portfolio_contracts.GetDossier(person_id=person.person_id, actor=person.actor),
        portfolio_contracts.DossierView,
    )


async def dossiers_where(
    h: Harness, people: list[Professional], predicate: Callable[[portfolio_contracts.DossierView], bool]
) -> list[portfolio_contracts.DossierView] | None:
    views = await gather(dossier(h, person) for person in people)
    return views if all(predicate(view) for view in views) else None


async def cases_by_number(h: Harness, reviewers: list[uuid.UUID]) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
    """Every case assigned so far: registration number → (reviewer, case)."""
    lists = await gather(
        h.call(
            "audit",
            audit_contracts.ListMyCases(reviewer_id=reviewer, include_closed=True),
            audit_contracts.CaseList,
        )
        for reviewer in reviewers
    )
    return {
        case.registration_number: (reviewer, case.case_id)
        for reviewer, listed in zip(reviewers, lists, strict=True)
        for case in listed.cases
    }


async def judge(h: Harness, reviewer: uuid.UUID, case_id: uuid.UUID, *, reject_a2: bool) -> audit_contracts.CaseView:
    case = await h.call(
        "audit", audit_contracts.GetCase(case_id=case_id, reviewer_id=reviewer), audit_contracts.CaseView
    )
    view = case
    for activity in case.activities:
        rejected = reject_a2 and activity.category == "A2"
        view = await h.call(
            "audit",
            audit_contracts.JudgeActivity(
                case_id=case_id,
                activity_id=activity.activity_id,
                reviewer_id=reviewer,
                verdict="rejected" if rejected else "approved",
                reason="Geen bewijs van de begeleiding." if rejected else "",
            ),
            audit_contracts.CaseView,
        )
    return view


async def public_states(h: Harness, people: Iterable[Professional]) -> dict[str, dict[str, Any]]:
    listed = list(people)
    entries = await gather(h.public_entry(person.number) for person in listed)
    return {person.number: entry for person, entry in zip(listed, entries, strict=True)}


def granted(person: Professional) -> dict[str, Any]:
    return {
        "status": "registered",
        "registered_since": person.registered_since.isoformat(),
        "valid_until": person.next_cycle_ends_on.isoformat(),
    }


def state(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("status", "registered_since", "valid_until")}


def in_force(person: Professional, status: str) -> dict[str, Any]:
    return {
        "status": status,
        "registered_since": person.registered_since.isoformat(),
        "valid_until": person.cycle_ends_on.isoformat(),
    }


async def until_public(
    h: Harness, eventually: Any, expected: dict[str, dict[str, Any]], people: list[Professional], what: str
) -> None:
    """Read every entry through the gateway until each shows what is expected (the caller waited for the
    decisions already, so this normally takes one pass)."""
    wrong: dict[str, Any] = {}

    async def shown() -> bool:
        states = await public_states(h, [p for p in people if p.number in expected])
        wrong.clear()
        wrong.update({n: (state(states[n]), want) for n, want in expected.items() if state(states[n]) != want})
        return not wrong

    try:
        await eventually(shown, timeout=30, interval=0.5, message=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {len(wrong)} entries differ, e.g. {list(wrong.items())[:3]}") from None


async def until_decided(h: Harness, eventually: Any, people: list[Professional], decision: str, what: str) -> None:
    """Wait until the portfolio shows the registry's decision on each dossier (the registry decided first)."""
    await eventually(
        lambda: dossiers_where(h, people, lambda view: view.registry_decision == decision),
        timeout=90,
        interval=0.5,
        message=what,
    )


@pytest.fixture
async def harness(amqp_url: str, databases: Any, broker_names: Any, tmp_path: Any) -> AsyncIterator[Harness]:
    env = {
        # The test runs the registry's scheduled jobs itself, after moving the clock.
        "REGISTRY_SCHEDULED_JOBS_ENABLED": "false",
        # The public register is read 200 at a time from one address.
        "REGISTRY_REGISTER_LOOKUPS_PER_WINDOW": "100000",
        # Expired corrections are concluded within a second of the clock passing their deadline.
        "AUDIT_DEADLINE_JOB_INTERVAL_SECONDS": "1",
        # 200 lookups at once queue on the registry's shared rate-limit counter; on a busy machine the tail of
        # that queue may take longer than the gateway's default 5 s.
        "GATEWAY_RPC_TIMEOUT_SECONDS": "30",
    }
    async with start_system(amqp_url, databases, broker_names, tmp_path, env=env, clock_offset_file=True) as system:
        broker = await connect_broker(system.amqp_url)
        try:
            async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http:
                rpc = RpcClient(broker, system.topology, timeout=60, credentials=operator_credentials())
                yield Harness(system, rpc, http, register_today(system_clock))
        finally:
            await broker.stop()


async def test_two_hundred_professionals_reach_the_end_of_their_cycle(harness: Harness, eventually: Any) -> None:
    h = harness
    reviewers, people, (provider_id, edition_id) = await asyncio.gather(
        register_reviewers(h), setup_professionals(h), accredited_edition(h)
    )
    # Every professional earns exactly the norm: 40 accredited + 80 A1 + 40 A2 = 160 points.
    await post_attendance(h, provider_id, edition_id, people)
    await gather(record(h, person, a1_course(h)) for person in people)
    await gather(record(h, person, a2_interns(h)) for person in people)
    applicants = [person for person in people if person.applies]
    absent = [person for person in people if not person.applies]
    applied = await gather(apply(h, person) for person in applicants)
    assert all(view.round == 1 and view.norm_met and view.total_points == D(160) for view in applied)

    # The audit samples its seeded share and tells the portfolio about every dossier.
    decided = await eventually(
        lambda: dossiers_where(h, applicants, lambda view: view.sampled is not None),
        timeout=90,
        interval=0.5,
        message="the audit's sampling of every dossier",
    )
    sampled = sorted(
        (person for person, view in zip(applicants, decided, strict=True) if view.sampled), key=lambda p: p.number
    )
    assert len(sampled) >= 3, f"the seeded sample drew {len(sampled)} of {len(applicants)} dossiers; need 3"
    corrected, left_returned, pending, *approved = sampled
    by_number = {person.number: person for person in people}

    cases = await eventually(
        lambda: _all_assigned(h, reviewers, sampled), timeout=60, interval=0.5, message="every sampled case assigned"
    )
    assert {reviewer for reviewer, _ in cases.values()} == set(reviewers), "the work is spread over the reviewers"

    # The reviewers judge: two dossiers lose their A2 points; one is left unjudged for now.
    views = await gather(
        judge(h, *cases[person.number], reject_a2=person in (corrected, left_returned))
        for person in sampled
        if person is not pending
    )
    # A return is not a final outcome: the case waits for the correction until the deadline (8 weeks).
    outcomes = {view.registration_number: (view.status, view.outcome, view.correction_deadline) for view in views}
    returned = ("awaiting_correction", None, h.today + timedelta(weeks=8))
    assert outcomes == {
        corrected.number: returned,
        left_returned.number: returned,
        **{person.number: ("concluded", "met", None) for person in approved},
    }

    # The returned dossier is corrected with an A2 activity of the same cycle and resubmitted.
    await eventually(
        lambda: dossiers_where(h, [corrected], lambda view: view.status == "returned_for_correction"),
        timeout=30,
        interval=0.3,
        message="the portfolio hearing of the return",
    )
    await record(h, corrected, a2_articles(h))
    resubmitted = await h.call(
        "portfolio",
        portfolio_contracts.ResubmitDossier(person_id=corrected.person_id, actor=corrected.actor),
        portfolio_contracts.DossierView,
    )
    assert (resubmitted.round, resubmitted.total_points, resubmitted.a2_points) == (2, D(160), D(40))

    # Before the cycle ends: the met ones are granted already, everyone else is registered until the cycle end.
    waiting = {pending.number, left_returned.number}
    await until_decided(
        h, eventually, [p for p in applicants if p.number not in waiting], "granted", "the grants before the end"
    )
    not_applied = {person.number for person in absent}
    before_end = {
        person.number: in_force(person, "reregistration_pending")
        if person.number in waiting
        else in_force(person, "registered")
        if person.number in not_applied
        else granted(person)
        for person in people
    }
    await until_public(h, eventually, before_end, people, "the register before the cycle ends")

    # Time passes every cycle end and the correction deadline; the registry's scheduled jobs run.
    await h.system.move_clock(TRAVEL_DAYS)
    report = await h.call("registry", registry_contracts.RunScheduledJobs(), registry_contracts.ScheduledJobsReport)
    assert report.register_day == h.today + timedelta(days=TRAVEL_DAYS)
    # Those who did not apply expire in this run. The audit's deadline job (every second here) may already have
    # concluded the uncorrected dossier not met when the clock moved; then its expiry is counted in this run too.
    assert len(absent) <= report.expired <= len(absent) + 1
    # A timely application keeps the registration while the audit is still at work.
    still_pending = await h.public_entry(pending.number)
    assert state(still_pending) == in_force(pending, "reregistration_pending")

    # The audit's deadline job concludes the uncorrected dossier not met; the reviewer approves the last one.
    reviewer, case_id = cases[pending.number]
    last = await judge(h, reviewer, case_id, reject_a2=False)
    assert last.outcome == "met"
    await until_decided(h, eventually, [pending], "granted", "the late grant")
    await until_decided(h, eventually, [left_returned], "not_granted", "the not-met decision")

    expected = {
        person.number: in_force(person, "expired")
        if person.number in not_applied or person is left_returned
        else granted(person)
        for person in people
    }
    await until_public(h, eventually, expected, people, "the register after the cycle ends")
    final = await public_states(h, people)
    assert {number: state(entry) for number, entry in final.items()} == expected
    assert {by_number[number].index for number, entry in final.items() if entry["status"] == "expired"} == {
        person.index for person in [*absent, left_returned]
    }

    left = await dossier(h, left_returned)
    assert left.status == "not_met"
    statistics = (await h.http.get("/api/v1/statistics")).json()
    assert statistics["registered"] == len(applicants) - 1
    audit = await h.call(
        "audit", audit_contracts.GetAuditStatistics(year=h.today.year), audit_contracts.AuditStatistics
    )
    (year,) = audit.years
    assert (year.dossiers, year.sampled, year.returned, year.not_met, year.in_progress) == (
        len(applicants),
        len(sampled),
        2,
        1,
        0,
    )
    assert year.met == len(applicants) - 1


async def _all_assigned(
    h: Harness, reviewers: list[uuid.UUID], sampled: list[Professional]
) -> dict[str, tuple[uuid.UUID, uuid.UUID]] | None:
    cases = await cases_by_number(h, reviewers)
    return cases if {person.number for person in sampled} <= cases.keys() else None
