"""Applications and decisions over the real wiring: per-object authorization, the office's role, and what an
approval issues and publishes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lklr_shared.contracts import registry as contracts
from registry.domain.cycles import add_years
from registry.domain.registration_number import is_valid_registration_number

from .conftest import Registry, rpc_error, wait_until

pytestmark = pytest.mark.integration


async def test_a_professional_applies_and_follows_their_own_application(registry: Registry, office: uuid.UUID) -> None:
    _office_member, office_email, _secret = await registry.staff("office")
    account_id, email = await registry.sign_up_and_confirm(initials="A.B.", surname="Aanvrager")
    submitted = await registry.apply(account_id, roles=["rmc_medewerker", "leerplichtambtenaar"], hours_per_week="20.5")
    assert submitted.status == "pending"
    assert submitted.roles == ["leerplichtambtenaar", "rmc_medewerker"]
    assert submitted.hours_per_week == Decimal("20.5")
    assert (await registry.call(contracts.GetMyApplication(actor_account_id=account_id))) == submitted

    queue = await registry.call(contracts.ListPendingApplications(actor_account_id=office))
    assert submitted.application_id in {application.application_id for application in queue.applications}
    await registry.mail_to(email, "ontvangen")
    assert "A.B. Aanvrager" in (await registry.mail_to(office_email, "Nieuwe aanvraag")).body

    again = await rpc_error(registry, registry_apply(account_id))
    assert (again.status, again.code) == (409, "application_pending")


def registry_apply(account_id: uuid.UUID) -> contracts.ApplyForRegistration:
    return contracts.ApplyForRegistration(
        actor_account_id=account_id,
        roles=["leerplichtambtenaar"],
        employer_name="Gemeente Testdorp",
        employer_kind="municipality",
        hours_per_week=Decimal(24),
        declaration_accepted=True,
    )


async def test_an_application_below_the_minimum_hours_lists_every_broken_rule(registry: Registry) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    error = await rpc_error(
        registry,
        contracts.ApplyForRegistration(
            actor_account_id=account_id,
            roles=[],
            employer_name=" ",
            employer_kind="region",
            hours_per_week=Decimal(12),
            declaration_accepted=False,
        ),
    )
    assert (error.status, error.code) == (422, "invalid_application")
    for code in ("no_role", "employer_name_missing", "too_few_hours", "declaration_not_accepted"):
        assert code in {problem.code for problem in error.problems}
    assert "16" in error.message  # the scheme's minimum, not a number in the code


async def test_a_professional_cannot_read_someone_elses_application(registry: Registry, office: uuid.UUID) -> None:
    owner, _ = await registry.sign_up_and_confirm()
    other, _ = await registry.sign_up_and_confirm()
    application = await registry.apply(owner)

    hidden = await rpc_error(
        registry, contracts.GetApplication(actor_account_id=other, application_id=application.application_id)
    )
    unknown = await rpc_error(registry, contracts.GetApplication(actor_account_id=other, application_id=uuid.uuid4()))
    # The same answer for "not yours" and "does not exist": nothing to learn by probing ids.
    assert (hidden.status, hidden.code, hidden.message) == (unknown.status, unknown.code, unknown.message)
    assert hidden.status == 404

    own = await registry.call(
        contracts.GetApplication(actor_account_id=owner, application_id=application.application_id)
    )
    by_office = await registry.call(
        contracts.GetApplication(actor_account_id=office, application_id=application.application_id)
    )
    assert own == by_office == application

    nothing = await rpc_error(registry, contracts.GetMyApplication(actor_account_id=other))
    assert (nothing.status, nothing.code) == (404, "no_application")


async def test_only_the_office_decides_and_refusals_are_audited(registry: Registry) -> None:
    applicant, _ = await registry.sign_up_and_confirm()
    outsider, _ = await registry.sign_up_and_confirm()
    committee, _email, _secret = await registry.staff("accreditation_committee", "assessment_committee")
    application = await registry.apply(applicant)

    for actor in (applicant, outsider, committee):
        refused = await rpc_error(
            registry,
            contracts.DecideApplication(
                actor_account_id=actor,
                application_id=application.application_id,
                decision="approve",
                client_ip="192.0.2.66",
            ),
        )
        assert (refused.status, refused.code) == (403, "forbidden")
        queue = await rpc_error(registry, contracts.ListPendingApplications(actor_account_id=actor))
        assert queue.status == 403

    still = await registry.call(contracts.GetMyApplication(actor_account_id=applicant))
    assert still.status == "pending"
    audited = await registry.rows(
        "SELECT actor_account_id, result, client_ip FROM audit_trail WHERE action = 'decide_application' "
        "AND subject = :subject",
        subject=f"application:{application.application_id}",
    )
    assert len(audited) == 3
    assert {(row.result, row.client_ip) for row in audited} == {("refused", "192.0.2.66")}


async def test_the_office_cannot_decide_its_own_application(registry: Registry) -> None:
    office_member, _email, _secret = await registry.staff("office", "professional")
    application = await registry.apply(office_member)
    refused = await rpc_error(
        registry,
        contracts.DecideApplication(
            actor_account_id=office_member, application_id=application.application_id, decision="approve"
        ),
    )
    assert (refused.status, refused.code) == (403, "own_application")


async def test_approval_issues_a_valid_number_opens_the_first_cycle_and_publishes_it(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, email = await registry.sign_up_and_confirm(initials="G.", surname="Goedgekeurd")
    application = await registry.apply(account_id, roles=["rmc_medewerker"], employer_name="RBL Zuid  Limburg")

    decided = await registry.call(
        contracts.DecideApplication(
            actor_account_id=office, application_id=application.application_id, decision="approve"
        )
    )
    assert decided.status == "approved"
    number = decided.registration_number
    assert number is not None and is_valid_registration_number(number)

    registration = await registry.call(contracts.GetMyRegistration(actor_account_id=account_id))
    assert registration.registration_number == number
    assert registration.status == "registered"
    assert registration.roles == ["rmc_medewerker"]
    cycle = registration.current_cycle
    assert cycle is not None and cycle.sequence == 1
    assert cycle.starts_on == decided.decided_on == registration.registered_since
    assert cycle.ends_on == add_years(cycle.starts_on, 5) - timedelta(days=1)
    assert registration.valid_until == cycle.ends_on
    assert [(h.from_status, h.to_status) for h in registration.status_history] == [("applied", "registered")]

    async def published() -> bool:
        kinds = {e.type for e in registry.events if e.payload.get("person_id") == str(account_id)}
        return {"registry.RegistrationGranted", "registry.RegistrationStatusChanged", "registry.CycleOpened"} <= kinds

    await wait_until(published, message="RegistrationGranted, RegistrationStatusChanged and CycleOpened")
    granted = next(
        e
        for e in registry.events
        if e.type == "registry.RegistrationGranted" and e.payload["person_id"] == str(account_id)
    )
    assert granted.payload["registration_number"] == number
    assert granted.payload["employer_id"] == "rbl-zuid-limburg"
    approval_mail = await registry.mail_to(email, "goedgekeurd")
    assert number in approval_mail.subject and number in approval_mail.body

    twice = await rpc_error(
        registry,
        contracts.DecideApplication(
            actor_account_id=office, application_id=application.application_id, decision="reject", reason="x"
        ),
    )
    assert (twice.status, twice.code) == (409, "already_decided")


async def test_a_rejection_needs_a_reason_and_is_mailed(registry: Registry, office: uuid.UUID) -> None:
    account_id, email = await registry.sign_up_and_confirm()
    application = await registry.apply(account_id)
    no_reason = await rpc_error(
        registry,
        contracts.DecideApplication(
            actor_account_id=office, application_id=application.application_id, decision="reject", reason="  "
        ),
    )
    assert (no_reason.status, no_reason.code) == (422, "invalid_decision")

    rejected = await registry.call(
        contracts.DecideApplication(
            actor_account_id=office,
            application_id=application.application_id,
            decision="reject",
            reason="Werkgever is geen gemeente, regio of RBL.",
        )
    )
    assert (rejected.status, rejected.reason, rejected.registration_number) == (
        "rejected",
        "Werkgever is geen gemeente, regio of RBL.",
        None,
    )
    assert "geen gemeente" in (await registry.mail_to(email, "Besluit")).body
    not_registered = await rpc_error(registry, contracts.GetMyRegistration(actor_account_id=account_id))
    assert (not_registered.status, not_registered.code) == (404, "not_registered")
    # A rejected applicant may apply again.
    assert (await registry.apply(account_id)).status == "pending"


async def test_an_expired_professional_reenters_with_the_same_number(registry: Registry, office: uuid.UUID) -> None:
    account_id, _email, number = await registry.registered_professional(office)
    await registry.call(
        contracts.ChangeRegistrationStatus(actor_account_id=office, registration_number=number, new_status="expired")
    )
    blocked = await rpc_error(
        registry,
        contracts.ChangeRegistrationStatus(
            actor_account_id=office, registration_number=number, new_status="registered"
        ),
    )
    assert (blocked.status, blocked.code) == (409, "illegal_status_change")

    application = await registry.apply(account_id)
    decided = await registry.call(
        contracts.DecideApplication(
            actor_account_id=office, application_id=application.application_id, decision="approve"
        )
    )
    assert decided.registration_number == number
    registration = await registry.call(contracts.GetMyRegistration(actor_account_id=account_id))
    assert registration.status == "registered"
    assert [cycle.sequence for cycle in registration.cycles] == [1, 2]
    assert [h.to_status for h in registration.status_history] == ["registered", "expired", "registered"]


async def test_office_measures_need_a_reason_and_lift_back(registry: Registry, office: uuid.UUID) -> None:
    account_id, email, number = await registry.registered_professional(office)
    no_reason = await rpc_error(
        registry,
        contracts.ChangeRegistrationStatus(actor_account_id=office, registration_number=number, new_status="suspended"),
    )
    assert (no_reason.status, no_reason.code) == (422, "reason_required")
    suspended = await registry.call(
        contracts.ChangeRegistrationStatus(
            actor_account_id=office, registration_number=number, new_status="suspended", reason="Onderzoek klacht"
        )
    )
    assert suspended.status == "suspended"
    lifted = await registry.call(
        contracts.ChangeRegistrationStatus(actor_account_id=office, registration_number=number, new_status="registered")
    )
    assert lifted.status == "registered"
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    refused = await rpc_error(
        registry,
        contracts.ChangeRegistrationStatus(actor_account_id=office, registration_number=mistyped, new_status="expired"),
    )
    assert (refused.status, refused.code) == (422, "invalid_registration_number")
    by_professional = await rpc_error(
        registry,
        contracts.ChangeRegistrationStatus(
            actor_account_id=account_id, registration_number=number, new_status="expired"
        ),
    )
    assert by_professional.status == 403
    await registry.mail_to(email, "geschorst")
