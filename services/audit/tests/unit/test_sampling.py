"""Audit sampling: reproducible from the seed, independent of order and batching, and at the configured rate."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.domain.sampling import (
    DossierForSampling,
    ExemptionReason,
    SamplingDecision,
    SamplingPolicy,
    choose_activities,
    decide_sampling,
    dossier_draw,
    is_recently_registered,
)

pytestmark = pytest.mark.unit

APPLIED = date(2025, 6, 1)
LONG_AGO = date(2015, 1, 1)


def decide_sampling_batch(
    dossiers: Iterable[DossierForSampling], seed: str, policy: SamplingPolicy | None = None
) -> list[SamplingDecision]:
    """Many dossiers decided one by one under one seed, in input order (as the audit's batch consumer does)."""
    return [decide_sampling(dossier, seed, policy) for dossier in dossiers]


def _dossier(number: int, activities: int = 0, registered_since: date = LONG_AGO) -> DossierForSampling:
    return DossierForSampling(
        dossier_id=uuid.UUID(int=number),
        registered_since=registered_since,
        applied_on=APPLIED,
        self_entered_activity_ids=tuple(f"act-{number}-{i}" for i in range(activities)),
    )


def _binomial_bounds(n: int, p: float, sigmas: float = 4.0) -> tuple[float, float]:
    mean = n * p
    spread = sigmas * math.sqrt(n * p * (1 - p))
    return mean - spread, mean + spread


def test_same_seed_gives_the_same_decisions() -> None:
    dossiers = [_dossier(i, activities=15) for i in range(500)]

    first = decide_sampling_batch(dossiers, "seed-2025")
    second = decide_sampling_batch(dossiers, "seed-2025")

    assert first == second


def test_decisions_do_not_depend_on_order_or_batching() -> None:
    dossiers = [_dossier(i, activities=12) for i in range(1_000)]
    reference = {d.dossier_id: d for d in decide_sampling_batch(dossiers, "seed-x")}

    shuffled = dossiers[:]
    random.Random(7).shuffle(shuffled)
    # Uneven batches, as competing workers would see them.
    batches = [shuffled[0:1], shuffled[1:333], shuffled[333:334], shuffled[334:]]
    regrouped = [decision for batch in reversed(batches) for decision in decide_sampling_batch(batch, "seed-x")]

    assert {d.dossier_id: d for d in regrouped} == reference


@settings(max_examples=50, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=40),
    numbers=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30, unique=True),
    data=st.data(),
)
def test_a_dossiers_decision_is_the_same_alone_or_in_any_batch(
    seed: str, numbers: list[int], data: st.DataObject
) -> None:
    dossiers = [_dossier(n, activities=n % 20) for n in numbers]
    permuted = data.draw(st.permutations(dossiers))

    in_batch = decide_sampling_batch(permuted, seed)

    assert in_batch == [decide_sampling(d, seed) for d in permuted]


def test_a_uuid_and_its_string_form_get_the_same_draw() -> None:
    dossier_id = uuid.UUID(int=42)

    assert dossier_draw("s", dossier_id) == dossier_draw("s", str(dossier_id))


def test_draws_lie_in_the_unit_interval_and_differ_per_seed() -> None:
    draws_a = [dossier_draw("a", i) for i in map(str, range(200))]
    draws_b = [dossier_draw("b", i) for i in map(str, range(200))]

    assert all(0.0 <= d < 1.0 for d in draws_a + draws_b)
    assert draws_a != draws_b


def test_seed_and_id_are_not_confused_by_concatenation() -> None:
    assert dossier_draw("ab", "c") != dossier_draw("a", "bc")


def test_an_empty_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        dossier_draw("", "dossier")


@pytest.mark.parametrize("seed", ["2023-audit", "2024-audit", "2025-audit", "e1f0c2d9"])
def test_sampled_share_lies_within_four_sigma_of_the_default_rate(seed: str) -> None:
    n = 10_000
    decisions = decide_sampling_batch((_dossier(i) for i in range(n)), seed)
    sampled = sum(d.sampled for d in decisions)

    low, high = _binomial_bounds(n, 0.10)
    assert low <= sampled <= high


@pytest.mark.parametrize("share", [Decimal("0.05"), Decimal("0.25"), Decimal("0.5")])
def test_sampled_share_follows_a_configured_rate(share: Decimal) -> None:
    n = 10_000
    policy = SamplingPolicy(share=share)
    sampled = sum(decide_sampling(_dossier(i), "rate-seed", policy).sampled for i in range(n))

    low, high = _binomial_bounds(n, float(share))
    assert low <= sampled <= high


def test_draws_are_spread_evenly_over_the_unit_interval() -> None:
    n, buckets = 10_000, 10
    counts = [0] * buckets
    for i in range(n):
        counts[int(dossier_draw("uniformity", str(i)) * buckets)] += 1

    low, high = _binomial_bounds(n, 1 / buckets)
    assert all(low <= c <= high for c in counts), counts


def test_a_dossier_is_sampled_exactly_when_its_draw_is_below_the_share() -> None:
    for i in range(2_000):
        decision = decide_sampling(_dossier(i), "boundary")
        assert decision.sampled == (Decimal(decision.draw) < Decimal("0.10"))


