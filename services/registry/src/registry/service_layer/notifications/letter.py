"""What every mail shares: the letter's frame (greeting, signature), a draft per language and how numbers and dates
read in a mail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Final, TypeAlias

from registry.domain import languages
from registry.domain.languages import DEFAULT_LANGUAGE

Mail = tuple[str, str]
# The language a mail is written in (the register's languages, ``domain.languages``).
Language: TypeAlias = languages.Language
_SIGNATURE: Final[Mapping[Language, str]] = {
    "nl": "Met vriendelijke groet,\n\nLandelijk Kwaliteitsregister Leerplicht & RMC",
    "en": "Kind regards,\n\nLandelijk Kwaliteitsregister Leerplicht & RMC (the national quality register)",
}
_GREETING: Final[Mapping[Language, str]] = {"nl": "Beste {name},", "en": "Dear {name},"}
# How a mail addresses a training provider whose name the event did not carry.
UNNAMED_PROVIDER: Final[Mapping[Language, str]] = {"nl": "opleider", "en": "training provider"}


def points_text(points: Decimal) -> str:
    """Points as mails show them: 160 or 160.5, never 160.00."""
    text = f"{points:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def date_text(day: date, lang: Language = DEFAULT_LANGUAGE) -> str:
    """A date as the pages show it: d-m-jjjj in Dutch (7-1-2026), ISO 8601 in English (2026-01-07)."""
    return f"{day.day}-{day.month}-{day.year}" if lang == "nl" else day.isoformat()


def count_text(count: int, one: str, other: str) -> str:
    return f"{count} {one if count == 1 else other}"


class Draft:
    """One language's text of a mail: its subject and the paragraphs of its body (empty ones are left out)."""

    __slots__ = ("paragraphs", "subject")

    def __init__(self, subject: str, *paragraphs: str) -> None:
        self.subject = subject
        self.paragraphs = tuple(paragraph for paragraph in paragraphs if paragraph)


def compose(lang: Language, to: str | Mapping[Language, str] | None, *, nl: Draft, en: Draft) -> Mail:
    """The mail in ``lang``: that language's draft as a letter, with the greeting (``to`` is the name, a form of
    address per language, or None for mail to the office, which has no greeting) and the register's signature."""
    draft = {"nl": nl, "en": en}[lang]
    name = to if to is None or isinstance(to, str) else to[lang]
    greeting = [_GREETING[lang].format(name=name)] if name else []
    body = "\n\n".join([*greeting, *draft.paragraphs, _SIGNATURE[lang]]) + "\n"
    return draft.subject, body
