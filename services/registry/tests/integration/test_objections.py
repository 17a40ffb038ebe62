"""Objection (bezwaar) over the real wiring: a refused re-registration (audit events published on RabbitMQ), the
objection filed and decided through the registry's requests, time moved with a ManualClock across the cycle end."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.kit.clock import ManualClock

from .conftest import Registry, RegistryFactory, rpc_error
from .test_reregistration import (
    Professional,
    concluded,
    dossier,
    noon,
    professional,
    publish,
    register_entry,
    registration,
    run_jobs,
    set_day,
    wait_for_application,
    wait_for_status,
)

pytestmark = pytest.mark.integration

REASONS = "De beoordelaar heeft mijn intervisieverslagen niet meegeteld; ze staan als bijlage in mijn portfolio."


@pytest.fixture(scope="module")
async def registry_2030(start_registry: RegistryFactory) -> Registry:
    return await start_registry(manual_clock=ManualClock(noon(date(2030, 1, 15))))


@pytest.fixture(scope="module")
async def office_member(registry_2030: Registry) -> uuid.UUID:
    account_id, _email, _secret = await registry_2030.staff("office")
    return account_id


async def refused_reregistration(registry: Registry, office_id: uuid.UUID, surname: str) -> tuple[Professional, str]:
    """A professional (cycle 1-3-2025 to 28-2-2030) whose timely re-registration the audit found not met on
    10-2-2030; returns them and the dossier reference to object to."""
    set_day(registry, date(2030, 1, 20))
    person = await professional(registry, date(2025, 3, 1), surname)
    frozen = dossier(person, applied_on=date(2030, 1, 20))
    await publish(registry, frozen)
    await wait_for_status(registry, person, "reregistration_pending")
    set_day(registry, date(2030, 2, 10))
    await publish(registry, concluded(person, frozen.dossier_id, "not_met", date(2030, 2, 10)))
    await wait_for_application(registry, office_id, person, status="not_granted")
    return person, str(frozen.dossier_id)


def objection(person: Professional, reference: str, reasons: str = REASONS) -> contracts.FileObjection:
    return contracts.FileObjection(
        actor_account_id=person.person_id,
        client_ip="203.0.113.7",
        decision_kind="audit_not_met",
        decision_reference=reference,
        reasons=reasons,
    )


async def test_a_refused_re_registration_stays_registered_while_the_objection_runs_and_lapses_when_not_upheld(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    person, reference = await refused_reregistration(registry_2030, office_member, "Bezwaarmaker")
    mine = await registry_2030.call(contracts.GetMyObjections(actor_account_id=person.person_id))
    [decision] = mine.decisions
    assert (decision.decision_kind, decision.reference) == ("audit_not_met", reference)
    assert (decision.decided_on, decision.filing_deadline, decision.open_for_objection) == (
        date(2030, 2, 10),
        date(2030, 3, 24),
        True,
    )

    set_day(registry_2030, date(2030, 2, 20))
    filed = (await registry_2030.call(objection(person, reference))).objection
    assert (filed.state, filed.decision_due_on, filed.original_decision_due_on) == (
        "received",
        date(2030, 4, 3),
        date(2030, 4, 3),
    )
    await registry_2030.mail_to(person.email, "Uw bezwaar is ontvangen")

    # Past the cycle end (28-2-2030): without the objection the expiry job would lapse the registration now.
    set_day(registry_2030, date(2030, 3, 10))
    await run_jobs(registry_2030)
    assert (await registration(registry_2030, person)).status == "registered"
    assert (await register_entry(registry_2030, person)).status == "registered"

    decided = await registry_2030.call(
        contracts.DecideObjection(
            actor_account_id=office_member,
            objection_id=filed.objection_id,
            outcome="not_upheld",
            reasons="De verslagen voldoen niet aan de eisen voor intervisie (minimaal anderhalf uur per sessie).",
        )
    )
    assert (decided.objection.state, decided.objection.outcome) == ("decided", "not_upheld")
    view = await registration(registry_2030, person)
    assert view.status == "expired"
    assert (await register_entry(registry_2030, person)).valid_until == date(2030, 2, 28)
    mail = await registry_2030.mail_to(person.email, "Beslissing op uw bezwaar: ongegrond")
    assert "intervisie" in mail.body and "vervallen" in mail.body


async def test_an_objection_against_a_not_met_decided_after_the_cycle_end_puts_the_registration_back_until_decided(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    set_day(registry_2030, date(2030, 2, 20))
    person = await professional(registry_2030, date(2025, 3, 1), "Nadeeinddatum")
    frozen = dossier(person, applied_on=date(2030, 2, 20))
    await publish(registry_2030, frozen)
    await wait_for_status(registry_2030, person, "reregistration_pending")
    set_day(registry_2030, date(2030, 4, 15))
    await publish(registry_2030, concluded(person, frozen.dossier_id, "not_met", date(2030, 4, 15)))
    await wait_for_status(registry_2030, person, "expired")  # decided after the cycle end: lapsed at once

    set_day(registry_2030, date(2030, 4, 20))
    filed = (await registry_2030.call(objection(person, str(frozen.dossier_id)))).objection
    assert (await registration(registry_2030, person)).status == "registered"
    await run_jobs(registry_2030)
    assert (await register_entry(registry_2030, person)).status == "registered"

    await registry_2030.call(
        contracts.DecideObjection(
            actor_account_id=office_member, objection_id=filed.objection_id, outcome="not_upheld", reasons=REASONS
        )
    )
    view = await registration(registry_2030, person)
    assert view.status == "expired"
    assert [change.to_status for change in view.status_history][-3:] == ["expired", "registered", "expired"]


async def test_an_upheld_objection_grants_the_re_registration_after_all(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    person, reference = await refused_reregistration(registry_2030, office_member, "Gegrond")
    set_day(registry_2030, date(2030, 2, 24))
    filed = (await registry_2030.call(objection(person, reference))).objection
    decided = await registry_2030.call(
        contracts.DecideObjection(
            actor_account_id=office_member,
            objection_id=filed.objection_id,
            outcome="upheld",
            reasons="De intervisieverslagen tellen mee; de norm is gehaald.",
        )
    )
    assert decided.objection.outcome == "upheld"
    view = await registration(registry_2030, person)
    assert view.status == "registered"
    assert view.current_cycle is not None and view.current_cycle.starts_on == date(2030, 3, 1)


async def test_a_late_objection_is_refused_with_the_deadline_and_nothing_is_filed(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    person, reference = await refused_reregistration(registry_2030, office_member, "Telaat")
    set_day(registry_2030, date(2030, 3, 25))  # the deadline was 24-3-2030
    refused = await rpc_error(registry_2030, objection(person, reference))
    assert (refused.status, refused.code) == (422, "objection_late")
    assert "2030-03-24" in refused.message
    mine = await registry_2030.call(contracts.GetMyObjections(actor_account_id=person.person_id))
    assert mine.objections == [] and mine.decisions[0].open_for_objection is False
    refusals = await registry_2030.rows(
        "SELECT result, detail FROM audit_trail WHERE person_id = :p AND action = 'file_objection'",
        p=person.person_id,
    )
    assert [(row.result, row.detail["reason"]) for row in refusals] == [("refused", "objection_late")]


async def test_an_objection_against_someone_elses_decision_is_refused_as_not_found(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    person, reference = await refused_reregistration(registry_2030, office_member, "Eigenaar")
    other = await professional(registry_2030, date(2025, 3, 1), "Ander")
    refused = await rpc_error(registry_2030, objection(other, reference))
    assert (refused.status, refused.code) == (404, "decision_not_found")
    refused = await rpc_error(
        registry_2030, objection(other, reference).model_copy(update={"decision_kind": "struck_off"})
    )
    assert refused.code == "decision_not_found"
    # The owner still can, once; a second objection against the same decision is refused.
    await registry_2030.call(objection(person, reference))
    again = await rpc_error(registry_2030, objection(person, reference))
    assert (again.status, again.code) == (409, "objection_exists")


async def test_the_office_acknowledges_invites_extends_once_and_the_statistics_count_the_outcomes(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    person, reference = await refused_reregistration(registry_2030, office_member, "Stappen")
    set_day(registry_2030, date(2030, 2, 20))
    filed = (await registry_2030.call(objection(person, reference))).objection
    step = await registry_2030.call(
        contracts.AcknowledgeObjection(actor_account_id=office_member, objection_id=filed.objection_id)
    )
    assert (step.objection.state, step.objection.acknowledged_on) == ("acknowledged", date(2030, 2, 20))
    again = await rpc_error(
        registry_2030, contracts.AcknowledgeObjection(actor_account_id=office_member, objection_id=filed.objection_id)
    )
    assert again.code == "already_acknowledged"
    await registry_2030.mail_to(person.email, "Ontvangstbevestiging")

    too_late = datetime.combine(date(2030, 4, 4), time(10), tzinfo=ZoneInfo("Europe/Amsterdam"))
    refused = await rpc_error(
        registry_2030,
        contracts.InviteToObjectionHearing(
            actor_account_id=office_member, objection_id=filed.objection_id, hearing_at=too_late, place="Utrecht"
        ),
    )
    assert refused.code == "hearing_after_deadline"
    hearing = datetime.combine(date(2030, 3, 12), time(14, 30), tzinfo=ZoneInfo("Europe/Amsterdam"))
    step = await registry_2030.call(
        contracts.InviteToObjectionHearing(
            actor_account_id=office_member, objection_id=filed.objection_id, hearing_at=hearing, place="Utrecht"
        )
    )
    assert step.objection.state == "hearing_scheduled"
    invitation = await registry_2030.mail_to(person.email, "hoorzitting")
    assert "12-3-2030 om 14:30 uur" in invitation.body

    step = await registry_2030.call(
        contracts.ExtendObjectionTerm(
            actor_account_id=office_member, objection_id=filed.objection_id, reason="Advies van de commissie nodig."
        )
    )
    assert (step.objection.original_decision_due_on, step.objection.decision_due_on) == (
        date(2030, 4, 3),
        date(2030, 5, 15),
    )
    twice = await rpc_error(
        registry_2030,
        contracts.ExtendObjectionTerm(
            actor_account_id=office_member, objection_id=filed.objection_id, reason="nog eens"
        ),
    )
    assert twice.code == "already_extended"
    queue = await registry_2030.call(contracts.ListObjections(actor_account_id=office_member))
    assert filed.objection_id in {item.objection_id for item in queue.objections}

    before = await registry_2030.call(contracts.GetObjectionStatistics())
    await registry_2030.call(
        contracts.DecideObjection(
            actor_account_id=office_member, objection_id=filed.objection_id, outcome="not_upheld", reasons=REASONS
        )
    )
    after = await registry_2030.call(contracts.GetObjectionStatistics())
    [year_before] = [year for year in before.years if year.year == 2030]
    [year_after] = [year for year in after.years if year.year == 2030]
    assert (year_after.filed, year_after.not_upheld, year_after.open) == (
        year_before.filed,
        year_before.not_upheld + 1,
        year_before.open - 1,
    )
    # Someone without the office role cannot see the queue.
    forbidden = await rpc_error(registry_2030, contracts.ListObjections(actor_account_id=person.person_id))
    assert forbidden.status == 403


async def test_a_refused_extension_is_a_decision_with_its_reasons_that_the_person_can_object_to(
    registry_2030: Registry, office_member: uuid.UUID
) -> None:
    set_day(registry_2030, date(2030, 1, 20))
    person = await professional(registry_2030, date(2025, 3, 1), "Verlenging")
    refusal_reasons = "Een verlenging wegens ziekte vraagt een verklaring van de bedrijfsarts; die ontbreekt."
    blank = await rpc_error(
        registry_2030,
        contracts.RefuseCycleExtension(
            actor_account_id=office_member,
            registration_number=person.number,
            reason="illness",
            weeks=8,
            case_reference="ZK-2030-7",
            reasons="  ",
        ),
    )
    assert (blank.status, blank.code) == (422, "reasons_required")
    refused = await registry_2030.call(
        contracts.RefuseCycleExtension(
            actor_account_id=office_member,
            registration_number=person.number,
            reason="illness",
            weeks=8,
            case_reference="ZK-2030-7",
            reasons=refusal_reasons,
        )
    )
    assert refused.decided_on == date(2030, 1, 20)
    mail = await registry_2030.mail_to(person.email, "verlenging van de registratieperiode is afgewezen")
    assert "bedrijfsarts" in mail.body and "3-3-2030" in mail.body  # the reasons and the last day to object

    mine = await registry_2030.call(contracts.GetMyObjections(actor_account_id=person.person_id))
    [decision] = mine.decisions
    assert (decision.decision_kind, decision.reference, decision.summary) == (
        "extension_refused",
        str(refused.refusal_id),
        refusal_reasons,
    )
    assert (decision.decided_on, decision.filing_deadline, decision.open_for_objection) == (
        date(2030, 1, 20),
        date(2030, 3, 3),
        True,
    )
    evidence_id = uuid.uuid4()
    attachment = contracts.ObjectionAttachment(evidence_id=evidence_id, filename="verklaring-bedrijfsarts.pdf")
    filed = await registry_2030.call(
        objection(person, str(refused.refusal_id)).model_copy(
            update={"decision_kind": "extension_refused", "attachments": [attachment]}
        )
    )
    assert (filed.objection.decision_kind, filed.objection.state) == ("extension_refused", "received")
    # The files go with an event, so the portfolio lets the office read them (and only them).
    shared = await registry_2030.rows(
        "SELECT body FROM kit_outbox WHERE message_type = 'registry.ObjectionEvidenceShared'"
    )
    assert any(str(evidence_id).encode() in bytes(row.body) for row in shared)
    # Only the office refuses extensions.
    forbidden = await rpc_error(
        registry_2030,
        contracts.RefuseCycleExtension(
            actor_account_id=person.person_id,
            registration_number=person.number,
            reason="illness",
            weeks=8,
            case_reference="ZK-2030-7",
            reasons=refusal_reasons,
        ),
    )
    assert forbidden.status == 403
    # A person who chose English gets the refusal in English.
    await registry_2030.call(contracts.SetPreferredLanguage(actor_account_id=person.person_id, language="en"))
    await registry_2030.call(
        contracts.RefuseCycleExtension(
            actor_account_id=office_member,
            registration_number=person.number,
            reason="pregnancy",
            weeks=4,
            case_reference="ZK-2030-8",
            reasons="No statement from a physician or midwife was sent.",
        )
    )
    english = await registry_2030.mail_to(person.email, "Your request to extend your cycle was refused")
    assert "2030-03-03" in english.body and "midwife" in english.body


async def test_the_provider_is_mailed_each_step_of_its_objection_against_a_course_decision(
    registry_2030: Registry,
) -> None:
    objection_id, course_id, provider_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    address = f"bezwaar-{course_id.hex[:8]}@aanbieder.example"

    def step(name: accreditation_contracts.CourseObjectionStep, **extra: Any) -> Message:
        return accreditation_contracts.CourseObjectionStepped(
            objection_id=objection_id,
            course_id=course_id,
            provider_id=provider_id,
            title="Verzuim in het mbo",
            provider_name="Opleider BV",
            provider_contact_email=address,
            step=name,
            decided_on=date(2030, 1, 10),
            decision_due_on=date(2030, 3, 3),
            **extra,
        )

    await publish(registry_2030, step("received"))
    received = await registry_2030.mail_to(address, "Uw bezwaar is ontvangen")
    assert "Verzuim in het mbo" in received.body and "3-3-2030" in received.body
    hearing_at = datetime.combine(date(2030, 2, 12), time(14, 30), tzinfo=ZoneInfo("Europe/Amsterdam"))
    await publish(registry_2030, step("hearing", hearing_at=hearing_at, hearing_place="Utrecht"))
    invitation = await registry_2030.mail_to(address, "hoorzitting")
    assert "12-2-2030 om 14:30 uur, Utrecht" in invitation.body
    await publish(
        registry_2030, step("decided", outcome="not_upheld", reasons="De casusbespreking is geen nieuwe leerstof.")
    )
    decided = await registry_2030.mail_to(address, "Beslissing op uw bezwaar: ongegrond")
    assert "De casusbespreking is geen nieuwe leerstof." in decided.body
