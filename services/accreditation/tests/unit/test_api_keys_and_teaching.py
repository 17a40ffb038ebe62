"""API key format and checking; points for approved teaching."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accreditation.domain.api_keys import (
    PREFIX_LENGTH,
    api_key_from_parts,
    digest_of,
    display_prefix,
    generate_api_key,
    key_matches,
    lookup_prefix_of,
)
from accreditation.domain.teaching import ClaimStatus, check_claim_hours, check_claim_undecided, teaching_points
from lklr_shared.errors import Conflict, InvalidRequest
from lklr_shared.scheme import default_scheme_path, load_scheme_book

pytestmark = pytest.mark.unit


def test_a_generated_key_is_found_by_its_prefix_and_matches_only_its_digest() -> None:
    key = generate_api_key()
    assert key.plaintext.startswith(f"lklr_{key.lookup_prefix}_")
    assert len(key.lookup_prefix) == PREFIX_LENGTH
    assert lookup_prefix_of(key.plaintext) == key.lookup_prefix
    assert key_matches(key.plaintext, key.digest)
    assert key.digest == digest_of(key.plaintext) and key.plaintext not in key.digest
    other = generate_api_key()
    assert not key_matches(other.plaintext, key.digest)
    assert other.lookup_prefix != key.lookup_prefix or other.plaintext != key.plaintext


def test_a_key_with_one_character_changed_does_not_match() -> None:
    key = generate_api_key()
    tampered = key.plaintext[:-1] + ("A" if key.plaintext[-1] != "A" else "B")
    assert lookup_prefix_of(tampered) == key.lookup_prefix
    assert not key_matches(tampered, key.digest)


@pytest.mark.parametrize(
    "text",
    ["", "Bearer x", "lklr_short_secretsecretsecretsecret", "lklr_abcdefgh_tooshort", "xxxx_abcdefgh_" + "s" * 40],
)
def test_text_not_shaped_like_a_key_has_no_prefix(text: str) -> None:
    assert lookup_prefix_of(text) is None


def test_the_demo_key_is_a_well_formed_key() -> None:
    key = api_key_from_parts("demoprov", "publicly-known-local-demo-key-0001")
    assert key.plaintext == "lklr_demoprov_publicly-known-local-demo-key-0001"
    assert display_prefix(key.lookup_prefix) == "lklr_demoprov_…"
    with pytest.raises(ValueError):
        api_key_from_parts("DEMO", "x")


@pytest.fixture(scope="module")
def scheme_2018():  # type: ignore[no-untyped-def]
    return load_scheme_book(default_scheme_path()).get("2018.1")


@pytest.mark.parametrize(("hours", "points"), [("1", "1"), ("3.5", "3.5"), ("2.75", "2.5")])
def test_approved_teaching_earns_the_schemes_points_per_hour_given(scheme_2018, hours: str, points: str) -> None:  # type: ignore[no-untyped-def]
    assert teaching_points(scheme_2018, Decimal(hours)) == Decimal(points)


def test_claim_hours_must_be_positive_and_a_claim_is_decided_once() -> None:
    with pytest.raises(InvalidRequest):
        check_claim_hours(Decimal(0))
    check_claim_undecided(ClaimStatus.SUBMITTED)
    with pytest.raises(Conflict):
        check_claim_undecided(ClaimStatus.APPROVED)
