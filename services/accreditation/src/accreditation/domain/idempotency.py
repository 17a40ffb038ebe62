"""Idempotency keys on attendance posts, after the IETF httpapi Idempotency-Key draft.

The key is the client's; the *fingerprint* says whether a retry carries the same request. Per (provider, key)
the service remembers the fingerprint, whether the first request is still being processed (under a lease, so
a crashed attempt does not block the key forever), and the response it gave. What to do with a request whose
key was seen before is decided here; storing and locking are the service layer's.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from lklr_shared.errors import Conflict, InvalidRequest, RuleViolation

MAX_KEY_LENGTH: Final = 255
# A request in flight usually finishes within seconds: ask the client to come back soon (then it gets the first
# response replayed), never later than the lease could hold the key.
IN_FLIGHT_RETRY_SECONDS: Final = 5
_FINGERPRINT: Final = re.compile(r"^[0-9a-f]{64}$")
# What a reservation holds beyond its request's deadline: time for a first attempt that is still working when its
# client gives up to finish and store its response, so that the client's retry gets it replayed.
LEASE_MARGIN: Final = timedelta(seconds=5)


class KeyState(StrEnum):
    """Where the first request with a key stands."""

    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


class SeenKeyAction(StrEnum):
    """What to do with a request whose key is already stored."""

    REPLAY = "replay"  # return the stored response, add nothing
    TAKE_OVER = "take_over"  # the first attempt died without finishing: process this one instead


def check_idempotency_key(key: str) -> str:
    """The key exactly as sent (keys are opaque: no trimming or case folding); refuse empty or absurd ones."""
    if not key.strip():
        raise InvalidRequest("missing_idempotency_key", "An Idempotency-Key is required for attendance posts.")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(
            "invalid_idempotency_key", f"An Idempotency-Key is at most {MAX_KEY_LENGTH} printable characters."
        )
    return key


def check_fingerprint(fingerprint: str) -> str:
    """A caller-supplied fingerprint must be a lowercase hex SHA-256 (400 ``invalid_request_fingerprint``)."""
    normalised = fingerprint.strip().lower()
    if not _FINGERPRINT.fullmatch(normalised):
        raise InvalidRequest("invalid_request_fingerprint", "request_fingerprint must be a hex SHA-256 digest.")
    return normalised


def _canonical_hours(hours: Decimal | str | None) -> str | None:
    # Equal numbers must fingerprint equally however they were written (3.5, "3.50", Decimal("3.5")), while
    # text that is not a number is kept as typed: it is rejected per row, and a retry must still match.
    if hours is None:
        return None
    text = hours.strip().replace(",", ".") if isinstance(hours, str) else str(hours)
    if not text:
        return None
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    return format(number.normalize(), "f") if number.is_finite() else text


def request_fingerprint(edition_id: UUID, attendees: Sequence[tuple[str, Decimal | str | None]]) -> str:
    """Hex SHA-256 of the canonical request: the edition and the rows in order (numbers stripped, hours
    normalised). The channel and the actor are not part of it: they do not change what is asked."""
    canonical = {
        "edition_id": str(edition_id),
        "attendees": [[number.strip(), _canonical_hours(hours)] for number, hours in attendees],
    }
    encoded = json.dumps(canonical, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def action_for_seen_key(
    *,
    stored_fingerprint: str,
    state: KeyState,
    locked_until: datetime,
    fingerprint: str,
    now: datetime,
    redelivered: bool = False,
) -> SeenKeyAction:
    """Decide about a request whose (provider, key) is already stored.

    Refuses with 422 ``idempotency_key_reused`` when the request differs from the first one (even while the
    first is in flight: the client has a bug either way), and with 409 ``request_in_flight`` (with the seconds
    left on the lease as its retry-after) while the first is still being processed under its lease. The very
    request that holds the lease, delivered again (its first attempt died with the process that ran it), takes the
    key over at once instead of waiting for the lease to run out.
    """
    if stored_fingerprint != fingerprint:
        raise RuleViolation(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
        )
    if state is KeyState.COMPLETED:
        return SeenKeyAction.REPLAY
    if now < locked_until and not redelivered:
        raise Conflict(
            "request_in_flight",
            "A request with this Idempotency-Key is still being processed; retry after it has finished.",
            retry_after=max(1, min(IN_FLIGHT_RETRY_SECONDS, math.ceil((locked_until - now).total_seconds()))),
        )
    return SeenKeyAction.TAKE_OVER


def lease_length(configured: timedelta, seconds_left: float | None) -> timedelta:
    """How long a new reservation holds its key: the configured lease, but no longer than the request's client waits
    for its answer (``seconds_left``, None when the request names no deadline) plus ``LEASE_MARGIN``.

    Past its deadline the client has its timeout and retries: a key still held by an attempt that died (its
    redelivery arrives after the deadline and is not answered) would refuse every retry with 409 until a long lease
    ran out. An attempt that still lives when its lease ends loses nothing but work: a retry takes the key over,
    and the first can no longer complete under it (its transaction rolls back, see ``idempotency_store.complete``).
    """
    if seconds_left is None:
        return configured
    return min(configured, timedelta(seconds=max(0.0, seconds_left)) + LEASE_MARGIN)