def test_share_zero_samples_nothing_and_share_one_samples_everything() -> None:
    dossiers = [_dossier(i) for i in range(300)]

    none = decide_sampling_batch(dossiers, "s", SamplingPolicy(share=Decimal(0)))
    every = decide_sampling_batch(dossiers, "s", SamplingPolicy(share=Decimal(1)))

    assert not any(d.sampled for d in none)
    assert all(d.sampled for d in every)


def test_the_decision_records_seed_share_and_draw() -> None:
    policy = SamplingPolicy(share=Decimal("0.3"))
    decision = decide_sampling(_dossier(9), "recorded-seed", policy)

    assert decision.seed == "recorded-seed"
    assert decision.share == Decimal("0.3")
    assert decision.draw == dossier_draw("recorded-seed", uuid.UUID(int=9))
    assert decision.dossier_id == uuid.UUID(int=9)


def test_a_float_share_is_refused() -> None:
    with pytest.raises(TypeError):
        SamplingPolicy(share=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("share", [Decimal("-0.01"), Decimal("1.01")])
def test_a_share_outside_zero_to_one_is_refused(share: Decimal) -> None:
    with pytest.raises(ValueError):
        SamplingPolicy(share=share)


def test_an_unsampled_dossier_has_no_activities_to_review() -> None:
    decisions = decide_sampling_batch([_dossier(i, activities=5) for i in range(200)], "s")

    assert all(d.activity_ids == () for d in decisions if not d.sampled)


def test_all_activities_are_reviewed_when_there_are_at_most_ten() -> None:
    policy = SamplingPolicy(share=Decimal(1))
    dossier = _dossier(1, activities=10)

    decision = decide_sampling(dossier, "s", policy)

    assert sorted(decision.activity_ids) == sorted(dossier.self_entered_activity_ids)


def test_at_most_ten_activities_are_reviewed_and_all_come_from_the_dossier() -> None:
    policy = SamplingPolicy(share=Decimal(1))
    dossier = _dossier(1, activities=37)

    decision = decide_sampling(dossier, "s", policy)

    assert len(decision.activity_ids) == 10
    assert len(set(decision.activity_ids)) == 10
    assert set(decision.activity_ids) <= set(dossier.self_entered_activity_ids)


def test_no_cap_reviews_every_activity() -> None:
    policy = SamplingPolicy(share=Decimal(1), max_activities=None)
    dossier = _dossier(1, activities=37)

    assert len(decide_sampling(dossier, "s", policy).activity_ids) == 37


def test_the_activity_choice_is_reproducible_and_independent_of_listing_order() -> None:
    ids = [f"a{i}" for i in range(40)]
    reversed_ids = list(reversed(ids))

    assert choose_activities("s", "d1", ids, 10) == choose_activities("s", "d1", reversed_ids, 10)
    assert choose_activities("s", "d1", ids, 10) != choose_activities("other", "d1", ids, 10)


def test_a_smaller_cap_takes_a_prefix_of_a_larger_one() -> None:
    ids = [f"a{i}" for i in range(40)]

    assert choose_activities("s", "d", ids, 10)[:5] == choose_activities("s", "d", ids, 5)


def test_every_activity_has_a_fair_chance_of_being_chosen() -> None:
    # 20 activities, 10 chosen: each should be picked in about half of 2,000 dossiers.
    ids = [f"a{i}" for i in range(20)]
    counts = dict.fromkeys(ids, 0)
    n = 2_000
    for dossier in range(n):
        for chosen in choose_activities("fair", str(dossier), ids, 10):
            counts[str(chosen)] += 1

    low, high = _binomial_bounds(n, 0.5)
    assert all(low <= c <= high for c in counts.values()), counts


def test_duplicate_activity_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        choose_activities("s", "d", ["a", "b", "a"], 10)


def test_recent_registrants_are_exempt_when_the_option_is_on() -> None:
    policy = SamplingPolicy(share=Decimal(1), exempt_newcomers=True)
    newcomer = _dossier(1, activities=3, registered_since=date(2024, 1, 1))

    decision = decide_sampling(newcomer, "s", policy)

    assert not decision.sampled
    assert decision.exemption_reason is ExemptionReason.RECENTLY_REGISTERED
    assert decision.activity_ids == ()


def test_recent_registrants_are_sampled_like_anyone_when_the_option_is_off() -> None:
    newcomer = _dossier(1, activities=3, registered_since=date(2024, 1, 1))

    decision = decide_sampling(newcomer, "s", SamplingPolicy(share=Decimal(1)))

    assert decision.sampled
    assert decision.exemption_reason is None


def test_the_exemption_leaves_other_dossiers_untouched() -> None:
    policy = SamplingPolicy(exempt_newcomers=True)
    dossiers = [_dossier(i) for i in range(1_000)]

    with_option = decide_sampling_batch(dossiers, "s", policy)
    without_option = decide_sampling_batch(dossiers, "s")

    assert with_option == without_option


def test_the_exemption_ends_on_the_anniversary() -> None:
    assert is_recently_registered(date(2023, 6, 1), date(2025, 5, 31), 2)
    assert not is_recently_registered(date(2023, 6, 1), date(2025, 6, 1), 2)


def test_a_leap_day_registration_reaches_its_anniversary_on_28_february() -> None:
    assert is_recently_registered(date(2024, 2, 29), date(2026, 2, 27), 2)
    assert not is_recently_registered(date(2024, 2, 29), date(2026, 2, 28), 2)
