"""Re-registration over the real wiring: portfolio and audit events published on RabbitMQ, the registry's
consumer and scheduled jobs on PostgreSQL, time moved with a ManualClock, mails read from the mail folder."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.clock import ManualClock
from lklr_shared.kit.publisher import Publisher
from registry.bootstrap import build_runtime
from registry.domain.cycles import add_years

from .conftest import PASSWORD, Registry, RegistryFactory, rpc_error, wait_until

pytestmark = pytest.mark.integration


def noon(day: date) -> datetime:
    """Midday UTC: the same calendar day in the register's time zone."""
    return datetime.combine(day, time(12), tzinfo=UTC)


@dataclass
class Professional:
    person_id: uuid.UUID
    email: str
    number: str
    cycle_id: uuid.UUID
    cycle_end: date


@pytest.fixture(scope="module")
async def rereg(start_registry: RegistryFactory) -> Registry:
    return await start_registry(manual_clock=ManualClock(noon(date(2030, 1, 15))))


@pytest.fixture(scope="module")
async def office_member(rereg: Registry) -> tuple[uuid.UUID, str]:
    account_id, email, _secret = await rereg.staff("office")
    return account_id, email


def clock(registry: Registry) -> ManualClock:
    assert registry.manual_clock is not None
    return registry.manual_clock


def set_day(registry: Registry, day: date) -> None:
    clock(registry).set(noon(day))


async def professional(registry: Registry, cycle_start: date, surname: str = "Herregistreerder") -> Professional:
    """A professional with an account, registered with a cycle that starts on ``cycle_start`` (5 years)."""
    email = f"{uuid.uuid4().hex[:12]}@example.nl"
    ready = await registry.call(
        contracts.CreateDemoAccount(email=email, password=PASSWORD, initials="H.", surname=surname)
    )
    receipt = await registry.call(
        contracts.GrantDemoRegistration(
            person_id=ready.account_id,
            initials="H.",
            surname=surname,
            roles=["leerplichtambtenaar"],
            employer_id="gemeente-test",
            registered_since=cycle_start,
        )
    )
    view = await registry.call(contracts.GetMyRegistration(actor_account_id=ready.account_id))
    assert view.current_cycle is not None
    return Professional(
        ready.account_id, email, receipt.registration_number, view.current_cycle.cycle_id, view.current_cycle.ends_on
    )


async def publish(registry: Registry, event: Message, *, occurred_at: datetime | None = None) -> None:
    publisher = Publisher(registry.broker, registry.topology.events_exchange, timeout=5)
    await publisher.publish(event.routing_key(), wrap(event, occurred_at=occurred_at or clock(registry)()))


def dossier(
    person: Professional,
    *,
    applied_on: date | None,
    dossier_id: uuid.UUID | None = None,
    norm_met: bool = True,
    round_number: int = 1,
    total: str = "172.5",
) -> portfolio_contracts.DossierFrozen:
    return portfolio_contracts.DossierFrozen(
        dossier_id=dossier_id or uuid.uuid4(),
        person_id=person.person_id,
        registration_number=person.number,
        cycle_id=person.cycle_id,
        employer_id="gemeente-test",
        total_points=Decimal(total),
        accredited_points=Decimal(60),
        a2_points=Decimal(45),
        norm_met=norm_met,
        activities=[],
        round=round_number,
        applied_on=applied_on,
    )


def concluded(
    person: Professional, dossier_id: uuid.UUID, outcome: str, on: date, **extra: Any
) -> audit_contracts.AuditConcluded:
    return audit_contracts.AuditConcluded(
        dossier_id=dossier_id,
        person_id=person.person_id,
        cycle_id=person.cycle_id,
        outcome=outcome,
        concluded_on=on,
        **extra,
    )


async def registration(registry: Registry, person: Professional) -> contracts.RegistrationView:
    view: contracts.RegistrationView = await registry.call(
        contracts.GetMyRegistration(actor_account_id=person.person_id)
    )
    return view


async def wait_for_status(registry: Registry, person: Professional, status: str) -> contracts.RegistrationView:
    found: list[contracts.RegistrationView] = []

    async def reached() -> bool:
        found[:] = [await registration(registry, person)]
        return found[0].status == status

    await wait_until(reached, message=f"{person.number} {status}")
    return found[0]


