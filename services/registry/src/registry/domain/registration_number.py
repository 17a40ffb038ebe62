"""Registration numbers: a six-digit sequence followed by a Damm check digit.

Format
------
A registration number is exactly seven decimal digits, ``SSSSSSC``:

* ``SSSSSS`` is the sequence number allocated by the registry, zero-padded to six digits
  (1 to 999 999; the all-zero sequence is never issued, so ``0000000`` is not a number);
* ``C`` is the Damm check digit over those six digits.

Why Damm and not Luhn: providers type these numbers into attendance posts, and a mistyped number must be
rejected at entry rather than placed in someone else's portfolio. Luhn misses the adjacent swap 09 <-> 90;
the Damm algorithm detects *every* single-digit error and *every* swap of two adjacent digits (including a
swap with the check digit itself), because its operation table is a weakly totally anti-symmetric quasigroup.

The fixed length matters too: the Damm interim digit starts at 0 and ``0 * 0 = 0``, so leading zeros do not
change the check digit; a dropped leading zero is caught by the length rule, not by the check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

SEQUENCE_DIGITS: Final = 6
NUMBER_LENGTH: Final = SEQUENCE_DIGITS + 1
MAX_SEQUENCE: Final = 10**SEQUENCE_DIGITS - 1

# The operation table of order 10 published by H. M. Damm (2004). Each row and each column is a permutation
# of 0-9 (so every single-digit error changes the result), and (c*x)*y != (c*y)*x whenever x != y (so every
# adjacent transposition changes it). A unit test verifies both properties exhaustively.
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
    """Why a text is not a registration number; stable codes for API results and UI messages."""

    EMPTY = "empty"
    WRONG_FORMAT = "wrong_format"  # characters other than the digits 0-9
    WRONG_LENGTH = "wrong_length"
    NOT_ISSUED = "not_issued"  # well-formed, but a value the registry never hands out (sequence 0)
    MISTYPED = "mistyped"  # right shape, failed check digit: almost certainly a typing error


class InvalidRegistrationNumber(ValueError):
    """A text that is not a valid registration number, with a machine-readable reason code."""

    def __init__(self, reason_code: InvalidNumberReason, message: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidRegistrationNumber({self.reason_code.value!r}, {self.message!r})"


def damm_interim(digits: str) -> int:
    """Run the Damm algorithm over ``digits`` (ASCII 0-9 only) and return the final interim digit.

    A digit string including its check digit is valid exactly when this returns 0.
    """
    if not set(digits) <= _ASCII_DIGITS:
        # Guard the table lookup: any other character would index a wrong (or negative) column silently.
        raise ValueError("the Damm algorithm takes only the digits 0-9")
    interim = 0
    for char in digits:
        interim = DAMM_TABLE[interim][ord(char) - 48]
    return interim


def damm_check_digit(digits: str) -> int:
    """Return the Damm check digit to append to ``digits`` (ASCII 0-9 only)."""
    if not digits:
        raise ValueError("damm_check_digit needs at least one digit")
    # With a zero diagonal the check digit is simply the interim digit: interim * interim = 0.
    return damm_interim(digits)


def _problem(text: str) -> InvalidRegistrationNumber | None:
    """Return why ``text`` (already stripped) is not a registration number, or None when it is one."""
    if not text:
        return InvalidRegistrationNumber(InvalidNumberReason.EMPTY, "No registration number was given.")
    # str.isdigit() also accepts other scripts' digits (e.g. Arabic-Indic); only ASCII 0-9 are numbers here.
    if not set(text) <= _ASCII_DIGITS:
        return InvalidRegistrationNumber(
            InvalidNumberReason.WRONG_FORMAT,
            f"A registration number consists of the digits 0-9 only; got {text!r}.",
        )
    if len(text) != NUMBER_LENGTH:
        return InvalidRegistrationNumber(
            InvalidNumberReason.WRONG_LENGTH,
            f"A registration number has exactly {NUMBER_LENGTH} digits; got {len(text)}.",
        )
    if damm_interim(text) != 0:
        return InvalidRegistrationNumber(
            InvalidNumberReason.MISTYPED,
            f"{text} is not a valid registration number: the check digit does not match (probably mistyped).",
        )
    if int(text[:SEQUENCE_DIGITS]) == 0:
        return InvalidRegistrationNumber(
            InvalidNumberReason.NOT_ISSUED, f"{text} is not a registration number the register issues."
        )
    return None


@dataclass(frozen=True, slots=True)
class RegistrationNumber:
    """A valid registration number. Construct with :func:`issue_number` or :func:`parse_registration_number`.

    Direct construction validates too, so an instance is always well-formed and check-digit correct.
    """

    value: str

    def __post_init__(self) -> None:
        problem = _problem(self.value)
        if problem is not None:
            raise problem

    @property
    def sequence(self) -> int:
        """The sequence number the registry allocated (without the check digit)."""
        return int(self.value[:SEQUENCE_DIGITS])

    @property
    def check_digit(self) -> int:
        """The trailing Damm check digit."""
        return int(self.value[-1])

    def __str__(self) -> str:
        return self.value


def issue_number(sequence: int) -> RegistrationNumber:
    """Build the registration number for a registry-allocated ``sequence`` (1 to 999 999).

    Raises ``ValueError`` for a sequence outside that range: running out of numbers is an operational
    problem to surface, never something to wrap around silently.
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError(f"sequence must be an int, got {type(sequence).__name__}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be between 1 and {MAX_SEQUENCE}, got {sequence}")
    body = f"{sequence:0{SEQUENCE_DIGITS}d}"
    return RegistrationNumber(f"{body}{damm_check_digit(body)}")


def parse_registration_number(text: str) -> RegistrationNumber:
    """Parse user or provider input into a :class:`RegistrationNumber`.

    Surrounding whitespace is ignored (copy-paste from spreadsheets); anything else must be exact.
    Raises :class:`InvalidRegistrationNumber` with reason ``empty``, ``wrong_format``, ``wrong_length``,
    ``not_issued`` or ``mistyped`` (failed check digit).
    """
    stripped = text.strip()
    problem = _problem(stripped)
    if problem is not None:
        raise problem
    return RegistrationNumber(stripped)


def is_valid_registration_number(text: str) -> bool:
    """Return whether ``text`` (surrounding whitespace ignored) is a valid registration number."""
    return _problem(text.strip()) is None
