"""Accounts: e-mail addresses, password rules, access roles and which accounts need a second factor.

Hashing, token generation and TOTP codes are done by adapters; this module only holds the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class AccountRole(StrEnum):
    """What an account may do in the system (not the professional roles a person registers for)."""

    PROFESSIONAL = "professional"
    OFFICE = "office"  # the register office (beheerder)
    ACCREDITATION_COMMITTEE = "accreditation_committee"
    ASSESSMENT_COMMITTEE = "assessment_committee"
    ADMINISTRATOR = "administrator"


STAFF_ROLES: Final = frozenset(
    {
        AccountRole.OFFICE,
        AccountRole.ACCREDITATION_COMMITTEE,
        AccountRole.ASSESSMENT_COMMITTEE,
        AccountRole.ADMINISTRATOR,
    }
)

# Long enough to resist guessing behind the lockout; the upper bound stops a megabyte "password" from
# costing the hasher (argon2 reads all of it) on every attempt.
MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024
MAX_EMAIL_LENGTH: Final = 254  # RFC 5321 path limit
MAX_NAME_LENGTH: Final = 200

# Deliberately loose (the same rule as Person): the confirmation mail is the real check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountProblem(StrEnum):
    """Stable codes for what is wrong with account data."""

    EMAIL_INVALID = "email_invalid"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_TOO_LONG = "password_too_long"
    PASSWORD_IS_EMAIL = "password_is_email"
    INITIALS_MISSING = "initials_missing"
    SURNAME_MISSING = "surname_missing"
    NAME_TOO_LONG = "name_too_long"


class InvalidAccountData(ValueError):
    """Account data that breaks one or more rules; every problem is reported at once."""

    def __init__(self, problems: Iterable[tuple[AccountProblem, str]]) -> None:
        self.problems: tuple[tuple[AccountProblem, str], ...] = tuple(problems)
        super().__init__("; ".join(message for _, message in self.problems))

    @property
    def codes(self) -> frozenset[AccountProblem]:
        return frozenset(code for code, _ in self.problems)


def normalise_email(text: str) -> str:
    """The form under which an address is stored and looked up: trimmed and lower-cased.

    Lower-casing the local part is not what RFC 5321 promises, but every mail system the register deals with
    treats it case-insensitively, and two accounts differing only in case would be a support nightmare.
    """
    return unicodedata.normalize("NFC", text.strip()).lower()


def email_problems(email: str) -> list[tuple[AccountProblem, str]]:
    """Problems with an (already normalised) e-mail address."""
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        return [(AccountProblem.EMAIL_INVALID, f"{email!r} is not an e-mail address.")]
    return []


def password_problems(password: str, *, email: str = "") -> list[tuple[AccountProblem, str]]:
    """Problems with a new password (length only, plus not the address itself: composition rules make
    passwords worse, not better, per NIST SP 800-63B)."""
    problems: list[tuple[AccountProblem, str]] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            (AccountProblem.PASSWORD_TOO_SHORT, f"A password has at least {MIN_PASSWORD_LENGTH} characters.")
        )
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append((AccountProblem.PASSWORD_TOO_LONG, f"A password has at most {MAX_PASSWORD_LENGTH} characters."))
    if email and normalise_email(password) == email:
        problems.append((AccountProblem.PASSWORD_IS_EMAIL, "The password cannot be the e-mail address."))
    return problems


def name_problems(initials: str, surname: str) -> list[tuple[AccountProblem, str]]:
    """Problems with a name as the public register will show it (initials and surname)."""
    problems: list[tuple[AccountProblem, str]] = []
    if not initials.strip():
        problems.append((AccountProblem.INITIALS_MISSING, "Initials are required."))
    if not surname.strip():
        problems.append((AccountProblem.SURNAME_MISSING, "A surname is required."))
    if len(initials) > 20 or len(surname) > MAX_NAME_LENGTH:
        problems.append((AccountProblem.NAME_TOO_LONG, "The initials or the surname are too long."))
    return problems


@dataclass(frozen=True, slots=True)
class NewAccount:
    """Validated sign-up data: normalised e-mail, clean name, and a password that meets the rules."""

    email: str
    initials: str
    surname: str


def validate_sign_up(*, email: str, password: str, initials: str, surname: str) -> NewAccount:
    """Return the normalised sign-up data or raise :class:`InvalidAccountData` listing every problem."""
    normalised = normalise_email(email)
    problems = [
        *email_problems(normalised),
        *password_problems(password, email=normalised),
        *name_problems(initials, surname),
    ]
    if problems:
        raise InvalidAccountData(problems)
    return NewAccount(email=normalised, initials=" ".join(initials.split()), surname=" ".join(surname.split()))


def parse_account_roles(values: Iterable[str]) -> frozenset[AccountRole]:
    """Account roles from stored strings; an unknown value is a data error, never silently dropped."""
    return frozenset(AccountRole(value) for value in values)


def sorted_account_roles(roles: Iterable[AccountRole]) -> tuple[AccountRole, ...]:
    """Roles de-duplicated in declaration order, for stable output."""
    present = set(roles)
    return tuple(role for role in AccountRole if role in present)


def is_staff(roles: Iterable[AccountRole]) -> bool:
    """Whether any role is a staff role."""
    return any(role in STAFF_ROLES for role in roles)


def requires_second_factor(roles: Iterable[AccountRole]) -> bool:
    """Staff must sign in with a TOTP code as well: they decide about other people's registrations."""
    return is_staff(roles)


