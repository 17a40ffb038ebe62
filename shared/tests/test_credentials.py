"""Credentials: issue -> valid; one changed character -> forged; a set status bit -> revoked; past validity ->
expired; the offline command judges from downloaded files alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lklr_shared import verify
from lklr_shared.credentials import (
    AchievementClaim,
    Issuer,
    encode_status_list,
    key_set,
    open_badge_jwt,
    status_bit,
    status_list_jwt,
    status_position,
    unverified_claims,
    verify_credential,
)

pytestmark = pytest.mark.unit

KEY = Ed25519PrivateKey.generate()
KID = "test-1"
ISSUER = Issuer("https://register.example")
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
JWKS = key_set([(KID, KEY.public_key())])


def _credential(status_index: int = 5, *, until: datetime | None = None, now: datetime = NOW) -> str:
    claim = AchievementClaim(
        credential_id="urn:uuid:7a3c4e5d-0000-4000-8000-000000000001",
        achievement_id="https://register.example/credentials/registration",
        achievement_name="Registratie LKLR",
        achievement_description="Ingeschreven in het register.",
        criteria="Ingeschreven.",
        registration_number="0000013",
        name="A. Jansen",
        roles=("leerplichtambtenaar",),
        valid_from=now - timedelta(days=30),
        valid_until=until or now + timedelta(days=365),
        status_index=status_index,
    )
    return open_badge_jwt(claim, ISSUER, KEY, KID, issued_at=now - timedelta(days=1))


def _lists(*revoked: int) -> dict[str, str]:
    return {ISSUER.status_list_url(1): status_list_jwt(1, list(revoked), ISSUER, KEY, KID, now=NOW)}


def test_an_issued_credential_is_valid_and_states_the_registration():
    token = _credential()
    verdict = verify_credential(token, JWKS, _lists().__getitem__, now=NOW)
    assert verdict.outcome == "valid", verdict.text_en
    assert verdict.registration_number == "0000013"
    claims = unverified_claims(token)
    assert "OpenBadgeCredential" in claims["type"]
    assert claims["credentialStatus"]["statusListCredential"] == "https://register.example/status/1"
    assert claims["credentialSubject"]["id"] == "https://register.example/register?q=0000013"


@pytest.mark.parametrize("part", [0, 1, 2])
def test_one_changed_character_anywhere_is_forged(part: int):
    pieces = _credential().split(".")
    middle = len(pieces[part]) // 2
    pieces[part] = pieces[part][:middle] + ("A" if pieces[part][middle] != "A" else "B") + pieces[part][middle + 1 :]
    verdict = verify_credential(".".join(pieces), JWKS, _lists().__getitem__, now=NOW)
    assert verdict.outcome == "forged"


def test_a_credential_signed_with_another_key_is_forged():
    verdict = verify_credential(_credential(), key_set([(KID, Ed25519PrivateKey.generate().public_key())]),
                                _lists().__getitem__, now=NOW)  # fmt: skip
    assert verdict.outcome == "forged"


def test_a_set_status_bit_revokes_and_wins_over_expiry():
    assert verify_credential(_credential(5), JWKS, _lists(5).__getitem__, now=NOW).outcome == "revoked"
    assert verify_credential(_credential(6), JWKS, _lists(5).__getitem__, now=NOW).outcome == "valid"
    late = NOW + timedelta(days=400)
    assert verify_credential(_credential(5), JWKS, _lists(5).__getitem__, now=late).outcome == "revoked"


def test_past_its_validity_a_credential_is_expired():
    verdict = verify_credential(_credential(until=NOW + timedelta(days=1)), JWKS, _lists().__getitem__,
                                now=NOW + timedelta(days=2))  # fmt: skip
    assert verdict.outcome == "expired"
    assert verdict.reason == "valid_until"


def test_a_forged_status_list_leaves_the_status_unknown():
    other = Ed25519PrivateKey.generate()
    lists = {ISSUER.status_list_url(1): status_list_jwt(1, [], ISSUER, other, KID, now=NOW)}
    verdict = verify_credential(_credential(), JWKS, lists.__getitem__, now=NOW)
    assert verdict.outcome == "unknown"


def test_status_lists_encode_bits_left_to_right():
    encoded = encode_status_list([0, 9, 131_071])
    assert [status_bit(encoded, i) for i in (0, 1, 8, 9, 131_071)] == [True, False, False, True, True]
    assert status_position(131_073) == (2, 1)


def test_the_command_verifies_offline_from_downloaded_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    now = datetime.now(UTC)
    token = _credential(3, now=now)
    (tmp_path / "credential.jwt").write_text(token)
    (tmp_path / "jwks.json").write_text(json.dumps(JWKS))
    (tmp_path / "status-1.jwt").write_text(status_list_jwt(1, [], ISSUER, KEY, KID, now=now))
    files = ["--jwks", str(tmp_path / "jwks.json"), "--status-list", str(tmp_path / "status-1.jwt")]
    assert verify.main([str(tmp_path / "credential.jwt"), *files, "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("valid: ")

    (tmp_path / "status-1.jwt").write_text(status_list_jwt(1, [3], ISSUER, KEY, KID, now=now))
    assert verify.main([str(tmp_path / "credential.jwt"), *files]) == verify.EXIT_CODES["revoked"]
    assert capsys.readouterr().out.startswith("revoked: Ingetrokken")

    (tmp_path / "credential.jwt").write_text(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert verify.main([str(tmp_path / "credential.jwt"), *files]) == verify.EXIT_CODES["forged"]
    assert verify.main([str(tmp_path / "missing.jwt"), *files]) == verify.EXIT_UNREADABLE
