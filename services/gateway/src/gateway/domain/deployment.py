"""What a production gateway must not start with (pure rules; the composition root refuses to start on them)."""

from __future__ import annotations

from typing import Final

from lklr_shared.kit.actor import is_development_key

MIN_SECRET_KEY_LENGTH: Final = 32
# Words of the placeholders in our own deploy examples and tests, and of the usual "fill me in" values.
_PLACEHOLDER_WORDS: Final = ("change-me", "changeme", "not-a-secret", "dev-only", "example", "placeholder", "secret")


def unsafe_settings(*, environment: str, secret_key: str, dev_pages: bool, actor_signing_key: str) -> list[str]:
    """Why these settings are unsafe outside a local run (empty: safe, or a local run)."""
    if environment == "local":
        return []
    problems = []
    lowered = secret_key.lower()
    if not secret_key:
        problems.append("GATEWAY_SECRET_KEY is not set (every replica needs the same long random key)")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"GATEWAY_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    elif any(word in lowered for word in _PLACEHOLDER_WORDS):
        problems.append("GATEWAY_SECRET_KEY looks like a placeholder; generate a random one")
    if not actor_signing_key or is_development_key(actor_signing_key):
        problems.append("GATEWAY_ACTOR_SIGNING_KEY is not set or is the development key (services would trust anyone)")
    if dev_pages:
        problems.append("GATEWAY_DEV_PAGES lists mail with reset links; it is for local runs only")
    return problems
