"""The office's list of staff accounts (ListStaffAccounts): who holds a staff role, whether they are a registered
professional and who employs them, for the office only."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import registry as contracts
from registry.adapters.security import TotpVerifier

from .conftest import PASSWORD, Registry, rpc_error

pytestmark = pytest.mark.integration


async def staff_member(registry: Registry, surname: str, *roles: contracts.AccountRole) -> uuid.UUID:
    ready = await registry.call(
        contracts.CreateDemoAccount(
            email=f"{surname.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}@example.nl",
            password=PASSWORD,
            initials="S.",
            surname=surname,
            account_roles=list(roles),
            totp_secret=TotpVerifier.new_secret(),
        )
    )
    account_id: uuid.UUID = ready.account_id
    return account_id


async def test_the_office_lists_the_assessment_committee_with_registration_and_employer(
    registry: Registry, office: uuid.UUID
) -> None:
    registered = await staff_member(registry, "Zwart", "assessment_committee", "professional")
    application = await registry.apply(registered, employer_name="Gemeente Súdwest-Fryslân")
    approved = await registry.call(
        contracts.DecideApplication(
            actor_account_id=office, application_id=application.application_id, decision="approve"
        )
    )
    member = await staff_member(registry, "Aalders", "assessment_committee", "accreditation_committee")
    accreditation_only = await staff_member(registry, "Bakker", "accreditation_committee")
    professional, _email = await registry.sign_up_and_confirm(surname="Professional")

    listed = await registry.call(contracts.ListStaffAccounts(actor_account_id=office, role="assessment_committee"))
    by_id = {account.account_id: account for account in listed.accounts}
    assert registered in by_id and member in by_id
    assert not {accreditation_only, professional, office} & by_id.keys()
    ours = [account.account_id for account in listed.accounts if account.account_id in {registered, member}]
    assert ours == [member, registered]  # by surname

    zwart = by_id[registered]
    assert zwart.surname == "Zwart" and zwart.email.startswith("zwart-")
    assert zwart.account_roles == ["professional", "assessment_committee"]
    assert zwart.registered_professional
    assert (zwart.registration_number, zwart.registration_status) == (approved.registration_number, "registered")
    assert (zwart.employer_name, zwart.employer_id) == ("Gemeente Súdwest-Fryslân", "gemeente-sudwest-fryslan")

    aalders = by_id[member]
    assert aalders.account_roles == ["accreditation_committee", "assessment_committee"]
    assert not aalders.registered_professional
    assert (aalders.registration_number, aalders.employer_name, aalders.employer_id) == (None, None, None)

    every_staff = await registry.call(contracts.ListStaffAccounts(actor_account_id=office))
    staff_ids = {account.account_id for account in every_staff.accounts}
    assert {registered, member, accreditation_only, office} <= staff_ids
    assert professional not in staff_ids


async def test_only_the_office_lists_staff_accounts_and_refusals_are_audited(registry: Registry) -> None:
    member = await staff_member(registry, "Commissie", "assessment_committee")
    professional, _email = await registry.sign_up_and_confirm()
    for actor in (member, professional):
        refused = await rpc_error(
            registry, contracts.ListStaffAccounts(actor_account_id=actor, role="assessment_committee")
        )
        assert (refused.status, refused.code) == (403, "forbidden")
    audited = await registry.rows(
        "SELECT actor_account_id, result FROM audit_trail WHERE action = 'list_staff_accounts' "
        "AND actor_account_id IN (:member, :professional)",
        member=member,
        professional=professional,
    )
    assert {(row.actor_account_id, row.result) for row in audited} == {(member, "refused"), (professional, "refused")}

    unknown = await rpc_error(registry, contracts.ListStaffAccounts(actor_account_id=uuid.uuid4()))
    assert (unknown.status, unknown.code) == (401, "actor_unknown")
