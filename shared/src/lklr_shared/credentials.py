"""Verifiable credentials of the register: Open Badges 3.0 credentials secured as VC-JWT, and the Bitstring
Status List that revokes them.

One place for the format, so the registry that issues, the gateway's ``/verifieren`` page and the offline command
``python -m lklr_shared.verify`` agree on it:

- a credential is a W3C Verifiable Credential (data model 2.0) of type ``OpenBadgeCredential``, secured as a
  compact JWS with EdDSA (Ed25519): header ``{"alg": "EdDSA", "typ": "vc+jwt", "kid": ...}``, payload the
  credential itself plus the registered JWT claims ``iss``, ``jti``, ``nbf``, ``exp``, ``iat`` for JWT tooling;
- the issuer publishes its public keys as a JWK set (``/.well-known/jwks.json``), found by the header's ``kid``;
- each credential has a ``credentialStatus`` of type ``BitstringStatusListEntry`` (purpose ``revocation``)
  pointing at a ``BitstringStatusListCredential``, itself a VC-JWT signed with the same keys, whose
  ``encodedList`` is the multibase (``u``, base64url without padding) of the GZIP-compressed bitstring; bit 0 is
  the left-most bit of the first byte, a set bit means revoked.

The signing side uses ``cryptography``'s Ed25519 directly: one algorithm, no algorithm negotiation to get wrong.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
JWT_TYPE: Final = "vc+jwt"
ALGORITHM: Final = "EdDSA"
# The specification's minimum list length (16 KiB uncompressed), so a list does not tell how many were issued.
STATUS_LIST_BITS: Final = 131_072
STATUS_PURPOSE: Final = "revocation"

Outcome = Literal["valid", "revoked", "expired", "forged", "unknown"]


class CredentialFormatError(ValueError):
    """A token or key set that is not in the register's format (the message says what is wrong)."""


# --- encoding


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (JOSE)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; raises CredentialFormatError on anything else."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CredentialFormatError(f"not base64url: {exc}") from exc


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")


# --- keys and JWS


def public_jwk(key: Ed25519PublicKey, kid: str) -> dict[str, str]:
    """The public key as an OKP JWK (RFC 8037)."""
    raw = key.public_bytes_raw()
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw), "kid": kid, "alg": ALGORITHM, "use": "sig"}


def key_set(keys: Sequence[tuple[str, Ed25519PublicKey]]) -> dict[str, Any]:
    """A JWK set of ``(kid, public key)`` pairs, as published at ``/.well-known/jwks.json``."""
    return {"keys": [public_jwk(key, kid) for kid, key in keys]}


def keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWK set by ``kid`` (keys of other types are ignored: they cannot sign ours)."""
    found: dict[str, Ed25519PublicKey] = {}
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise CredentialFormatError("a JWK set needs a 'keys' list")
    for entry in entries:
        if isinstance(entry, dict) and entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
            raw = b64url_decode(str(entry.get("x", "")))
            if len(raw) != 32:
                raise CredentialFormatError(f"key {entry.get('kid')!r} is not 32 bytes")
            found[str(entry.get("kid", ""))] = Ed25519PublicKey.from_public_bytes(raw)
    return found


def sign_jwt(claims: Mapping[str, Any], key: Ed25519PrivateKey, kid: str) -> str:
    """A compact JWS (``vc+jwt``) of ``claims`` signed with ``key``."""
    header = {"alg": ALGORITHM, "typ": JWT_TYPE, "kid": kid}
    signing_input = f"{b64url_encode(_json_bytes(header))}.{b64url_encode(_json_bytes(claims))}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


@dataclass(frozen=True)
class SignedToken:
    """A compact JWS whose signature checked out against a key of the set."""

    header: dict[str, Any]
    claims: dict[str, Any]


def open_jwt(token: str, keys: Mapping[str, Ed25519PublicKey]) -> SignedToken:
    """Check ``token``'s signature against ``keys`` (by ``kid``) and return header and claims.

    Raises CredentialFormatError for a token that is malformed, names an unknown key or algorithm, or whose
    signature does not match: in each case the register did not issue it as it is.
    """
    parts = _jws_parts(token)
    header = _json_part(parts[0], "header")
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise CredentialFormatError(f"algorithm must be {ALGORITHM}")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise CredentialFormatError(f"signed with a key the register does not publish ({header.get('kid')!r})")
    try:
        key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise CredentialFormatError("the signature does not match the content") from exc
    return SignedToken(header=header, claims=_claims(parts[1]))


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload without checking the signature: only to find where to fetch keys and status lists from."""
    return _claims(_jws_parts(token)[1])


def _jws_parts(token: str) -> list[str]:
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise CredentialFormatError("not a compact JWS (three dot-separated parts expected)")
    return parts


