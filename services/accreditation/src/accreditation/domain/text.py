"""Checks of free text from forms and API bodies: required reasons, bounded lengths."""

from __future__ import annotations

from lklr_shared.errors import InvalidRequest


def required_text(value: str, field: str, *, max_length: int) -> str:
    """Return ``value`` stripped; refuse it when blank (``<field>_required``) or too long (``<field>_too_long``)."""
    stripped = value.strip()
    if not stripped:
        raise InvalidRequest(f"{field}_required", f"A {field.replace('_', ' ')} is required.")
    return bounded_text(stripped, field, max_length=max_length)


def bounded_text(value: str, field: str, *, max_length: int) -> str:
    """Return ``value`` stripped (may be empty); refuse it when longer than ``max_length`` characters."""
    stripped = value.strip()
    if len(stripped) > max_length:
        raise InvalidRequest(
            f"{field}_too_long", f"The {field.replace('_', ' ')} may be at most {max_length} characters."
        )
    return stripped


def search_words(value: str, *, max_length: int) -> str:
    """Words to search for as typed: control characters (a NUL, which PostgreSQL text cannot hold, a tab) count as
    spaces, since no published text contains them; refused when longer than ``max_length`` characters."""
    words = "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in value)
    return bounded_text(words, "q", max_length=max_length)


MAX_ACTOR = 200


def account_of(actor_text: str) -> str | None:
    """The account id in an actor as the gateway writes it (``account:<id>``), or None for another kind."""
    kind, separator, rest = actor_text.strip().partition(":")
    return rest.strip() if separator and kind == "account" and rest.strip() else None


def actor(value: str) -> str:
    """Who did something (an account id, ``api-key:<id>``, ``office:<id>``), as recorded with the change."""
    return bounded_text(value, "actor", max_length=MAX_ACTOR)
