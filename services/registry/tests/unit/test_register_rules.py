"""Small rules the use cases apply before they write: who may apply, which cycle can be extended, and how far
ahead the reminder job looks."""

from __future__ import annotations

from datetime import date

import pytest

from lklr_shared.scheme import Period, PeriodUnit
from registry.domain.applications import application_barred
from registry.domain.registrations import has_cycle_to_extend
from registry.domain.reminders import MONTH_END_SLACK_DAYS, reminder_horizon
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

S = RegistrationStatus


@pytest.mark.parametrize("status", [S.REGISTERED, S.REREGISTRATION_PENDING, S.SUSPENDED])
def test_a_person_in_the_register_cannot_apply_again(status: RegistrationStatus) -> None:
    assert application_barred(status) == "already_registered"


def test_a_struck_off_person_cannot_apply_and_a_lapsed_or_new_one_can() -> None:
    assert application_barred(S.STRUCK_OFF) == "struck_off"
    assert application_barred(S.EXPIRED) is None
    assert application_barred(None) is None


def test_only_a_running_registration_has_a_cycle_to_extend() -> None:
    assert {status for status in S if has_cycle_to_extend(status)} == {
        S.REGISTERED,
        S.REREGISTRATION_PENDING,
        S.SUSPENDED,
    }


def test_the_reminder_horizon_is_the_furthest_offset_plus_the_month_end_slack() -> None:
    offsets = [Period(amount=6, unit=PeriodUnit.MONTHS), Period(amount=6, unit=PeriodUnit.WEEKS)]
    # 30 June plus 6 months is 30 December; four days to spare.
    assert MONTH_END_SLACK_DAYS == 4
    assert reminder_horizon(date(2030, 6, 30), offsets) == date(2031, 1, 3)
    assert reminder_horizon(date(2030, 6, 30), []) is None