def _json_part(part: str, name: str) -> Any:
    try:
        return json.loads(b64url_decode(part))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CredentialFormatError(f"the {name} is not JSON") from exc


def _claims(part: str) -> dict[str, Any]:
    claims = _json_part(part, "payload")
    if not isinstance(claims, dict):
        raise CredentialFormatError("the payload is not a JSON object")
    return claims


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _jwt_claims(credential: dict[str, Any], *, issued_at: datetime, valid_until: datetime | None) -> dict[str, Any]:
    claims = dict(credential)
    claims["iss"] = credential["issuer"]["id"]
    claims["jti"] = credential["id"]
    claims["iat"] = int(issued_at.timestamp())
    claims["nbf"] = int(datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00")).timestamp())
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    return claims


# --- the credentials


@dataclass(frozen=True)
class Issuer:
    """The register as issuer: its public base URL (the issuer id) and name."""

    base_url: str
    name: str = "Landelijk Kwaliteitsregister Leerplicht & RMC"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/.well-known/jwks.json"

    def status_list_url(self, list_number: int) -> str:
        return f"{self.base_url.rstrip('/')}/status/{list_number}"

    def register_entry_url(self, registration_number: str) -> str:
        return f"{self.base_url.rstrip('/')}/register?q={registration_number}"

    def profile(self) -> dict[str, Any]:
        return {"id": self.base_url.rstrip("/"), "type": ["Profile"], "name": self.name}


def status_position(status_index: int) -> tuple[int, int]:
    """The status list (numbered from 1) and the index in it of a credential's overall status index."""
    return status_index // STATUS_LIST_BITS + 1, status_index % STATUS_LIST_BITS


@dataclass(frozen=True)
class AchievementClaim:
    """What one credential states: the achievement and the person it is about."""

    credential_id: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    registration_number: str
    name: str
    roles: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None
    status_index: int
    extra: dict[str, Any] = field(default_factory=dict)


def open_badge_jwt(
    claim: AchievementClaim, issuer: Issuer, key: Ed25519PrivateKey, kid: str, *, issued_at: datetime
) -> str:
    """The signed OpenBadgeCredential (VC-JWT) for ``claim``."""
    list_number, index = status_position(claim.status_index)
    list_url = issuer.status_list_url(list_number)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": claim.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": claim.achievement_name,
        "issuer": issuer.profile(),
        "validFrom": _timestamp(claim.valid_from),
        "credentialSubject": {
            "id": issuer.register_entry_url(claim.registration_number),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": False,
                    "identityHash": claim.registration_number,
                }
            ],
            "name": claim.name,
            "registrationNumber": claim.registration_number,
            "roles": list(claim.roles),
            "achievement": {
                "id": claim.achievement_id,
                "type": ["Achievement"],
                "name": claim.achievement_name,
                "description": claim.achievement_description,
                "criteria": {"narrative": claim.criteria},
            },
            **claim.extra,
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    if claim.valid_until is not None:
        credential["validUntil"] = _timestamp(claim.valid_until)
    return sign_jwt(_jwt_claims(credential, issued_at=issued_at, valid_until=claim.valid_until), key, kid)


def encode_status_list(revoked: Sequence[int], *, bits: int = STATUS_LIST_BITS) -> str:
    """The ``encodedList`` of a list whose bits at the indexes ``revoked`` are set."""
    data = bytearray(bits // 8)
    for index in revoked:
        if not 0 <= index < bits:
            raise ValueError(f"status index {index} outside the list of {bits} bits")
        data[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same list always encodes to the same text.
    return "u" + b64url_encode(gzip.compress(bytes(data), mtime=0))


def status_bit(encoded_list: str, index: int) -> bool:
    """Whether bit ``index`` of an ``encodedList`` is set."""
    if not encoded_list.startswith("u"):
        raise CredentialFormatError("encodedList must be multibase base64url ('u' prefix)")
    try:
        data = gzip.decompress(b64url_decode(encoded_list[1:]))
    except (OSError, EOFError) as exc:
        raise CredentialFormatError("encodedList is not GZIP data") from exc
    if not 0 <= index < len(data) * 8:
        raise CredentialFormatError(f"status index {index} outside the list")
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_jwt(
    list_number: int, revoked: Sequence[int], issuer: Issuer, key: Ed25519PrivateKey, kid: str, *, now: datetime
) -> str:
    """The signed BitstringStatusListCredential number ``list_number`` with the ``revoked`` indexes set."""
    url = issuer.status_list_url(list_number)
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile(),
        "validFrom": _timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_status_list(revoked),
        },
    }
    return sign_jwt(_jwt_claims(credential, issued_at=now, valid_until=None), key, kid)