async def application_of(
    registry: Registry, office_id: uuid.UUID, person: Professional
) -> contracts.ReregistrationView:
    listed = await registry.call(contracts.ListReregistrations(actor_account_id=office_id, limit=1000))
    mine = [item for item in listed.applications if item.person_id == person.person_id]
    assert len(mine) == 1, mine
    return mine[0]


async def wait_for_application(
    registry: Registry, office_id: uuid.UUID, person: Professional, **expected: Any
) -> contracts.ReregistrationView:
    found: list[contracts.ReregistrationView] = []

    async def matches() -> bool:
        listed = await registry.call(contracts.ListReregistrations(actor_account_id=office_id, limit=1000))
        found[:] = [item for item in listed.applications if item.person_id == person.person_id]
        return len(found) == 1 and all(getattr(found[0], name) == value for name, value in expected.items())

    await wait_until(matches, message=f"application of {person.number} with {expected}")
    return found[0]


async def mails_to(registry: Registry, address: str, subject_part: str) -> list[contracts.DevMail]:
    mailbox = await registry.call(contracts.ListDevMail(limit=500))
    return [mail for mail in mailbox.messages if mail.to == address and subject_part in mail.subject]


async def run_jobs(registry: Registry) -> contracts.ScheduledJobsReport:
    report: contracts.ScheduledJobsReport = await registry.call(contracts.RunScheduledJobs())
    return report


def published(registry: Registry, contract: type[Message], person: Professional) -> list[Any]:
    """The events of ``contract`` about ``person`` the registry has published so far."""
    return [
        envelope.open()
        for envelope in registry.events
        if envelope.type == contract.wire_name and envelope.payload.get("person_id") == str(person.person_id)
    ]


async def once_published(
    registry: Registry, contract: type[Message], person: Professional, where: Any = lambda _event: True
) -> Any:
    """Wait until the relay has published the one event of ``contract`` about ``person`` matching ``where``."""

    async def arrived() -> bool:
        return any(where(event) for event in published(registry, contract, person))

    await wait_until(arrived, message=f"{contract.wire_name} about {person.number}")
    [event] = [event for event in published(registry, contract, person) if where(event)]
    return event


async def register_entry(registry: Registry, person: Professional) -> contracts.RegisterEntry:
    entry: contracts.RegisterEntry = await registry.call(
        contracts.GetRegisterEntry(registration_number=person.number, client_key=f"test-{uuid.uuid4().hex}")
    )
    return entry


# --- applying ----------------------------------------------------------------------------------------------------


async def test_a_timely_application_keeps_the_person_registered_in_the_register_and_the_statistics_until_the_decision(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 1, 15))
    person = await professional(rereg, date(2025, 3, 1))
    assert person.cycle_end == date(2030, 2, 28)
    before = await rereg.call(contracts.GetStatistics())

    frozen = dossier(person, applied_on=date(2030, 1, 15))
    envelope = wrap(frozen, occurred_at=clock(rereg)())
    publisher = Publisher(rereg.broker, rereg.topology.events_exchange, timeout=5)
    for _ in range(2):  # a redelivery: the inbox applies it once
        await publisher.publish(frozen.routing_key(), envelope)
    view = await wait_for_status(rereg, person, "reregistration_pending")

    assert view.valid_until == date(2030, 2, 28)
    entry = await register_entry(rereg, person)
    assert (entry.status, entry.valid_until) == ("reregistration_pending", date(2030, 2, 28))
    assert (await rereg.call(contracts.GetStatistics())).registered == before.registered
    received = await rereg.mail_to(person.email, "herregistratie ontvangen")
    assert "172.5 punten" in received.body and "28-2-2030" in received.body
    requested = await once_published(rereg, contracts.ReregistrationRequested, person)
    assert (requested.cycle_id, requested.requested_on) == (person.cycle_id, date(2030, 1, 15))
    changes = published(rereg, contracts.RegistrationStatusChanged, person)
    assert [(c.old_status, c.new_status) for c in changes] == [("registered", "reregistration_pending")]
    assert len(await mails_to(rereg, person.email, "herregistratie ontvangen")) == 1
    application = await application_of(rereg, office_member[0], person)
    assert (application.status, application.applied_on, application.audit_state) == (
        "pending",
        date(2030, 1, 15),
        "awaiting_sampling",
    )

    # The audit takes longer than the cycle: the pending application keeps the registration past its end.
    set_day(rereg, date(2030, 4, 1))
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "reregistration_pending"
    assert (await register_entry(rereg, person)).valid_until == date(2030, 2, 28)


