"""Verifiable credentials over the real wiring: a registered professional gets an OpenBadgeCredential the shared
verifier finds valid against the published key set and status list; striking the registration off sets its bit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.credentials import unverified_claims, verify_credential

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
