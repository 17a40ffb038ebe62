"""Credentials on the web: Mijn LKLR's download with a QR code to the register entry, the published key set and
status list, and `/verifieren` showing valid / revoked / expired / forged with the reason.

The registry is the unit tests' fake, but the credentials are really signed (lklr_shared.credentials), so the
page's verdict is the real verifier's."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import registry as c
from lklr_shared.credentials import AchievementClaim, Issuer, key_set, open_badge_jwt, status_list_jwt

from .registry_fake import NOW, PASSWORD, FakeRegistry
from .web_helpers import client_fixture, csrf_for, sign_in

pytestmark = pytest.mark.unit

KEY = Ed25519PrivateKey.generate()
ISSUER = Issuer("http://127.0.0.1:8000")
ENTRY = ISSUER.register_entry_url("0000013")


def _token(*, until: datetime = NOW + timedelta(days=300), key: Ed25519PrivateKey = KEY) -> str:
    claim = AchievementClaim(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000013",
        achievement_id=f"{ISSUER.base_url}/credentials/registration",
        achievement_name="Registratie in het Landelijk Kwaliteitsregister Leerplicht & RMC",
        achievement_description="Ingeschreven.",
        criteria="Ingeschreven.",
        registration_number="0000013",
        name="A. Jansen",
        roles=("leerplichtambtenaar",),
        valid_from=NOW - timedelta(days=30),
        valid_until=until,
        status_index=7,
    )
    return open_badge_jwt(claim, ISSUER, key, "k1", issued_at=NOW)


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    registry.register(account)
    registry.overrides[c.GetCredentialKeys] = c.CredentialKeys(jwks=key_set([("k1", KEY.public_key())]))
    registry.overrides[c.GetStatusList] = c.StatusListCredential(
        list_number=1, jwt=status_list_jwt(1, [], ISSUER, KEY, "k1", now=NOW)
    )
    registry.overrides[c.IssueMyCredential] = c.IssuedCredential(
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000013",
        credential_kind="registration",
        jwt=_token(),
        registration_number="0000013",
        register_entry_url=ENTRY,
        valid_from=date(2025, 5, 2),
        valid_until=date(2026, 3, 27),
    )
    return registry


client = client_fixture("registry", today=NOW.date())


async def _verify(client: AsyncTestClient[Litestar], token: str, lang: str = "nl") -> str:
    csrf = await csrf_for(client, f"/verifieren?lang={lang}")
    response = await client.post("/verifieren", data={"csrf_token": csrf, "credential": token})
    assert response.status_code == 200, response.text
    return response.text


async def test_the_professional_downloads_the_credential_with_a_qr_code_to_the_entry(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert 'href="/mijn/bewijs"' in (await client.get("/mijn")).text
    page = await client.get("/mijn/bewijs")
    assert page.status_code == 200
    assert "<svg" in page.text and f'data-url="{ENTRY}"' in page.text
    download = await client.get("/mijn/bewijs.jwt")
    assert download.headers["content-type"].startswith("application/vc+jwt")
    assert "lklr-registratie-0000013.jwt" in download.headers["content-disposition"]
    assert download.text == _token()
    issued = registry.of(c.IssueMyCredential)[-1]
    assert issued.actor_account_id == registry.accounts["jansen@example.nl"].account_id


async def test_the_key_set_and_status_list_are_public(client: AsyncTestClient[Litestar]) -> None:
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"][0]["kid"] == "k1"
    status = await client.get("/status/1")
    assert status.status_code == 200 and status.text.count(".") == 2


async def test_the_verify_page_shows_each_verdict_with_its_reason(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    valid = await _verify(client, _token())
    assert 'data-outcome="valid"' in valid and "A. Jansen (0000013)" in valid

    token = _token()
    tampered = token[:40] + ("x" if token[40] != "x" else "y") + token[41:]
    assert 'data-outcome="forged"' in await _verify(client, tampered)
    assert 'data-outcome="forged"' in await _verify(client, _token(key=Ed25519PrivateKey.generate()))

    expired = await _verify(client, _token(until=NOW - timedelta(days=1)), lang="en")
    assert 'data-outcome="expired"' in expired and "Expired: valid until" in expired

    registry.overrides[c.GetStatusList] = c.StatusListCredential(
        list_number=1, jwt=status_list_jwt(1, [7], ISSUER, KEY, "k1", now=NOW)
    )
    revoked = await _verify(client, _token())
    assert 'data-outcome="revoked"' in revoked and "Ingetrokken" in revoked


async def test_an_empty_paste_is_refused_with_a_message(client: AsyncTestClient[Litestar]) -> None:
    csrf = await csrf_for(client, "/verifieren")
    response = await client.post("/verifieren", data={"csrf_token": csrf, "credential": "  "})
    assert response.status_code == 422 and "Plak een bewijs" in response.text


async def test_the_faq_and_mijn_lklr_explain_the_credentials_and_the_self_check(
    client: AsyncTestClient[Litestar],
) -> None:
    faq = (await client.get("/vragen")).text
    assert "Hoe bewijs ik mijn registratie, bijvoorbeeld aan een nieuwe werkgever?" in faq
    assert "python -m lklr_shared.verify" in faq
    assert "Kan ik mijn dossier controleren voordat ik herregistratie aanvraag?" in faq
    assert "de norm is gehaald (160 punten, waarvan 40 geaccrediteerd en 40 uit A2)" in faq
    await sign_in(client, "jansen@example.nl", PASSWORD)
    mine = (await client.get("/mijn")).text
    assert 'data-testid="credential-explained"' in mine and 'data-testid="self-check-explained"' in mine
    assert "tweede bewijs" in mine
