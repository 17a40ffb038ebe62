"""Idempotency keys: the fingerprint of a request, and what a repeated key means."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accreditation.domain.idempotency import (
    LEASE_MARGIN,
    KeyState,
    SeenKeyAction,
    action_for_seen_key,
    check_fingerprint,
    check_idempotency_key,
    lease_length,
    request_fingerprint,
)
from lklr_shared.errors import Conflict, InvalidRequest, RuleViolation

pytestmark = pytest.mark.unit

EDITION = uuid.UUID("00000000-0000-0000-0000-000000000001")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_same_rows_written_differently_have_one_fingerprint() -> None:
    a = request_fingerprint(EDITION, [("0000013", None), ("0000021", Decimal("3.5"))])
    b = request_fingerprint(EDITION, [(" 0000013 ", None), ("0000021", "3,50")])
    c = request_fingerprint(EDITION, [("0000013", ""), ("0000021", 3.5)])  # type: ignore[list-item]
    assert a == b == c
    assert len(a) == 64


@pytest.mark.parametrize(
    "other",
    [
        [("0000021", Decimal("3.5")), ("0000013", None)],  # another order is another request
        [("0000013", None), ("0000021", Decimal(4))],
        [("0000013", None)],
        [("0000013", None), ("0000021", "abc")],
    ],
)
def test_another_request_has_another_fingerprint(other: list[tuple[str, Decimal | str | None]]) -> None:
    assert request_fingerprint(EDITION, [("0000013", None), ("0000021", Decimal("3.5"))]) != request_fingerprint(
        EDITION, other
    )


def test_another_edition_is_another_request() -> None:
    rows: list[tuple[str, Decimal | str | None]] = [("0000013", None)]
    assert request_fingerprint(EDITION, rows) != request_fingerprint(uuid.uuid4(), rows)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("", "missing_idempotency_key"),
        ("   ", "missing_idempotency_key"),
        ("x" * 256, "invalid_idempotency_key"),
        ("a\nb", "invalid_idempotency_key"),
    ],
)
def test_refuses_an_empty_or_absurd_key(key: str, code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_idempotency_key(key)
    assert refused.value.code == code


def test_keys_are_opaque_and_kept_exactly() -> None:
    assert check_idempotency_key(" Key-1 ") == " Key-1 "


def test_a_caller_fingerprint_must_be_a_sha256() -> None:
    assert check_fingerprint("A" * 64) == "a" * 64
    with pytest.raises(InvalidRequest):
        check_fingerprint("not-a-digest")


def _seen(
    state: KeyState,
    *,
    same: bool = True,
    lease_left: timedelta = timedelta(minutes=1),
    redelivered: bool = False,
) -> SeenKeyAction:
    return action_for_seen_key(
        stored_fingerprint="f" * 64,
        state=state,
        locked_until=NOW + lease_left,
        fingerprint="f" * 64 if same else "e" * 64,
        now=NOW,
        redelivered=redelivered,
    )


def test_same_key_same_request_after_completion_replays() -> None:
    assert _seen(KeyState.COMPLETED) is SeenKeyAction.REPLAY


@pytest.mark.parametrize("state", list(KeyState))
def test_same_key_other_request_is_422_even_while_in_flight(state: KeyState) -> None:
    with pytest.raises(RuleViolation) as refused:
        _seen(state, same=False)
    assert refused.value.code == "idempotency_key_reused"


def test_same_key_while_the_first_is_in_flight_is_409_with_a_short_retry_after() -> None:
    with pytest.raises(Conflict) as refused:
        _seen(KeyState.IN_FLIGHT, lease_left=timedelta(seconds=41.2))
    assert (refused.value.code, refused.value.retry_after) == ("request_in_flight", 5)
    with pytest.raises(Conflict) as almost_over:
        _seen(KeyState.IN_FLIGHT, lease_left=timedelta(seconds=1.5))
    assert almost_over.value.retry_after == 2  # never later than the lease could hold the key


def test_crash_finding_the_request_holding_the_lease_delivered_again_takes_over_at_once() -> None:
    # Its first attempt died with its process; the broker hands the same request (same message id) to another.
    assert _seen(KeyState.IN_FLIGHT, redelivered=True) is SeenKeyAction.TAKE_OVER
    with pytest.raises(RuleViolation):
        _seen(KeyState.IN_FLIGHT, redelivered=True, same=False)


def test_a_dead_attempt_is_taken_over_once_its_lease_ran_out() -> None:
    assert _seen(KeyState.IN_FLIGHT, lease_left=timedelta(0)) is SeenKeyAction.TAKE_OVER


def test_a_lease_ends_no_later_than_the_requests_deadline_plus_a_margin() -> None:
    configured = timedelta(minutes=2)
    assert lease_length(configured, 30.0) == timedelta(seconds=30) + LEASE_MARGIN
    # A request that names no deadline, or one further away than the configured lease: the configured lease.
    assert lease_length(configured, None) == configured
    assert lease_length(configured, 600.0) == configured
    # A deadline passed while the request waited: the margin still lets the attempt finish and store its response.
    assert lease_length(configured, -3.0) == LEASE_MARGIN