async def test_a_dossier_frozen_after_the_cycle_end_is_refused_and_the_registration_lapses(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 3, 3))
    person = await professional(rereg, date(2025, 3, 1))
    # No applied_on: the day the portfolio froze it is the envelope's occurred_at (3 March, after the end).
    await publish(rereg, dossier(person, applied_on=None))
    application = await wait_for_application(rereg, office_member[0], person, status="refused")
    assert application.refusal_reason == "late"
    assert (await registration(rereg, person)).status == "registered"
    await rereg.mail_to(person.email, "niet in behandeling")

    await run_jobs(rereg)
    view = await registration(rereg, person)
    assert view.status == "expired"
    assert published(rereg, contracts.ReregistrationRequested, person) == []


# --- decisions ---------------------------------------------------------------------------------------------------


async def test_met_grants_re_registration_and_the_next_cycle_starts_the_day_after_the_old_one_ends(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 1, 10))
    person = await professional(rereg, date(2025, 3, 1))
    frozen = dossier(person, applied_on=date(2030, 1, 10))
    await publish(rereg, frozen)
    await wait_for_status(rereg, person, "reregistration_pending")
    await publish(
        rereg,
        audit_contracts.DossierSampled(
            dossier_id=frozen.dossier_id, person_id=person.person_id, sampled=False, seed="s", activity_ids=[]
        ),
    )
    await publish(rereg, concluded(person, frozen.dossier_id, "met", date(2030, 1, 10)))

    view = await wait_for_status(rereg, person, "registered")
    assert len(view.cycles) == 2
    new_cycle = view.cycles[-1]
    assert new_cycle.starts_on == date(2030, 3, 1) == person.cycle_end + timedelta(days=1)
    assert new_cycle.ends_on == add_years(date(2030, 3, 1), 5) - timedelta(days=1)
    assert view.valid_until == new_cycle.ends_on
    granted = await rereg.mail_to(person.email, "toegekend")
    assert "1-3-2030" in granted.body
    assert await mails_to(rereg, person.email, "steekproef") == []  # not sampled: no audit mail

    decided = await once_published(rereg, contracts.ReregistrationDecided, person)
    assert (decided.granted, decided.cycle_id) == (True, person.cycle_id)
    opened = [event for event in published(rereg, contracts.CycleOpened, person) if event.sequence == 2]
    assert [(event.cycle_id, event.starts_on) for event in opened] == [(new_cycle.cycle_id, date(2030, 3, 1))]
    application = await application_of(rereg, office_member[0], person)
    assert (application.status, application.outcome, application.audit_state) == ("granted", "met", "met")
    assert application.next_cycle is not None and application.next_cycle.cycle_id == new_cycle.cycle_id

    # The old cycle's end passes: nothing lapses, the new cycle carries the registration.
    set_day(rereg, date(2030, 3, 2))
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "registered"


async def test_an_outcome_that_overtakes_its_dossier_is_applied_when_the_dossier_arrives(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 2, 1))
    person = await professional(rereg, date(2025, 3, 1))
    dossier_id = uuid.uuid4()
    await publish(rereg, concluded(person, dossier_id, "met", date(2030, 2, 1)))
    await wait_for_application(rereg, office_member[0], person, status="awaiting_dossier", outcome="met")
    assert (await registration(rereg, person)).status == "registered"

    await publish(rereg, dossier(person, applied_on=date(2030, 2, 1), dossier_id=dossier_id))
    await wait_for_application(rereg, office_member[0], person, status="granted")
    view = await registration(rereg, person)
    assert view.cycles[-1].starts_on == date(2030, 3, 1)


