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

# The check-digit rules live in the shared package, so the accreditation service checks providers' numbers by
# the very same algorithm; this module adds the registry's value type and the issuing of numbers.
from lklr_shared.registration_numbers import (
    SEQUENCE_DIGITS,
    InvalidNumberReason,
    InvalidRegistrationNumber,
    is_valid_registration_number,
    registration_number_for,
    registration_number_problem,
)

# The registry's own, and the shared names its callers take from here.
__all__ = [
    "InvalidNumberReason",
    "InvalidRegistrationNumber",
    "RegistrationNumber",
    "is_valid_registration_number",
    "issue_number",
    "parse_registration_number",
]


def _problem(text: str) -> InvalidRegistrationNumber | None:
    """Why ``text`` is not a registration number as stored (no surrounding whitespace allowed), or None."""
    if text != text.strip():
        return InvalidRegistrationNumber(
            InvalidNumberReason.WRONG_FORMAT, f"A registration number consists of the digits 0-9 only; got {text!r}."
        )
    return registration_number_problem(text)


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
    return RegistrationNumber(registration_number_for(sequence))


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
