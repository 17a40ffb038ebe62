"""The retention schedule's rules: what is due when, the registration last, who may be erased on request."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from registry.domain.retention import (
    AFTER_REGISTRATION,
    DataKind,
    ErasureRefusal,
    Pseudonymiser,
    RetentionError,
    RetentionSchedule,
    refusal_of_erasure_on_request,
    retention_overview,
)
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

ENDED = date(2027, 3, 31)
SCHEDULE = RetentionSchedule.from_days(
    account=365, registration=7 * 365, portfolio=2 * 365, audit_dossiers=3 * 365, attendance=2 * 365, logs=365
)


def test_nothing_is_due_on_the_last_day_a_kind_is_kept() -> None:
    assert SCHEDULE.kept_until(DataKind.LOGS, ENDED) == ENDED + timedelta(days=365)
    assert SCHEDULE.due_after_registration(ENDED, ENDED + timedelta(days=365)) == []
    assert SCHEDULE.due_after_registration(ENDED, ENDED + timedelta(days=366)) == [DataKind.LOGS]


def test_shorter_periods_pass_first_and_erased_kinds_are_not_due_again() -> None:
    later = ENDED + timedelta(days=2 * 365 + 1)
    assert SCHEDULE.due_after_registration(ENDED, later) == [DataKind.PORTFOLIO, DataKind.ATTENDANCE, DataKind.LOGS]
    assert SCHEDULE.due_after_registration(ENDED, later, {DataKind.LOGS}) == [DataKind.PORTFOLIO, DataKind.ATTENDANCE]


def test_the_registration_goes_last_and_takes_every_kind_with_it() -> None:
    # The registration is what the job finds a person by: it stays until the longest period has passed.
    assert SCHEDULE.kept_until(DataKind.REGISTRATION, ENDED) == ENDED + timedelta(days=7 * 365)
    short_registration = RetentionSchedule.from_days(
        account=365, registration=30, portfolio=2 * 365, audit_dossiers=30, attendance=30, logs=30
    )
    assert short_registration.kept_until(DataKind.REGISTRATION, ENDED) == ENDED + timedelta(days=2 * 365)
    last_day = ENDED + timedelta(days=7 * 365)
    assert DataKind.REGISTRATION not in SCHEDULE.due_after_registration(ENDED, last_day)
    due = SCHEDULE.due_after_registration(ENDED, last_day + timedelta(days=1), {DataKind.LOGS})
    assert due == list(AFTER_REGISTRATION) and due[-1] == DataKind.REGISTRATION


def test_a_schedule_needs_every_kind_and_no_negative_period() -> None:
    with pytest.raises(RetentionError, match="audit_dossiers"):
        RetentionSchedule.from_days(account=1, registration=1, portfolio=1, attendance=1, logs=1)
    with pytest.raises(RetentionError, match="negative"):
        RetentionSchedule.from_days(account=1, registration=-1, portfolio=1, audit_dossiers=1, attendance=1, logs=1)
    with pytest.raises(RetentionError):
        RetentionSchedule.from_days(
            account=1, registration=1, portfolio=1, audit_dossiers=1, attendance=1, logs=1, diaries=1
        )


@pytest.mark.parametrize(
    ("status", "pending", "staff", "refusal"),
    [
        (None, False, False, None),
        (RegistrationStatus.REGISTERED, False, False, ErasureRefusal.REGISTRATION_RUNNING),
        (RegistrationStatus.REREGISTRATION_PENDING, False, False, ErasureRefusal.REGISTRATION_RUNNING),
        (RegistrationStatus.SUSPENDED, False, False, ErasureRefusal.REGISTRATION_RUNNING),
        (RegistrationStatus.EXPIRED, False, False, ErasureRefusal.REGISTRATION_KEPT),
        (RegistrationStatus.STRUCK_OFF, False, False, ErasureRefusal.REGISTRATION_KEPT),
        (None, True, False, ErasureRefusal.APPLICATION_PENDING),
        (None, False, True, ErasureRefusal.STAFF_ACCOUNT),
    ],
)
def test_only_a_person_without_registration_or_pending_application_is_erased_on_request(
    status: RegistrationStatus | None, pending: bool, staff: bool, refusal: ErasureRefusal | None
) -> None:
    assert refusal_of_erasure_on_request(status, application_pending=pending, staff=staff) == refusal


def test_the_overview_dates_every_kind_once_the_registration_ended() -> None:
    running = retention_overview(SCHEDULE, RegistrationStatus.REGISTERED, None)
    assert [kind for kind, _days, _until in running] == list(AFTER_REGISTRATION)
    assert all(until is None for _kind, _days, until in running)
    ended = dict(
        (kind, until) for kind, _days, until in retention_overview(SCHEDULE, RegistrationStatus.EXPIRED, ENDED)
    )
    assert ended[DataKind.PORTFOLIO] == ENDED + timedelta(days=2 * 365)
    assert ended[DataKind.REGISTRATION] == ENDED + timedelta(days=7 * 365)
    assert retention_overview(SCHEDULE, None, None) == [(DataKind.ACCOUNT, 365, None)]


def test_a_pseudonym_is_stable_keyed_and_names_nobody() -> None:
    person = uuid.uuid4()
    one, other = Pseudonymiser(b"key-one"), Pseudonymiser(b"key-two")
    assert one.of(person) == one.of(person)
    assert one.of(person) != other.of(person) and one.of(person) != one.of(uuid.uuid4())
    assert str(person) not in one.of(person) and one.of(person).startswith("pseudonym:")