# --- verification


@dataclass(frozen=True)
class Verdict:
    """What a verifier concludes about a credential, with the reason (code, Dutch and English text)."""

    outcome: Outcome
    reason: str
    text_nl: str
    text_en: str
    claims: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_nl

    @property
    def subject_name(self) -> str:
        return str(self.claims.get("credentialSubject", {}).get("name", ""))

    @property
    def registration_number(self) -> str:
        return str(self.claims.get("credentialSubject", {}).get("registrationNumber", ""))

    @property
    def achievement(self) -> str:
        return str(self.claims.get("name", ""))

    @property
    def valid_until(self) -> str:
        return str(self.claims.get("validUntil", ""))


StatusListSource = Callable[[str], str]
"""Gives the status list credential (a VC-JWT) published at a URL; raises OSError or CredentialFormatError to say
it is not available."""


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise CredentialFormatError(f"{name} is missing")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CredentialFormatError(f"{name} is not a date-time") from exc
    if moment.tzinfo is None:
        raise CredentialFormatError(f"{name} has no time zone")
    return moment


def verify_credential(token: str, jwks: Mapping[str, Any], status_lists: StatusListSource, *, now: datetime) -> Verdict:
    """Judge a credential: forged (not as the register signed it), revoked (its status bit is set), expired
    (past ``validUntil`` or not yet valid), valid; ``unknown`` when its status list cannot be had or checked.

    Revocation is checked before expiry: a struck-off person's credential says so even after its end date.
    """
    keys = keys_from_jwks(jwks)
    try:
        signed = open_jwt(token, keys)
        claims = signed.claims
        types = claims.get("type")
        if not isinstance(types, list) or "OpenBadgeCredential" not in types:
            raise CredentialFormatError("not an OpenBadgeCredential")
        valid_from = _parse_time(claims.get("validFrom"), "validFrom")
        valid_until = _parse_time(claims["validUntil"], "validUntil") if "validUntil" in claims else None
        status = claims.get("credentialStatus")
        if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
            raise CredentialFormatError("no BitstringStatusListEntry status")
        index = int(str(status.get("statusListIndex")))
        list_url = str(status.get("statusListCredential", ""))
    except (CredentialFormatError, ValueError, KeyError) as exc:
        return Verdict(
            "forged",
            "signature",
            f"Vals of gewijzigd: dit is niet het bewijs zoals het register het uitgaf ({exc}).",
            f"Forged or altered: this is not the credential as the register issued it ({exc}).",
        )
    try:
        list_claims = open_jwt(status_lists(list_url), keys).claims
        if list_claims.get("id") != list_url:
            raise CredentialFormatError(f"the status list is {list_claims.get('id')!r}, not {list_url!r}")
        subject = list_claims.get("credentialSubject", {})
        if subject.get("statusPurpose") != status.get("statusPurpose", STATUS_PURPOSE):
            raise CredentialFormatError("the status list has another purpose")
        revoked = status_bit(str(subject.get("encodedList", "")), index)
    except (CredentialFormatError, OSError, ValueError) as exc:
        # The list could not be fetched, read or trusted: the status is unknown, and the verdict says why.
        return Verdict(
            "unknown",
            "status_unavailable",
            f"De echtheid klopt, maar de intrekkingslijst kon niet worden gecontroleerd ({exc}).",
            f"The signature is genuine, but the status list could not be checked ({exc}).",
            claims,
        )
    if revoked:
        return Verdict(
            "revoked",
            "status_list",
            "Ingetrokken: de registratie is beëindigd, geschorst of doorgehaald (volgens de statuslijst van het "
            "register).",
            "Revoked: the registration has ended, is suspended or was struck off (per the register's status list).",
            claims,
        )
    if valid_until is not None and now >= valid_until:
        return Verdict(
            "expired",
            "valid_until",
            f"Verlopen: geldig tot {valid_until.date().isoformat()}.",
            f"Expired: valid until {valid_until.date().isoformat()}.",
            claims,
        )
    if now < valid_from:
        return Verdict(
            "expired",
            "not_yet_valid",
            f"Nog niet geldig: geldig vanaf {valid_from.date().isoformat()}.",
            f"Not yet valid: valid from {valid_from.date().isoformat()}.",
            claims,
        )
    until = f" tot {valid_until.date().isoformat()}" if valid_until else ""
    until_en = f" until {valid_until.date().isoformat()}" if valid_until else ""
    return Verdict(
        "valid",
        "ok",
        f"Geldig: uitgegeven en ondertekend door het register, niet ingetrokken, geldig{until}.",
        f"Valid: issued and signed by the register, not revoked, valid{until_en}.",
        claims,
    )
