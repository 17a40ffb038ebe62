"""The retention schedule: how long each kind of personal data is kept after the registration ends, and what may
be erased when. Pure rules: the periods come from settings (``RetentionSchedule.from_days``), the dates from
the caller.

The clock of every kind but ``account`` starts on the day the registration ended (its last status change to
expired or struck off). ``account`` is the account of a person who never had a registration: erased on request at
any time; a sign-up never confirmed is erased by the job once older than its period.

A registration ends the data's life in order: the shorter periods (portfolio, attendance) pass first, and the
registration itself is erased last, together with every kind still held, because the registration is what the
job finds a person by (erase it first and the rest could never be found again).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from registry.domain.status import RegistrationStatus


class DataKind(StrEnum):
    """The kinds of personal data the schedule covers (the wire names of ``contracts.registry.DataKind``)."""

    ACCOUNT = "account"
    REGISTRATION = "registration"
    PORTFOLIO = "portfolio"
    AUDIT_DOSSIERS = "audit_dossiers"
    ATTENDANCE = "attendance"
    LOGS = "logs"


# The kinds the erasure after a registration covers (``account`` belongs to people without one).
AFTER_REGISTRATION: tuple[DataKind, ...] = (
    DataKind.PORTFOLIO,
    DataKind.ATTENDANCE,
    DataKind.AUDIT_DOSSIERS,
    DataKind.LOGS,
    DataKind.REGISTRATION,
)

# A short key per kind naming why it is kept that long; the pages and the FAQ give the text (nl/en).
LEGAL_GROUNDS: Mapping[DataKind, str] = {
    DataKind.ACCOUNT: "avg_storage_limitation",
    DataKind.REGISTRATION: "archiefwet_decisions",
    DataKind.PORTFOLIO: "awb_objection_and_appeal",
    DataKind.AUDIT_DOSSIERS: "awb_objection_and_appeal",
    DataKind.ATTENDANCE: "awb_objection_and_appeal",
    DataKind.LOGS: "bio_logging",
}

# Statuses in which a registration has ended (the retention clock runs); any other status is a running one.
ENDED: frozenset[RegistrationStatus] = frozenset({RegistrationStatus.EXPIRED, RegistrationStatus.STRUCK_OFF})


class RetentionError(ValueError):
    """A schedule that cannot be applied (a negative period, a kind missing)."""


@dataclass(frozen=True, slots=True)
class RetentionSchedule:
    """Days each kind is kept after its clock starts."""

    periods: Mapping[DataKind, int]

    def __post_init__(self) -> None:
        missing = [kind.value for kind in DataKind if kind not in self.periods]
        if missing:
            raise RetentionError(f"no retention period for {', '.join(missing)}")
        negative = [kind.value for kind, days in self.periods.items() if days < 0]
        if negative:
            raise RetentionError(f"a retention period cannot be negative: {', '.join(negative)}")

    @classmethod
    def from_days(cls, **days: int) -> RetentionSchedule:
        """A schedule from keyword days per kind (``portfolio=365, ...``); unknown kinds are refused."""
        try:
            return cls({DataKind(name): value for name, value in days.items()})
        except ValueError as exc:
            raise RetentionError(str(exc)) from exc

    def period(self, kind: DataKind) -> timedelta:
        """How long ``kind`` is kept after its clock starts."""
        return timedelta(days=self.periods[kind])

    def kept_for(self, kind: DataKind) -> timedelta:
        """How long ``kind`` is in fact kept after the registration ended: its period, except the registration's,
        which stays until the longest period of any kind it anchors has passed too."""
        if kind is DataKind.REGISTRATION:
            return max(self.period(other) for other in AFTER_REGISTRATION)
        return self.period(kind)

    def kept_until(self, kind: DataKind, ended_on: date) -> date:
        """The last day ``kind`` is kept for a registration that ended on ``ended_on``."""
        return ended_on + self.kept_for(kind)

    def due_after_registration(
        self, ended_on: date, today: date, already_erased: Collection[DataKind] = ()
    ) -> list[DataKind]:
        """The kinds of an ended registration whose period has passed on ``today`` and that are not erased yet.
        When the registration is due, every kind goes with it (asking a service to forget what it already forgot
        costs nothing, and the person's last erasure must leave nothing behind)."""
        due = [
            kind
            for kind in AFTER_REGISTRATION
            if kind not in already_erased and today > self.kept_until(kind, ended_on)
        ]
        if DataKind.REGISTRATION in due:
            return list(AFTER_REGISTRATION)
        return due


class ErasureRefusal(StrEnum):
    """Why a person cannot have their account erased on request (the reply's problem code)."""

    REGISTRATION_RUNNING = "registration_running"
    REGISTRATION_KEPT = "registration_kept"
    APPLICATION_PENDING = "application_pending"
    STAFF_ACCOUNT = "staff_account"


def refusal_of_erasure_on_request(
    status: RegistrationStatus | None, *, application_pending: bool, staff: bool
) -> ErasureRefusal | None:
    """None when a person may have their account erased on request; else why not.

    Only a person who never had a registration qualifies: a running registration is the register's public task,
    and an ended one (with its decisions) must be kept for its retention period, after which the job erases it.
    A pending application is a case the office is deciding; staff accounts are the register's own people, whose
    roles an administrator takes away first.
    """
    if status is not None:
        return ErasureRefusal.REGISTRATION_KEPT if status in ENDED else ErasureRefusal.REGISTRATION_RUNNING
    if application_pending:
        return ErasureRefusal.APPLICATION_PENDING
    if staff:
        return ErasureRefusal.STAFF_ACCOUNT
    return None


def retention_overview(
    schedule: RetentionSchedule, status: RegistrationStatus | None, ended_on: date | None
) -> list[tuple[DataKind, int, date | None]]:
    """What the data download says: per kind, its period in days and the last day it is kept (None while the
    registration runs, so the period has not started). A person without a registration sees their account only."""
    if status is None:
        return [(DataKind.ACCOUNT, schedule.periods[DataKind.ACCOUNT], None)]
    ended = ended_on if status in ENDED else None
    return [
        (
            kind,
            schedule.kept_for(kind).days,
            schedule.kept_until(kind, ended) if ended is not None else None,
        )
        for kind in AFTER_REGISTRATION
    ]


DEFAULT_SCHEDULE = RetentionSchedule.from_days(
    account=365, registration=7 * 365, portfolio=2 * 365, audit_dossiers=2 * 365, attendance=2 * 365, logs=2 * 365
)

# Public on purpose: local runs and tests only (a production registry refuses to start without its own key).
_DEVELOPMENT_PSEUDONYM_KEY = b"lklr-development-pseudonym-key-not-secret"


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    """A keyed hash of a person id: the same person always gets the same pseudonym (so the erasure's log lines
    and its confirmations belong together), and without the key nobody can tell whose it is."""

    key: bytes

    @classmethod
    def from_setting(cls, value: str) -> Pseudonymiser:
        """From the setting's text; empty gives the public development key."""
        return cls(value.encode() if value else _DEVELOPMENT_PSEUDONYM_KEY)

    def of(self, person_id: uuid.UUID) -> str:
        """The pseudonym of ``person_id``: ``pseudonym:`` and 32 hex digits of HMAC-SHA256."""
        return "pseudonym:" + hmac.new(self.key, person_id.bytes, hashlib.sha256).hexdigest()[:32]
