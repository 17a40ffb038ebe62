"""Statistics after approvals, an expiry and a changed working total; Mijn LKLR changes, notices and export."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from lklr_shared.contracts import registry as contracts

from .conftest import Registry, RegistryFactory, rpc_error, wait_until

pytestmark = pytest.mark.integration


async def test_statistics_follow_approvals_an_expiry_and_a_changed_working_total(
    start_registry: RegistryFactory,
) -> None:
    registry = await start_registry()  # its own database: the counts start at zero
    office, _email, _secret = await registry.staff("office")
    year = registry.clock().year

    empty = await registry.call(contracts.GetStatistics())
    assert (empty.registered, empty.working_total, empty.percentage, empty.year) == (0, None, None, year)

    numbers = []
    for roles in (["leerplichtambtenaar"], ["rmc_medewerker"], ["leerplichtambtenaar", "rmc_medewerker"]):
        _account, _mail, number = await registry.registered_professional(office, roles=roles)
        numbers.append(number)
    pending, _ = await registry.sign_up_and_confirm()
    await registry.apply(pending)  # an applicant is not registered

    refused = await rpc_error(registry, contracts.SetWorkingTotal(actor_account_id=pending, year=year, total=10))
    assert refused.status == 403
    await registry.call(
        contracts.SetWorkingTotal(
            actor_account_id=office, year=year, total=9, per_role={"leerplichtambtenaar": 6, "rmc_medewerker": 4}
        )
    )
    stats = await registry.call(contracts.GetStatistics())
    assert (stats.registered, stats.working_total, stats.percentage) == (3, 9, 33.0)
    assert stats.per_role == {"leerplichtambtenaar": 2, "rmc_medewerker": 2}
    assert stats.working_total_per_role == {"leerplichtambtenaar": 6, "rmc_medewerker": 4}
    assert stats.percentage_per_role == {"leerplichtambtenaar": 33.0, "rmc_medewerker": 50.0}

    await registry.call(
        contracts.ChangeRegistrationStatus(
            actor_account_id=office, registration_number=numbers[2], new_status="expired"
        )
    )
    after_expiry = await registry.call(contracts.GetStatistics())
    assert (after_expiry.registered, after_expiry.percentage) == (2, 22.0)
    assert after_expiry.per_role == {"leerplichtambtenaar": 1, "rmc_medewerker": 1}

    await registry.call(contracts.SetWorkingTotal(actor_account_id=office, year=year, total=4))
    changed = await registry.call(contracts.GetStatistics())
    assert (changed.registered, changed.working_total, changed.percentage) == (2, 4, 50.0)
    assert changed.working_total_per_role == {} and changed.percentage_per_role == {}

    other_year = await registry.call(contracts.GetStatistics(year=year - 1))
    assert (other_year.registered, other_year.working_total, other_year.percentage) == (2, None, None)

    impossible = await rpc_error(
        registry,
        contracts.SetWorkingTotal(actor_account_id=office, year=year, total=3, per_role={"rmc_medewerker": 5}),
    )
    assert (impossible.status, impossible.code) == (422, "invalid_working_total")


async def test_a_drop_below_the_minimum_hours_is_recorded_for_the_office_and_published(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, _email, number = await registry.registered_professional(office, initials="D.", surname="Daler")
    result = await registry.call(
        contracts.UpdateMyPerson(actor_account_id=account_id, hours_per_week=Decimal("12.5"), employer_kind="region")
    )
    assert result.eligibility_notice_recorded
    assert result.person.below_minimum_hours and result.person.minimum_hours_per_week == Decimal(16)
    assert (result.person.hours_per_week, result.person.employer_kind) == (Decimal("12.5"), "region")

    # Staying below does not raise a second notice for the same situation.
    again = await registry.call(contracts.UpdateMyPerson(actor_account_id=account_id, hours_per_week=Decimal(10)))
    assert not again.eligibility_notice_recorded

    notices = await registry.call(contracts.ListEligibilityNotices(actor_account_id=office))
    mine = [notice for notice in notices.notices if notice.person_id == account_id]
    assert len(mine) == 1
    assert (mine[0].registration_number, mine[0].previous_hours_per_week, mine[0].hours_per_week) == (
        number,
        Decimal(24),
        Decimal("12.5"),
    )
    refused = await rpc_error(registry, contracts.ListEligibilityNotices(actor_account_id=account_id))
    assert refused.status == 403

    async def published() -> bool:
        return any(
            e.type == "registry.PersonUpdated" and e.payload["person_id"] == str(account_id) for e in registry.events
        )

    await wait_until(published, message="PersonUpdated")


async def test_a_registered_person_keeps_a_role_and_sensible_hours(registry: Registry, office: uuid.UUID) -> None:
    account_id, _email, _number = await registry.registered_professional(office)
    for change in (
        contracts.UpdateMyPerson(actor_account_id=account_id, roles=[]),
        contracts.UpdateMyPerson(actor_account_id=account_id, hours_per_week=Decimal(0)),
        contracts.UpdateMyPerson(actor_account_id=account_id, hours_per_week=Decimal("16.125")),
        contracts.UpdateMyPerson(actor_account_id=account_id, employer_name="---"),
    ):
        error = await rpc_error(registry, change)
        assert (error.status, error.code) == (422, "invalid_person_change"), change


async def test_my_data_export_holds_what_the_registry_keeps_about_me_and_nobody_else(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, email, number = await registry.registered_professional(office, initials="E.", surname="Exporteur")
    other, _other_email, _ = await registry.registered_professional(office)
    await rpc_error(registry, contracts.Login(email=email, password="not my password", client_ip="192.0.2.200"))
    export = await registry.call(contracts.ExportMyData(actor_account_id=account_id))

    assert (export.account.email, export.person.surname) == (email, "Exporteur")
    assert export.registration.registration_number == number
    assert [application.status for application in export.applications] == ["approved"]
    assert {attempt.result for attempt in export.login_attempts} == {"wrong_password"}
    assert {"sign_up", "confirm_email", "apply_for_registration", "decide_application"} <= {
        entry.action for entry in export.audit_trail
    }
    assert export.mails and all(mail.to == email for mail in export.mails)
    text = export.model_dump_json()
    assert str(other) not in text
    assert "password_hash" not in text and "totp_secret" not in text