async def test_not_met_before_the_cycle_end_keeps_the_registration_until_the_end_and_then_it_expires(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 1, 20))
    person = await professional(rereg, date(2025, 3, 1))
    frozen = dossier(person, applied_on=date(2030, 1, 20))
    await publish(rereg, frozen)
    await wait_for_status(rereg, person, "reregistration_pending")
    await publish(rereg, concluded(person, frozen.dossier_id, "not_met", date(2030, 2, 10)))

    await wait_for_application(rereg, office_member[0], person, status="not_granted")
    assert (await registration(rereg, person)).status == "registered"
    refused = await rereg.mail_to(person.email, "niet toegekend")
    assert "28-2-2030" in refused.body and "6 weken" in refused.body
    decided = await once_published(rereg, contracts.ReregistrationDecided, person)
    assert decided.granted is False

    set_day(rereg, date(2030, 2, 28))  # the last day of the cycle
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "registered"

    set_day(rereg, date(2030, 3, 1))
    await run_jobs(rereg)
    view = await registration(rereg, person)
    assert view.status == "expired"
    entry = await register_entry(rereg, person)
    assert (entry.status, entry.valid_until) == ("expired", date(2030, 2, 28))
    await rereg.mail_to(person.email, "vervallen")

    expiry = await once_published(
        rereg, contracts.RegistrationStatusChanged, person, lambda change: change.new_status == "expired"
    )
    assert expiry.effective_on == date(2030, 3, 1)


async def test_not_met_after_the_cycle_end_expires_the_registration_at_once(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 2, 20))
    person = await professional(rereg, date(2025, 3, 1))
    frozen = dossier(person, applied_on=date(2030, 2, 20))
    await publish(rereg, frozen)
    await wait_for_status(rereg, person, "reregistration_pending")

    set_day(rereg, date(2030, 4, 15))
    await publish(rereg, concluded(person, frozen.dossier_id, "not_met", date(2030, 4, 15)))
    await wait_for_status(rereg, person, "expired")
    assert "vervallen" in (await rereg.mail_to(person.email, "niet toegekend")).body

    expiry = await once_published(
        rereg, contracts.RegistrationStatusChanged, person, lambda change: change.new_status == "expired"
    )
    assert expiry.effective_on == date(2030, 3, 1)  # lapsed the day after the cycle end, not on the decision day


async def test_a_dossier_returned_for_correction_stays_pending_and_is_granted_after_resubmission(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 1, 5))
    person = await professional(rereg, date(2025, 3, 1))
    frozen = dossier(person, applied_on=date(2030, 1, 5))
    await publish(rereg, frozen)
    await wait_for_status(rereg, person, "reregistration_pending")

    set_day(rereg, date(2030, 2, 20))
    await publish(
        rereg,
        concluded(
            person,
            frozen.dossier_id,
            "returned_for_correction",
            date(2030, 2, 20),
            sampled=True,
            correction_deadline=date(2030, 4, 17),
        ),
    )
    returned = await rereg.mail_to(person.email, "aanvullen")
    assert "17-4-2030" in returned.body
    application = await wait_for_application(rereg, office_member[0], person, audit_state="returned_for_correction")
    assert (application.status, application.correction_due_on) == ("pending", date(2030, 4, 17))

    # The correction window runs past the cycle end; the application keeps the registration meanwhile.
    set_day(rereg, date(2030, 3, 20))
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "reregistration_pending"
    await publish(
        rereg, dossier(person, applied_on=date(2030, 1, 5), dossier_id=frozen.dossier_id, round_number=2, total="181")
    )
    await wait_for_application(rereg, office_member[0], person, total_points=Decimal(181), audit_state="sampled")
    await publish(rereg, concluded(person, frozen.dossier_id, "met", date(2030, 3, 25), round=2, sampled=True))
    view = await wait_for_status(rereg, person, "registered")
    assert view.cycles[-1].starts_on == date(2030, 3, 1)


# --- audit mails ----------------------------------------------------------------------------------------------


