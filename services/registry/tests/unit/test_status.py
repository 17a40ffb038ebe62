from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.domain.status import (
    ALLOWED_TRANSITIONS,
    IllegalStatusTransition,
    RegistrationStatus,
    StatusChange,
    can_transition,
    transition,
)

pytestmark = pytest.mark.unit

S = RegistrationStatus
NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
ALL_PAIRS = [(a, b) for a in S for b in S]


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.APPLIED, S.REGISTERED),
        (S.REGISTERED, S.REREGISTRATION_PENDING),
        (S.REREGISTRATION_PENDING, S.REGISTERED),
        (S.REGISTERED, S.EXPIRED),
        (S.REREGISTRATION_PENDING, S.EXPIRED),
        (S.EXPIRED, S.REGISTERED),
        (S.SUSPENDED, S.REGISTERED),
    ],
)
def test_allows_the_lifecycle_moves(current: RegistrationStatus, to: RegistrationStatus) -> None:
    new_status, change = transition(current, to, at=NOW, by="office:1")
    assert new_status is to
    assert change == StatusChange(from_status=current, to_status=to, at=NOW, by="office:1", reason=None)


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.APPLIED, S.EXPIRED),
        (S.APPLIED, S.REREGISTRATION_PENDING),
        (S.EXPIRED, S.REREGISTRATION_PENDING),
        (S.REGISTERED, S.APPLIED),
        (S.REGISTERED, S.REGISTERED),
        *[(S.STRUCK_OFF, to) for to in S],
    ],
)
def test_rejects_illegal_transitions(current: RegistrationStatus, to: RegistrationStatus) -> None:
    with pytest.raises(IllegalStatusTransition) as caught:
        transition(current, to, at=NOW, by="office:1", reason="because")
    assert (caught.value.from_status, caught.value.to_status) == (current, to)


@pytest.mark.parametrize(("current", "to"), ALL_PAIRS)
def test_transition_agrees_with_the_table(current: RegistrationStatus, to: RegistrationStatus) -> None:
    allowed = can_transition(current, to)
    try:
        transition(current, to, at=NOW, by="office:1", reason="because")
    except IllegalStatusTransition:
        assert not allowed
    else:
        assert allowed


def test_no_status_leads_back_to_applied() -> None:
    assert all(S.APPLIED not in targets for targets in ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize("to", [S.SUSPENDED, S.STRUCK_OFF])
def test_suspending_or_striking_off_requires_a_reason(to: RegistrationStatus) -> None:
    with pytest.raises(IllegalStatusTransition):
        transition(S.REGISTERED, to, at=NOW, by="office:1", reason="  ")
    _, change = transition(S.REGISTERED, to, at=NOW, by="office:1", reason=" misconduct ")
    assert change.reason == "misconduct"


def test_rejects_a_naive_timestamp() -> None:
    with pytest.raises(IllegalStatusTransition):
        transition(S.APPLIED, S.REGISTERED, at=datetime(2025, 6, 1), by="office:1")


def test_rejects_a_change_without_an_actor() -> None:
    with pytest.raises(IllegalStatusTransition):
        transition(S.APPLIED, S.REGISTERED, at=NOW, by=" ")
