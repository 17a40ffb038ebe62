"""Registration numbers, as every service may check them: six sequence digits plus a Damm check digit.

The registry issues the numbers; other services (accreditation checking a provider's attendance post, the
gateway validating a form) only need to tell a well-formed number from a mistyped one. That check is pure,
so it lives here, and no service has to import another's code for it.

Format: exactly seven ASCII digits ``SSSSSSC``: ``SSSSSS`` is the registry's sequence number (1 to 999 999,
zero-padded; sequence 0 is never issued) and ``C`` the Damm check digit over those six digits.

Why Damm: providers type these numbers, and a mistyped number must be rejected rather than placed in someone
else's portfolio. The Damm algorithm detects every single-digit error and every swap of two adjacent digits
(Luhn misses 09 <-> 90), because its table is a weakly totally anti-symmetric quasigroup. The fixed length
matters as well: leading zeros do not change a Damm check digit, so a dropped zero is caught by the length rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "DAMM_TABLE",
    "MAX_SEQUENCE",
    "NUMBER_LENGTH",
    "SEQUENCE_DIGITS",
    "InvalidNumberReason",
    "InvalidRegistrationNumber",
    "damm_check_digit",
    "damm_interim",
    "is_valid_registration_number",
    "parse_registration_number",
    "registration_number_for",
    "registration_number_problem",
]

SEQUENCE_DIGITS: Final = 6
NUMBER_LENGTH: Final = SEQUENCE_DIGITS + 1
MAX_SEQUENCE: Final = 10**SEQUENCE_DIGITS - 1

# The operation table of order 10 published by H. M. Damm (2004). Each row and column is a permutation of 0-9
# (every single-digit error changes the result) and (c*x)*y != (c*y)*x for x != y (every adjacent swap does).
# The unit tests verify both properties exhaustively.
DAMM_TABLE: Final[tuple[tuple[int, ...], ...]] = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

_ASCII_DIGITS: Final = frozenset("0123456789")


class InvalidNumberReason(StrEnum):
    """Why a text is not a registration number: stable codes for results and messages."""

    EMPTY = "empty"
    WRONG_FORMAT = "wrong_format"  # characters other than the digits 0-9
    WRONG_LENGTH = "wrong_length"
    NOT_ISSUED = "not_issued"  # well-formed and check-digit correct, but sequence 0, which is never issued
    MISTYPED = "mistyped"  # right shape, wrong check digit: almost certainly a typing error


class InvalidRegistrationNumber(ValueError):
    """A text that is not a valid registration number, with a machine-readable reason."""

    def __init__(self, reason: InvalidNumberReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    @property
    def reason_code(self) -> InvalidNumberReason:
        """The same reason, under the name the registry's API errors use."""
        return self.reason

    def __repr__(self) -> str:
        return f"InvalidRegistrationNumber({self.reason.value!r}, {self.message!r})"


def damm_interim(digits: str) -> int:
    """Run the Damm algorithm over ``digits`` (ASCII 0-9 only) and return the final interim digit.

    A digit string that ends in its check digit is valid exactly when this returns 0.
    """
    if not set(digits) <= _ASCII_DIGITS:
        # Guard the table lookup: any other character would silently index a wrong (or negative) column.
        raise ValueError("the Damm algorithm takes only the digits 0-9")
    interim = 0
    for char in digits:
        interim = DAMM_TABLE[interim][ord(char) - 48]
    return interim


def damm_check_digit(digits: str) -> int:
    """Return the Damm check digit to append to ``digits`` (ASCII 0-9, at least one)."""
    if not digits:
        raise ValueError("damm_check_digit needs at least one digit")
    # The table has a zero diagonal, so the check digit is the interim digit itself (interim * interim = 0).
    return damm_interim(digits)


def registration_number_problem(text: str) -> InvalidRegistrationNumber | None:
    """Return why ``text`` (surrounding whitespace ignored) is not a registration number, or None if it is one."""
    stripped = text.strip()
    if not stripped:
        return InvalidRegistrationNumber(InvalidNumberReason.EMPTY, "No registration number was given.")
    # str.isdigit() accepts other scripts' digits too (Arabic-Indic, fullwidth); only ASCII 0-9 are numbers here.
    if not set(stripped) <= _ASCII_DIGITS:
        return InvalidRegistrationNumber(
            InvalidNumberReason.WRONG_FORMAT,
            f"A registration number consists of the digits 0-9 only; got {stripped!r}.",
        )
    if len(stripped) != NUMBER_LENGTH:
        return InvalidRegistrationNumber(
            InvalidNumberReason.WRONG_LENGTH,
            f"A registration number has exactly {NUMBER_LENGTH} digits; got {len(stripped)}.",
        )
    if damm_interim(stripped) != 0:
        return InvalidRegistrationNumber(
            InvalidNumberReason.MISTYPED,
            f"{stripped} is not a valid registration number: the check digit does not match (probably mistyped).",
        )
    if int(stripped[:SEQUENCE_DIGITS]) == 0:
        return InvalidRegistrationNumber(
            InvalidNumberReason.NOT_ISSUED, f"{stripped} is not a registration number the register issues."
        )
    return None


def parse_registration_number(text: str) -> str:
    """Return the registration number in ``text`` without surrounding whitespace (copy-paste from spreadsheets).

    Raises :class:`InvalidRegistrationNumber` with reason ``empty``, ``wrong_format``, ``wrong_length``,
    ``not_issued`` or ``mistyped``.
    """
    problem = registration_number_problem(text)
    if problem is not None:
        raise problem
    return text.strip()


def is_valid_registration_number(text: str) -> bool:
    """Return whether ``text`` (surrounding whitespace ignored) is a valid registration number."""
    return registration_number_problem(text) is None


def registration_number_for(sequence: int) -> str:
    """Return the registration number of ``sequence`` (1 to 999 999): the padded sequence plus its check digit.

    The registry allocates sequences; other services use this to build numbers in tests and demo data.
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError(f"sequence must be an int, got {type(sequence).__name__}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be between 1 and {MAX_SEQUENCE}, got {sequence}")
    body = f"{sequence:0{SEQUENCE_DIGITS}d}"
    return f"{body}{damm_check_digit(body)}"
