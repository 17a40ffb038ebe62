"""The languages the registry writes mail in: Dutch (the register's language, the default) and English."""

from __future__ import annotations

from typing import Final, Literal, get_args

Language = Literal["nl", "en"]

LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "nl"


def stored_language(value: str | None) -> Language:
    """The mail language of an account's stored preference; Dutch for a person without an account (None).

    The column's check constraint keeps other values out, so one here is a broken database: refused loudly rather
    than mailed in a language nobody chose.
    """
    if value is None:
        return DEFAULT_LANGUAGE
    for language in LANGUAGES:
        if value == language:
            return language
    raise ValueError(f"unknown preferred language {value!r} (expected one of {', '.join(LANGUAGES)})")
