"""Audit sampling (steekproef): which re-registration dossiers are reviewed, and which of their activities.

Every decision is a pure function of a recorded seed and the dossier's own data. The draw for a dossier is a
keyed hash of (seed, dossier id) mapped onto [0, 1), so it does not depend on the order or the batch in which
dossiers arrive: competing worker processes, a replay after a crash and an auditor re-running the sample a year
later all reach the same decision. Within a sampled dossier the activities are ranked by a keyed hash of
(seed, dossier id, activity id) and the first K are taken, which is a uniformly random K-subset that again does
not depend on the order in which the activities are listed.

Generating a fresh seed (``secrets.token_hex(16)``) is left to the service layer: it needs the operating
system's randomness, and the domain stays free of I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

EntityId = UUID | str
"""A dossier or activity id. A UUID and its canonical string form denote the same id."""

DEFAULT_SHARE = Decimal("0.10")
DEFAULT_MAX_ACTIVITIES = 10
DEFAULT_NEWCOMER_YEARS = 2

# 53 bits is what a float holds exactly, so the recorded draw is an exact dyadic rational that round-trips
# through JSON and databases without changing the decision it led to.
_DRAW_BITS = 53
# Domain separation: the dossier draw and the activity ranking must never be the same hash by accident.
_DOSSIER_PERSON = b"lklr-audit-dsr"
_ACTIVITY_PERSON = b"lklr-audit-act"


class ExemptionReason(StrEnum):
    """Why a dossier was kept out of the sample regardless of its draw."""

    RECENTLY_REGISTERED = "recently_registered"


@dataclass(frozen=True, slots=True)
class SamplingPolicy:
    """The register's sampling configuration.

    ``share``: fraction of dossiers sampled, between 0 and 1 (default 0.10).
    ``max_activities``: at most this many self-entered activities are reviewed per sampled dossier; ``None``
    reviews all of them (default 10).
    ``exempt_newcomers``: when on, professionals registered for less than ``newcomer_years`` years on the
    date they applied are never sampled (default off, 2 years).
    """

    share: Decimal = DEFAULT_SHARE
    max_activities: int | None = DEFAULT_MAX_ACTIVITIES
    exempt_newcomers: bool = False
    newcomer_years: int = DEFAULT_NEWCOMER_YEARS

    def __post_init__(self) -> None:
        if not isinstance(self.share, Decimal):
            # A float share (0.1) is not exactly one tenth; requiring Decimal keeps the boundary exact.
            raise TypeError("share must be a Decimal")
        if not Decimal(0) <= self.share <= Decimal(1):
            raise ValueError(f"share must lie between 0 and 1, got {self.share}")
        if self.max_activities is not None and self.max_activities < 1:
            raise ValueError(f"max_activities must be at least 1 or None, got {self.max_activities}")
        if self.newcomer_years < 0:
            raise ValueError(f"newcomer_years must not be negative, got {self.newcomer_years}")


@dataclass(frozen=True, slots=True)
class DossierForSampling:
    """What sampling needs to know about a frozen re-registration dossier.

    ``registered_since``: the date the professional's registration started (for the newcomer exemption).
    ``applied_on``: the date of the re-registration application; the exemption is judged on this date.
    ``self_entered_activity_ids``: the dossier's self-entered activities, the only ones an audit reviews
    (provider-placed accredited courses were checked at accreditation).
    """

    dossier_id: EntityId
    registered_since: date
    applied_on: date
    self_entered_activity_ids: Sequence[EntityId] = ()


@dataclass(frozen=True, slots=True)
class SamplingDecision:
    """The recorded outcome of sampling one dossier; everything needed to reproduce and explain it.

    ``draw`` is the dossier's uniform number in [0, 1); the dossier is sampled when ``draw < share`` and it is
    not exempt. ``activity_ids`` are the activities to review, in draw order (empty when not sampled).
    """

    dossier_id: EntityId
    seed: str
    share: Decimal
    draw: float
    sampled: bool
    exemption_reason: ExemptionReason | None = None
    activity_ids: tuple[EntityId, ...] = field(default=())


def _canonical(value: EntityId) -> str:
    return str(value)


def _length_prefixed(*parts: str) -> bytes:
    # Length prefixes make the encoding injective: ("ab", "c") and ("a", "bc") must hash differently.
    out = bytearray()
    for part in parts:
        encoded = part.encode("utf-8")
        out += len(encoded).to_bytes(8, "big")
        out += encoded
    return bytes(out)


def _uniform(person: bytes, *parts: str) -> float:
    digest = hashlib.blake2b(_length_prefixed(*parts), digest_size=8, person=person).digest()
    return (int.from_bytes(digest, "big") >> (64 - _DRAW_BITS)) / float(1 << _DRAW_BITS)


def dossier_draw(seed: str, dossier_id: EntityId) -> float:
    """Return the dossier's uniform draw in [0, 1) under ``seed``.

    Deterministic in (seed, dossier id) only; different seeds give independent draws.
    """
    if not seed:
        raise ValueError("a sampling seed must not be empty")
    return _uniform(_DOSSIER_PERSON, seed, _canonical(dossier_id))


def is_recently_registered(registered_since: date, on: date, years: int) -> bool:
    """Return whether someone registered on ``registered_since`` has been registered less than ``years`` on ``on``.

    A registration that started on 29 February reaches its anniversary on 28 February in common years.
    """
    return on < _add_years(registered_since, years)


def _add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        # 29 February in a common year.
        return start.replace(year=start.year + years, day=28)


def choose_activities(
    seed: str,
    dossier_id: EntityId,
    activity_ids: Iterable[EntityId],
    max_activities: int | None = DEFAULT_MAX_ACTIVITIES,
) -> tuple[EntityId, ...]:
    """Choose the activities to review in a sampled dossier: all of them, or ``max_activities`` at random.

    The choice is reproducible from (seed, dossier id) and independent of the order of ``activity_ids``: the
    activities are ranked by their own keyed draw and the lowest ``max_activities`` are returned, in that rank
    order. Duplicate ids are an error, since they would give one activity two chances.
    """
    ids = list(activity_ids)
    keys = [_canonical(activity_id) for activity_id in ids]
    if len(set(keys)) != len(keys):
        raise ValueError("activity ids must be unique within a dossier")
    if max_activities is not None and max_activities < 1:
        raise ValueError(f"max_activities must be at least 1 or None, got {max_activities}")
    dossier_key = _canonical(dossier_id)
    # The canonical id breaks the (astronomically unlikely) tie of two equal draws, keeping the order total.
    ranked = sorted(
        zip(ids, keys, strict=True),
        key=lambda pair: (_uniform(_ACTIVITY_PERSON, seed, dossier_key, pair[1]), pair[1]),
    )
    chosen = ranked if max_activities is None else ranked[:max_activities]
    return tuple(activity_id for activity_id, _ in chosen)


def decide_sampling(
    dossier: DossierForSampling,
    seed: str,
    policy: SamplingPolicy | None = None,
) -> SamplingDecision:
    """Decide whether ``dossier`` is sampled under ``seed`` and, if so, which activities are reviewed.

    The draw is always computed and recorded, also for an exempt dossier, so the audit statistics can show what
    the exemption changed. A sampled dossier without self-entered activities is still recorded as sampled; it
    simply has nothing to review.
    """
    policy = policy or SamplingPolicy()
    draw = dossier_draw(seed, dossier.dossier_id)
    exemption: ExemptionReason | None = None
    if policy.exempt_newcomers and is_recently_registered(
        dossier.registered_since, dossier.applied_on, policy.newcomer_years
    ):
        exemption = ExemptionReason.RECENTLY_REGISTERED
    # Decimal(float) is exact, so the comparison with the configured share has no rounding at the boundary.
    sampled = exemption is None and Decimal(draw) < policy.share
    activities = (
        choose_activities(seed, dossier.dossier_id, dossier.self_entered_activity_ids, policy.max_activities)
        if sampled
        else ()
    )
    return SamplingDecision(
        dossier_id=dossier.dossier_id,
        seed=seed,
        share=policy.share,
        draw=draw,
        sampled=sampled,
        exemption_reason=exemption,
        activity_ids=activities,
    )
