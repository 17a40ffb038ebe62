"""Re-registration rules: which dossier is a timely application, what an audit outcome decides, when a
registration lapses, and how news about an audit may arrive out of order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.cycles import Cycle, Extension, ExtensionLimitExceeded, ExtensionReason
from registry.domain.reregistration import (
    AuditOutcome,
    AuditState,
    Grant,
    Refusal,
    RefusalReason,
    ReturnForCorrection,
    advance_audit_state,
    decide,
    lapse_date,
    lapses,
    refusal_for,
)
from registry.domain.status import RegistrationStatus

pytestmark = pytest.mark.unit

CYCLE = Cycle.starting(date(2025, 3, 1))  # ends 2030-02-28
S = RegistrationStatus


def _refusal(**overrides: object) -> RefusalReason | None:
    arguments: dict[str, object] = {
        "status": S.REGISTERED,
        "cycle": CYCLE,
        "is_current_cycle": True,
        "frozen_on": date(2030, 1, 15),
        "norm_met": True,
        "cycle_decided": False,
    } | overrides
    return refusal_for(**arguments)  # type: ignore[arg-type]


def test_a_dossier_frozen_up_to_the_last_day_of_the_cycle_is_a_timely_application() -> None:
    assert _refusal() is None
    assert _refusal(frozen_on=date(2030, 2, 28)) is None


def test_a_dossier_frozen_after_the_cycle_end_is_late() -> None:
    assert _refusal(frozen_on=date(2030, 3, 1)) is RefusalReason.LATE


def test_a_dossier_without_the_norm_is_not_an_application() -> None:
    assert _refusal(norm_met=False) is RefusalReason.NORM_NOT_MET


@pytest.mark.parametrize("status", [S.EXPIRED, S.SUSPENDED, S.STRUCK_OFF, S.APPLIED, S.REREGISTRATION_PENDING])
def test_only_a_registered_person_can_apply_for_re_registration(status: RegistrationStatus) -> None:
    assert _refusal(status=status) is RefusalReason.NOT_ACTIVE


def test_a_dossier_of_another_cycle_or_a_decided_one_is_refused_before_anything_else() -> None:
    assert _refusal(is_current_cycle=False, frozen_on=date(2031, 1, 1)) is RefusalReason.NOT_CURRENT_CYCLE
    assert _refusal(cycle_decided=True, status=S.EXPIRED) is RefusalReason.ALREADY_DECIDED


def test_met_grants_the_next_cycle_from_the_day_after_the_old_end() -> None:
    decision = decide(AuditOutcome.MET, cycle=CYCLE, today=date(2030, 1, 20), next_cycle_years=5, correct_by=date.max)
    assert decision == Grant(next_cycle=Cycle.starting(date(2030, 3, 1)))
    assert isinstance(decision, Grant) and decision.next_cycle.end == date(2035, 2, 28)


def test_the_next_cycle_follows_an_extended_cycle() -> None:
    extended = CYCLE.extended(Extension(case="Z-1", reason=ExtensionReason.ILLNESS, weeks=10))
    decision = decide(
        AuditOutcome.MET, cycle=extended, today=date(2030, 1, 20), next_cycle_years=5, correct_by=date.max
    )
    assert isinstance(decision, Grant)
    assert decision.next_cycle.start == extended.end + timedelta(days=1) == date(2030, 5, 10)


def test_not_met_lapses_the_day_after_the_cycle_end_or_at_once_when_that_day_has_come() -> None:
    before_end = decide(
        AuditOutcome.NOT_MET, cycle=CYCLE, today=date(2030, 2, 28), next_cycle_years=5, correct_by=date.max
    )
    after_end = decide(
        AuditOutcome.NOT_MET, cycle=CYCLE, today=date(2030, 3, 1), next_cycle_years=5, correct_by=date.max
    )
    assert before_end == Refusal(lapses_on=date(2030, 3, 1), lapse_now=False)
    assert after_end == Refusal(lapses_on=date(2030, 3, 1), lapse_now=True)


def test_returned_for_correction_keeps_the_application_with_its_deadline() -> None:
    decision = decide(
        AuditOutcome.RETURNED_FOR_CORRECTION,
        cycle=CYCLE,
        today=date(2030, 2, 1),
        next_cycle_years=5,
        correct_by=date(2030, 3, 29),
    )
    assert decision == ReturnForCorrection(correct_by=date(2030, 3, 29))


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        (S.REGISTERED, date(2030, 2, 28), False),  # the last day is still in the cycle
        (S.REGISTERED, date(2030, 3, 1), True),
        (S.SUSPENDED, date(2030, 3, 1), True),
        (S.REREGISTRATION_PENDING, date(2031, 3, 1), False),  # a timely application keeps the registration
        (S.EXPIRED, date(2031, 3, 1), False),
        (S.STRUCK_OFF, date(2031, 3, 1), False),
    ],
)
def test_a_registration_lapses_after_its_cycle_unless_an_application_is_pending(
    status: RegistrationStatus, today: date, expected: bool
) -> None:
    assert lapses(status, CYCLE, today) is expected


def test_the_lapse_follows_an_extension() -> None:
    extended = CYCLE.extended(Extension(case="Z-1", reason=ExtensionReason.PREGNANCY, weeks=16))
    assert lapse_date(extended) == date(2030, 6, 21)
    assert not lapses(S.REGISTERED, extended, date(2030, 6, 20))


def test_audit_news_arriving_late_never_moves_the_state_back() -> None:
    assert advance_audit_state(AuditState.MET, AuditState.SAMPLED) is AuditState.MET
    assert (
        advance_audit_state(AuditState.MORE_INFORMATION_NEEDED, AuditState.SAMPLED)
        is AuditState.MORE_INFORMATION_NEEDED
    )
    assert advance_audit_state(AuditState.AWAITING_SAMPLING, AuditState.NOT_SAMPLED) is AuditState.NOT_SAMPLED
    assert (
        advance_audit_state(AuditState.SAMPLED, AuditState.RETURNED_FOR_CORRECTION)
        is AuditState.RETURNED_FOR_CORRECTION
    )


def test_an_extension_over_the_case_maximum_says_what_the_case_already_has() -> None:
    first = CYCLE.extended(Extension(case="Z-1", reason=ExtensionReason.ILLNESS, weeks=12), max_weeks_per_case=16)
    with pytest.raises(ExtensionLimitExceeded) as refused:
        first.extended(Extension(case="Z-1", reason=ExtensionReason.ILLNESS, weeks=5), max_weeks_per_case=16)
    assert (refused.value.already_granted, refused.value.max_weeks_per_case) == (12, 16)
    # Another case has its own maximum.
    assert first.extended(Extension(case="Z-2", reason=ExtensionReason.PREGNANCY, weeks=16)).extension_weeks == 28


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 1, 1)),
    st.lists(st.integers(1, 16), max_size=4),
)
def test_a_stored_cycle_restores_to_the_same_base_end_and_extensions(start: date, weeks: list[int]) -> None:
    cycle = Cycle.starting(start)
    for number, amount in enumerate(weeks):
        cycle = cycle.extended(Extension(case=f"case-{number}", reason=ExtensionReason.ILLNESS, weeks=amount))
    assert Cycle.restored(cycle.start, cycle.end, cycle.extensions) == cycle
