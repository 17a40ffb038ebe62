"""Provider API keys: how they look, how they are made, and how a presented key is checked.

A key reads ``lklr_<prefix>_<secret>``: ``prefix`` is 8 lowercase letters or digits, unique per key and stored
in clear so a presented key is found with one indexed lookup (and so people can tell their keys apart);
``secret`` is 32 random bytes, URL-safe base64 (256 bits).

Only a SHA-256 digest of the whole key is stored. A slow password hash (argon2) exists to make guessing a
*low-entropy* secret expensive after a database leak; a 256-bit random secret cannot be guessed at any hash
speed, so argon2 would only add ~50 ms and much memory to every API request. A pepper (HMAC key) would add a
secret to manage and rotate without adding protection at this entropy. The digest is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

KEY_SCHEME: Final = "lklr"
PREFIX_LENGTH: Final = 8
_PREFIX_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_SECRET_BYTES: Final = 32
# Shorter secrets than a generated one are accepted only so the demo key can be readable; 20 characters
# of the URL-safe alphabet are still 120 bits.
MIN_SECRET_LENGTH: Final = 20
_KEY_PATTERN: Final = re.compile(
    rf"^{KEY_SCHEME}_([a-z0-9]{{{PREFIX_LENGTH}}})_([A-Za-z0-9_-]{{{MIN_SECRET_LENGTH},128}})$"
)


@dataclass(frozen=True, slots=True)
class ApiKeyMaterial:
    """A key as created: the plaintext (shown once), its lookup prefix and the digest to store."""

    plaintext: str
    lookup_prefix: str
    digest: str


def digest_of(plaintext: str) -> str:
    """The stored form of a key: hex SHA-256 of the whole key text."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate_api_key() -> ApiKeyMaterial:
    """Make a new random key (prefix and secret from the operating system's CSPRNG)."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return api_key_from_parts(prefix, secrets.token_urlsafe(_SECRET_BYTES))


def api_key_from_parts(lookup_prefix: str, secret: str) -> ApiKeyMaterial:
    """Assemble a key from a chosen prefix and secret (demo data uses a fixed, published one)."""
    plaintext = f"{KEY_SCHEME}_{lookup_prefix}_{secret}"
    if lookup_prefix_of(plaintext) != lookup_prefix:
        raise ValueError("not a well-formed API key: prefix must be 8 of [a-z0-9], secret 20-128 URL-safe characters")
    return ApiKeyMaterial(plaintext=plaintext, lookup_prefix=lookup_prefix, digest=digest_of(plaintext))


def lookup_prefix_of(presented: str) -> str | None:
    """The lookup prefix of a presented key, or None when the text is not shaped like a key at all."""
    match = _KEY_PATTERN.fullmatch(presented.strip())
    return match.group(1) if match else None


def key_matches(presented: str, stored_digest: str) -> bool:
    """Whether a presented key is the one whose digest is stored (constant-time comparison)."""
    return hmac.compare_digest(digest_of(presented.strip()), stored_digest)


def display_prefix(lookup_prefix: str) -> str:
    """How a key is shown in lists: enough to recognise it, nothing to use it."""
    return f"{KEY_SCHEME}_{lookup_prefix}_…"
