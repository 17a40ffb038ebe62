"""The key the register signs verifiable credentials and status lists with (Ed25519), from settings.

REGISTRY_CREDENTIAL_SIGNING_KEY is the 32-byte Ed25519 private key (seed) in base64url; empty means a public
development key, which the composition root refuses outside a local run (like the development TOTP key): anyone
could sign "credentials" with it. The public half is published as a JWK set (``GetCredentialKeys``, the gateway's
``/.well-known/jwks.json``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lklr_shared.credentials import CredentialFormatError, Issuer, b64url_decode, b64url_encode, key_set

log = logging.getLogger(__name__)

# Known to everyone: local runs and tests only.
DEVELOPMENT_SEED: Final = hashlib.sha256(b"lklr local development credential key").digest()


def generate_signing_key() -> str:
    """A new value for REGISTRY_CREDENTIAL_SIGNING_KEY (``python -c 'from registry.adapters.credential_signer
    import generate_signing_key as g; print(g())'``)."""
    return b64url_encode(Ed25519PrivateKey.generate().private_bytes_raw())


@dataclass(frozen=True)
class CredentialSigner:
    """The register's signing key, its key id and the issuer it signs as."""

    key: Ed25519PrivateKey
    kid: str
    issuer: Issuer
    development_key: bool = False

    @classmethod
    def from_setting(cls, seed: str, *, kid: str, base_url: str) -> CredentialSigner:
        """The signer for REGISTRY_CREDENTIAL_SIGNING_KEY; empty means the development key (with a warning)."""
        issuer = Issuer(base_url.rstrip("/"))
        if not seed:
            log.warning(
                "registry: credentials are signed with the public development key; set "
                "REGISTRY_CREDENTIAL_SIGNING_KEY outside local runs"
            )
            return cls(Ed25519PrivateKey.from_private_bytes(DEVELOPMENT_SEED), kid, issuer, development_key=True)
        try:
            raw = b64url_decode(seed.strip())
        except CredentialFormatError as exc:
            raise ValueError("REGISTRY_CREDENTIAL_SIGNING_KEY is not base64url") from exc
        if len(raw) != 32:
            raise ValueError("REGISTRY_CREDENTIAL_SIGNING_KEY must be 32 bytes (an Ed25519 seed) in base64url")
        return cls(Ed25519PrivateKey.from_private_bytes(raw), kid, issuer)

    def jwks(self) -> dict[str, Any]:
        """The published JWK set (the public key only)."""
        return key_set([(self.kid, self.key.public_key())])