async def test_selection_for_audit_and_a_question_are_mailed_with_the_deadline(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    set_day(rereg, date(2030, 1, 25))
    person = await professional(rereg, date(2025, 3, 1))
    frozen = dossier(person, applied_on=date(2030, 1, 25))
    await publish(rereg, frozen)
    await wait_for_status(rereg, person, "reregistration_pending")
    activities = [uuid.uuid4() for _ in range(3)]
    await publish(
        rereg,
        audit_contracts.DossierSampled(
            dossier_id=frozen.dossier_id, person_id=person.person_id, sampled=True, seed="s", activity_ids=activities
        ),
    )
    selected = await rereg.mail_to(person.email, "steekproef")
    assert "3 activiteit" in selected.body

    # With the audit's own deadline ...
    await publish(
        rereg,
        audit_contracts.ActivityJudged(
            dossier_id=frozen.dossier_id,
            activity_id=activities[0],
            judgement="more_information_needed",
            reason="Stuur de presentielijst mee.",
            person_id=person.person_id,
            information_deadline=date(2030, 2, 19),
        ),
    )
    asked = await rereg.mail_to(person.email, "Meer informatie")
    assert "19-2-2030" in asked.body and "presentielijst" in asked.body
    application = await wait_for_application(rereg, office_member[0], person, audit_state="more_information_needed")
    assert (application.sampled_activities, application.more_information_due_on) == (3, date(2030, 2, 19))

    # ... and without it (an older audit): the scheme's 21 days from the judgement, found through the dossier.
    set_day(rereg, date(2030, 2, 1))
    await publish(
        rereg,
        audit_contracts.ActivityJudged(
            dossier_id=frozen.dossier_id, activity_id=activities[1], judgement="more_information_needed"
        ),
    )

    async def second_question() -> bool:
        return len(await mails_to(rereg, person.email, "Meer informatie")) == 2

    await wait_until(second_question, message="second question mailed")
    await wait_for_application(rereg, office_member[0], person, more_information_due_on=date(2030, 2, 22))
    await publish(
        rereg,
        audit_contracts.ActivityJudged(dossier_id=frozen.dossier_id, activity_id=activities[2], judgement="approved"),
    )
    assert len(await mails_to(rereg, person.email, "Meer informatie")) == 2


# --- expiry and reminders -----------------------------------------------------------------------------------------


async def test_without_an_application_the_registration_expires_after_the_cycle_and_the_register_shows_it(
    rereg: Registry,
) -> None:
    set_day(rereg, date(2031, 6, 30))
    person = await professional(rereg, date(2026, 7, 1))
    assert person.cycle_end == date(2031, 6, 30)
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "registered"

    set_day(rereg, date(2031, 7, 1))
    await run_jobs(rereg)
    await run_jobs(rereg)  # a second run finds nothing more to do
    view = await registration(rereg, person)
    assert view.status == "expired"
    assert [(h.from_status, h.to_status) for h in view.status_history][-1] == ("registered", "expired")
    entry = await register_entry(rereg, person)
    assert (entry.status, entry.valid_until) == ("expired", date(2031, 6, 30))

    async def one_lapse_mail() -> bool:
        return len(await mails_to(rereg, person.email, "vervallen")) == 1

    await wait_until(one_lapse_mail, message="one lapse mail")
    await asyncio.sleep(0.5)
    assert len(await mails_to(rereg, person.email, "vervallen")) == 1


async def test_reminders_go_out_once_each_at_six_months_twelve_weeks_and_six_weeks_before_the_end(
    rereg: Registry,
) -> None:
    set_day(rereg, date(2031, 1, 1))
    person = await professional(rereg, date(2027, 1, 1))  # cycle ends 2031-12-31
    applied = await professional(rereg, date(2027, 1, 1), surname="Aangevraagd")
    await publish(rereg, dossier(applied, applied_on=date(2031, 1, 1)))
    await wait_for_status(rereg, applied, "reregistration_pending")
    end = date(2031, 12, 31)
    due_days = (date(2031, 6, 30), end - timedelta(weeks=12), end - timedelta(weeks=6))

    expected = 0
    for day in (date(2031, 6, 29), *due_days, end - timedelta(weeks=1), end):
        set_day(rereg, day)
        await run_jobs(rereg)
        await run_jobs(rereg)  # the same day again: nothing more
        expected += day in due_days

        async def reminded(count: int = expected) -> bool:
            return len(await mails_to(rereg, person.email, "Herinnering")) == count

        await wait_until(reminded, message=f"{expected} reminder(s) by {day}")
    await asyncio.sleep(0.5)
    reminders = await mails_to(rereg, person.email, "Herinnering")
    assert len(reminders) == 3
    assert all("31-12-2031" in mail.body for mail in reminders)
    assert await mails_to(rereg, applied.email, "Herinnering") == []
    rows = await rereg.rows(
        "SELECT reminder, mail_id FROM reminders_sent WHERE person_id = :p ORDER BY due_on", p=person.person_id
    )
    assert [(row.reminder, row.mail_id is not None) for row in rows] == [
        ("6_months", True),
        ("12_weeks", True),
        ("6_weeks", True),
    ]


async def test_reminders_falling_due_together_send_one_mail(rereg: Registry) -> None:
    set_day(rereg, date(2032, 3, 1))
    person = await professional(rereg, date(2027, 4, 1))  # cycle ends 2032-03-31, all three are due
    await run_jobs(rereg)

    async def reminded() -> bool:
        return len(await mails_to(rereg, person.email, "Herinnering")) == 1

    await wait_until(reminded, message="one reminder")
    rows = await rereg.rows("SELECT reminder, mail_id FROM reminders_sent WHERE person_id = :p", p=person.person_id)
    assert {(row.reminder, row.mail_id is not None) for row in rows} == {
        ("6_months", False),
        ("12_weeks", False),
        ("6_weeks", True),
    }


# --- extensions -------------------------------------------------------------------------------------------------


async def test_an_extension_moves_the_cycle_end_and_is_capped_at_16_weeks_per_case(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    office_id = office_member[0]
    set_day(rereg, date(2032, 1, 10))
    person = await professional(rereg, date(2027, 3, 1))  # ends 2032-02-29
    assert person.cycle_end == date(2032, 2, 29)

    def extend(weeks: int, case: str, reason: str = "illness", actor: uuid.UUID = office_id) -> contracts.ExtendCycle:
        return contracts.ExtendCycle(
            actor_account_id=actor,
            registration_number=person.number,
            reason=reason,
            weeks=weeks,
            case_reference=case,
        )

    first = await rereg.call(extend(10, "ZK-1"))
    assert first.cycle.ends_on == date(2032, 2, 29) + timedelta(weeks=10)
    assert (first.cycle.cycle_id, first.weeks_granted_for_case, first.max_weeks_per_case) == (person.cycle_id, 10, 16)
    over = await rpc_error(rereg, extend(7, "ZK-1"))
    assert (over.status, over.code) == (422, "extension_limit_exceeded")
    assert "10 already granted" in over.message
    assert (await rpc_error(rereg, extend(3, "  "))).code == "invalid_extension"
    assert (await rpc_error(rereg, extend(3, "ZK-1", actor=person.person_id))).status == 403
    full = await rereg.call(extend(6, "ZK-1"))
    other_case = await rereg.call(extend(4, "ZW-2", reason="pregnancy"))
    assert full.weeks_granted_for_case == 16
    new_end = date(2032, 2, 29) + timedelta(weeks=20)
    assert other_case.cycle.ends_on == new_end
    assert (await registration(rereg, person)).valid_until == new_end
    assert "zwangerschap" in (await rereg.mail_to(person.email, "verlengd")).body

    await once_published(rereg, contracts.CycleOpened, person, lambda event: event.ends_on == new_end)
    assert {event.cycle_id for event in published(rereg, contracts.CycleOpened, person)} == {person.cycle_id}

    # The old end passes without a lapse; the extended one does not.
    set_day(rereg, date(2032, 3, 1))
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "registered"
    set_day(rereg, new_end + timedelta(days=1))
    await run_jobs(rereg)
    assert (await registration(rereg, person)).status == "expired"
    gone = await rpc_error(rereg, extend(1, "ZK-3"))
    assert (gone.status, gone.code) == (409, "registration_not_active")


# --- portfolio notices ----------------------------------------------------------------------------------------


async def test_new_provider_placed_entries_are_mailed_as_one_digest_per_person(rereg: Registry) -> None:
    set_day(rereg, date(2030, 6, 1))
    person = await professional(rereg, date(2028, 1, 1))

    def recorded(source: str, day: int) -> portfolio_contracts.ActivityRecorded:
        return portfolio_contracts.ActivityRecorded(
            activity_id=uuid.uuid4(),
            person_id=person.person_id,
            category="A1",
            activity_type="accredited_course",
            points=Decimal("7.5"),
            accredited=True,
            source=source,
            completion_date=date(2030, 5, day),
        )

    def placed(*days: int) -> portfolio_contracts.ActivitiesPlaced:
        return portfolio_contracts.ActivitiesPlaced(
            batch_id=uuid.uuid4(),
            provider_id=uuid.uuid4(),
            provider_name="Opleider",
            course_title="Verzuim",
            entries=[
                portfolio_contracts.PlacedEntry(
                    activity_id=uuid.uuid4(),
                    person_id=person.person_id,
                    category="A1",
                    points=Decimal("7.5"),
                    completion_date=date(2030, 5, day),
                )
                for day in days
            ],
        )

    # An entry announced the old way (one event per entry), a batch of two, the same batch re-sent, and the
    # professional's own entry (no mail for that).
    batch = placed(10, 20)
    for event in (recorded("provider_placed", 3), batch, recorded("self_entered", 11)):
        await publish(rereg, event)
    await publish(rereg, batch.model_copy(update={"batch_id": uuid.uuid4()}))

    async def noted() -> bool:
        rows = await rereg.rows("SELECT count(*) AS n FROM entry_notices WHERE person_id = :p", p=person.person_id)
        return bool(rows[0].n == 3)

    await wait_until(noted, message="three entries noted")
    await run_jobs(rereg)
    await run_jobs(rereg)
    digest = await rereg.mail_to(person.email, "nieuwe registratie")
    assert digest.subject.startswith("3 nieuwe")
    assert all(day in digest.body for day in ("3-5-2030", "10-5-2030", "20-5-2030"))
    assert "11-5-2030" not in digest.body and "30 dagen" in digest.body
    await asyncio.sleep(0.5)
    assert len(await mails_to(rereg, person.email, "nieuwe registratie")) == 1


async def test_a_disputed_entry_is_mailed_to_the_office(rereg: Registry, office_member: tuple[uuid.UUID, str]) -> None:
    person = await professional(rereg, date(2028, 1, 1), surname="Betwister")
    await publish(
        rereg,
        portfolio_contracts.ActivityDisputed(
            activity_id=uuid.uuid4(),
            person_id=person.person_id,
            attendance_id=uuid.uuid4(),
            provider_id=uuid.uuid4(),
            reason="Ik was er die dag niet.",
            disputed_at=clock(rereg)(),
        ),
    )
    mail = await rereg.mail_to(office_member[1], "Betwiste registratie")
    assert "H. Betwister" in mail.subject and person.number in mail.subject
    assert "Ik was er die dag niet." in mail.body


async def test_the_provider_is_mailed_of_an_accreditation_and_of_a_withdrawal(rereg: Registry) -> None:
    course_id, provider_id = uuid.uuid4(), uuid.uuid4()
    address = f"opleidingen-{course_id.hex[:8]}@aanbieder.example"
    await publish(
        rereg,
        accreditation_contracts.CourseAccredited(
            course_id=course_id,
            provider_id=provider_id,
            title="Verzuim in het mbo",
            category="A1",
            study_load_hours=Decimal(8),
            points=Decimal("7.5"),
            valid_from=date(2027, 1, 1),
            valid_until=date(2029, 12, 31),
            provider_name="Opleider BV",
            provider_contact_email=address,
            reason="Voldoet aan de eisen.",
        ),
    )
    accredited = await rereg.mail_to(address, "Cursus geaccrediteerd")
    assert "Verzuim in het mbo" in accredited.subject
    assert (
        "7.5 punten" in accredited.body
        and "31-12-2029" in accredited.body
        and "Voldoet aan de eisen." in accredited.body
    )
    await publish(
        rereg,
        accreditation_contracts.AccreditationWithdrawn(
            course_id=course_id,
            withdrawn_on=date(2028, 3, 1),
            reason="Programma gewijzigd zonder melding.",
            provider_id=provider_id,
            title="Verzuim in het mbo",
            provider_name="Opleider BV",
            provider_contact_email=address,
        ),
    )
    withdrawn = await rereg.mail_to(address, "Accreditatie ingetrokken")
    assert "1-3-2028" in withdrawn.body and "Programma gewijzigd zonder melding." in withdrawn.body

    # A professional disputes one of this provider's entries: the provider is mailed at the address it gave.
    person = await professional(rereg, date(2028, 1, 1), surname="Afwezig")
    attendance_id = uuid.uuid4()
    await publish(
        rereg,
        portfolio_contracts.ActivityDisputed(
            activity_id=uuid.uuid4(),
            person_id=person.person_id,
            attendance_id=attendance_id,
            provider_id=provider_id,
            reason="Niet aanwezig geweest.",
            disputed_at=clock(rereg)(),
        ),
    )
    disputed = await rereg.mail_to(address, "Betwiste aanwezigheidsregistratie")
    assert person.number in disputed.body and str(attendance_id) not in disputed.body
    assert "Niet aanwezig geweest." in disputed.body

    # A webhook endpoint of this provider kept failing and was disabled: the provider is told where and how often.
    await publish(
        rereg,
        accreditation_contracts.WebhookEndpointDisabled(
            endpoint_id=uuid.uuid4(),
            provider_id=provider_id,
            provider_name="Opleider BV",
            provider_contact_email=address,
            url="https://hooks.opleider.example/lklr",
            failed_attempts=30,
            disabled_at=clock(rereg)(),
        ),
    )
    disabled = await rereg.mail_to(address, "Webhook-endpoint uitgeschakeld")
    assert "https://hooks.opleider.example/lklr" in disabled.body and "30 keer" in disabled.body


# --- running the jobs ------------------------------------------------------------------------------------------


async def test_only_the_office_or_the_system_runs_the_jobs_on_request(
    rereg: Registry, office_member: tuple[uuid.UUID, str]
) -> None:
    person = await professional(rereg, date(2028, 1, 1))
    refused = await rpc_error(rereg, contracts.RunScheduledJobs(actor_account_id=person.person_id))
    assert (refused.status, refused.code) == (403, "forbidden")
    report = await rereg.call(contracts.RunScheduledJobs(actor_account_id=office_member[0]))
    assert report.register_day == clock(rereg)().date()


async def test_jobs_of_two_replicas_at_once_lapse_and_remind_each_registration_once(
    start_registry: RegistryFactory,
) -> None:
    manual = ManualClock(noon(date(2030, 6, 1)))
    registry = await start_registry(manual_clock=manual, scheduled_jobs_batch_size=7)
    lapsed = [await professional(registry, date(2025, 5, 1), surname=f"Verlopen {n}") for n in range(12)]
    reminded = [await professional(registry, date(2025, 11, 1), surname=f"Herinnerd {n}") for n in range(12)]
    # A second replica on the same database (not started: only its jobs run here).
    other = build_runtime(registry.runtime.settings, clock=manual)
    try:
        assert registry.runtime.jobs is not None and other.jobs is not None
        reports = await asyncio.gather(
            registry.runtime.jobs.run_all(), other.jobs.run_all(), registry.runtime.jobs.run_all(), other.jobs.run_all()
        )
    finally:
        await other.engine.dispose()
    assert sum(report.expired for report in reports) == len(lapsed)
    assert sum(report.reminders_sent for report in reports) == len(reminded)
    for person in lapsed:
        assert (await registration(registry, person)).status == "expired"
    rows = await registry.rows("SELECT person_id, count(*) AS n FROM reminders_sent GROUP BY person_id")
    assert {row.person_id: row.n for row in rows} == {person.person_id: 1 for person in reminded}
    history = await registry.rows(
        "SELECT person_id, count(*) AS n FROM status_history WHERE to_status = 'expired' GROUP BY person_id"
    )
    assert {row.n for row in history} == {1} and len(history) == len(lapsed)


async def test_the_timer_runs_the_jobs_by_itself(start_registry: RegistryFactory) -> None:
    manual = ManualClock(noon(date(2030, 1, 1)))
    registry = await start_registry(
        manual_clock=manual, scheduled_jobs_enabled=True, scheduled_jobs_interval_seconds=0.2
    )
    person = await professional(registry, date(2025, 1, 1))  # ends 2029-12-31: lapsed already
    await wait_for_status(registry, person, "expired")