def effective_roles(roles: Iterable[AccountRole], *, second_factor: bool) -> frozenset[AccountRole]:
    """The roles a session or token may use: staff roles only when it was opened with the second factor.

    A password alone (a session from before a role was given, or an account whose second factor is not enrolled
    yet) never carries staff power; the account keeps what it may do as a professional.
    """
    held = frozenset(roles)
    return held if second_factor else frozenset(role for role in held if role not in STAFF_ROLES)


# How long a TOTP secret generated from an enrolment link stays pending, and its enrollment token usable: long
# enough to add it to an authenticator app, short enough that a token left in a browser is soon worthless.
TOTP_ENROLLMENT_LIFETIME: Final = timedelta(minutes=10)


class UnknownRole(ValueError):
    """A role name that is not one of the staff roles an administrator sets."""


def parse_staff_roles(values: Iterable[str]) -> frozenset[AccountRole]:
    """The staff roles named by ``values``; anything else (``professional`` included) raises UnknownRole."""
    roles = set()
    for value in values:
        try:
            role = AccountRole(value)
        except ValueError:
            raise UnknownRole(f"{value!r} is not a role.") from None
        if role not in STAFF_ROLES:
            raise UnknownRole(f"{value!r} is not a staff role; only staff roles are set here.")
        roles.add(role)
    return frozenset(roles)


def with_staff_roles(current: Iterable[AccountRole], staff: frozenset[AccountRole]) -> frozenset[AccountRole]:
    """``current`` with its staff roles replaced by ``staff`` (the ``professional`` role stays as it is)."""
    return frozenset(role for role in current if role not in STAFF_ROLES) | staff


# At most one confirmation, reset or sign-up mail per address per minute: the request endpoints are anonymous, and
# must not become a way to flood someone's mailbox.
MAIL_REQUEST_INTERVAL: Final = timedelta(minutes=1)


def mail_window_start(now: datetime) -> datetime:
    """The start of the window in which a mail already sent to an account holds back another one."""
    return now - MAIL_REQUEST_INTERVAL


def removes_last_administrator(
    before: Iterable[AccountRole], after: Iterable[AccountRole], others: Iterable[frozenset[AccountRole]]
) -> bool:
    """Whether changing an account's roles from ``before`` to ``after`` takes the administrator role from the last
    account holding it (``others``: the roles of every other account that may hold it). The register must keep
    one administrator, or nobody could give staff roles again."""
    administrator = AccountRole.ADMINISTRATOR
    taken = administrator in frozenset(before) and administrator not in frozenset(after)
    return taken and not any(administrator in roles for roles in others)


class TokenPurpose(StrEnum):
    """What a single-use e-mailed token is for."""

    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"
    # The link an administrator's role change mails to a staff member without a second factor: enrolment starts
    # from it (and the password), never from the password alone.
    ENROL_SECOND_FACTOR = "enrol_totp"


class AccessTokenKind(StrEnum):
    """Bearer credentials the registry issues after a successful sign-in."""

    SESSION = "session"  # a browser session, held by the gateway in a signed cookie
    API = "api"  # a bearer token for /api/v1


class LoginOutcome(StrEnum):
    """How one sign-in attempt ended, as written to the login log (never shown to the caller as such)."""

    SUCCEEDED = "succeeded"
    TOTP_REQUIRED = "totp_required"  # right password, staff, no code yet: not a failure
    # No longer written (enrolment starts from a mailed link, not at sign-in); kept to read older log rows.
    TOTP_ENROLLMENT_REQUIRED = "totp_enrollment_required"
    UNKNOWN_ACCOUNT = "unknown_account"
    WRONG_PASSWORD = "wrong_password"
    INVALID_TOTP = "invalid_totp"
    TOTP_NOT_ENROLLED = "totp_not_enrolled"  # no longer written either; kept for older log rows
    EMAIL_NOT_CONFIRMED = "email_not_confirmed"
    REFUSED_BACKOFF = "refused_backoff"
    REFUSED_LOCKED = "refused_locked"


# The results that count towards backoff and lockout: wrong secrets. A missing-but-needed code is a step in
# the dialogue, and an unconfirmed address is not a guess.
FAILED_RESULTS: Final = frozenset(
    {LoginOutcome.UNKNOWN_ACCOUNT, LoginOutcome.WRONG_PASSWORD, LoginOutcome.INVALID_TOTP}
)
