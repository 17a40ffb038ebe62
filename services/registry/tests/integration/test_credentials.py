"""Verifiable credentials over the real wiring: a registered professional gets an OpenBadgeCredential the shared
verifier finds valid against the published key set and status list; striking the registration off sets its bit."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import wrap
from lklr_shared.credentials import unverified_claims, verify_credential
from lklr_shared.kit.publisher import Publisher

from .conftest import Registry, rpc_error

pytestmark = pytest.mark.integration


async def _verdict(registry: Registry, token: str) -> str:
    keys = await registry.call(contracts.GetCredentialKeys())
    status_list = await registry.call(contracts.GetStatusList(list_number=1))
    lists = {"http://127.0.0.1:8000/status/1": status_list.jwt}
    return verify_credential(token, keys.jwks, lists.__getitem__, now=datetime.now(UTC)).outcome


async def test_a_credential_is_valid_until_the_registration_is_struck_off(registry: Registry, office: uuid.UUID):
    account_id, _email, number = await registry.registered_professional(office, initials="K.", surname="Kramer")
    issued = await registry.call(contracts.IssueMyCredential(actor_account_id=account_id))
    assert issued.registration_number == number
    claims = unverified_claims(issued.jwt)
    assert claims["credentialSubject"]["registrationNumber"] == number
    assert claims["credentialSubject"]["name"] == "K. Kramer"
    assert claims["credentialSubject"]["roles"] == ["leerplichtambtenaar"]
    # The cycle's last day counts in full: valid until the next day begins in Amsterdam.
    end = datetime.combine(issued.valid_until + timedelta(days=1), time.min, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert claims["validUntil"] == end.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert await _verdict(registry, issued.jwt) == "valid"

    again = await registry.call(contracts.IssueMyCredential(actor_account_id=account_id))
    assert again.credential_id == issued.credential_id

    await registry.call(
        contracts.ChangeRegistrationStatus(
            actor_account_id=office, registration_number=number, new_status="struck_off", reason="tuchtuitspraak"
        )
    )
    assert await _verdict(registry, issued.jwt) == "revoked"
    refused = await rpc_error(registry, contracts.IssueMyCredential(actor_account_id=account_id))
    assert (refused.status, refused.code) == (409, "registration_not_active")


async def test_only_a_registered_person_gets_a_credential(registry: Registry):
    account_id, _email = await registry.sign_up_and_confirm()
    refused = await rpc_error(registry, contracts.IssueMyCredential(actor_account_id=account_id))
    assert (refused.status, refused.code) == (404, "not_registered")
    beyond = await rpc_error(registry, contracts.GetStatusList(list_number=2))
    assert (beyond.status, beyond.code) == (404, "not_found")


async def _announce_norm_met(registry: Registry, account_id: uuid.UUID, cycle_id: uuid.UUID, met_on: date) -> None:
    event = portfolio_contracts.PortfolioNormMet(person_id=account_id, cycle_id=cycle_id, met_on=met_on)
    publisher = Publisher(registry.broker, registry.topology.events_exchange, timeout=5)
    await publisher.publish(event.routing_key(), wrap(event))


async def test_the_norm_met_credential_follows_the_portfolios_announcement_and_is_revoked_too(
    registry: Registry, office: uuid.UUID
):
    account_id, email, number = await registry.registered_professional(office, initials="N.", surname="Norm")
    refused = await rpc_error(
        registry, contracts.IssueMyCredential(actor_account_id=account_id, credential_kind="norm_met")
    )
    assert (refused.status, refused.code) == (409, "norm_not_met")
    view = await registry.call(contracts.GetMyRegistration(actor_account_id=account_id))
    assert view.current_cycle is not None
    met_on = view.current_cycle.starts_on

    await _announce_norm_met(registry, account_id, view.current_cycle.cycle_id, met_on)
    await registry.mail_to(email, "U voldoet aan de norm")
    # A repeated announcement (a redelivery, or a later day) keeps the first day.
    await _announce_norm_met(registry, account_id, view.current_cycle.cycle_id, met_on + timedelta(days=3))
    issued = await registry.call(contracts.IssueMyCredential(actor_account_id=account_id, credential_kind="norm_met"))
    assert (issued.credential_kind, issued.valid_from, issued.valid_until) == (
        "norm_met",
        met_on,
        view.current_cycle.ends_on,
    )
    registration = await registry.call(contracts.IssueMyCredential(actor_account_id=account_id))
    assert registration.credential_id != issued.credential_id
    subject = unverified_claims(issued.jwt)["credentialSubject"]
    assert subject["achievement"]["id"].endswith("/credentials/norm-met")
    assert subject["cycle"] == {
        "startsOn": view.current_cycle.starts_on.isoformat(),
        "endsOn": view.current_cycle.ends_on.isoformat(),
        "normMetOn": met_on.isoformat(),
    }
    assert await _verdict(registry, issued.jwt) == "valid"
    mine = await registry.call(contracts.GetMyRegistration(actor_account_id=account_id))
    assert mine.current_cycle is not None and mine.current_cycle.norm_met_on == met_on

    certificate = await registry.call(contracts.GetMyRegistrationCertificate(actor_account_id=account_id))
    pdf = base64.b64decode(certificate.data)
    assert pdf.startswith(b"%PDF-") and certificate.filename == f"lklr-registratie-{number}.pdf"
    assert certificate.register_entry_url.endswith(f"/register?q={number}")

    await registry.call(
        contracts.ChangeRegistrationStatus(
            actor_account_id=office, registration_number=number, new_status="suspended", reason="onderzoek"
        )
    )
    assert await _verdict(registry, issued.jwt) == "revoked"
    assert await _verdict(registry, registration.jwt) == "revoked"
    refused = await rpc_error(registry, contracts.GetMyRegistrationCertificate(actor_account_id=account_id))
    assert (refused.status, refused.code) == (409, "registration_not_active")
