"""What a public-register search asks for: one registration number, or part of a name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from registry.domain.registration_number import RegistrationNumber, parse_registration_number

# Two characters at least: a one-letter search would page through the whole register.
MIN_NAME_QUERY_LENGTH: Final = 2
MAX_QUERY_LENGTH: Final = 200


class InvalidSearch(ValueError):
    """A search the register cannot answer; ``code`` is a stable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class NumberSearch:
    """An exact registration number."""

    number: RegistrationNumber


@dataclass(frozen=True, slots=True)
class NameSearch:
    """Part of a name, lower-cased with whitespace collapsed; matches initials and surname, case-insensitively."""

    fragment: str


def parse_search(query: str) -> NumberSearch | NameSearch:
    """Classify a search: only digits means a registration number (checked, so a typo is reported as one),
    anything else is a name fragment.

    Raises :class:`InvalidSearch` (``query_too_short``, ``query_too_long``) or
    :class:`~registry.domain.registration_number.InvalidRegistrationNumber`.
    """
    cleaned = " ".join(query.split())
    if len(cleaned) > MAX_QUERY_LENGTH:
        raise InvalidSearch("query_too_long", f"A search has at most {MAX_QUERY_LENGTH} characters.")
    if cleaned.isascii() and cleaned.isdigit():
        return NumberSearch(parse_registration_number(cleaned))
    if len(cleaned) < MIN_NAME_QUERY_LENGTH:
        raise InvalidSearch(
            "query_too_short", f"Search with a registration number or at least {MIN_NAME_QUERY_LENGTH} letters."
        )
    return NameSearch(cleaned.lower())
