"""The shared registration-number check: Damm check digit, fixed length, ASCII digits only."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lklr_shared.registration_numbers import (
    DAMM_TABLE,
    MAX_SEQUENCE,
    NUMBER_LENGTH,
    InvalidNumberReason,
    InvalidRegistrationNumber,
    damm_check_digit,
    damm_interim,
    is_valid_registration_number,
    parse_registration_number,
    registration_number_for,
    registration_number_problem,
)

pytestmark = pytest.mark.unit

sequences = st.integers(min_value=1, max_value=MAX_SEQUENCE)


def _reason(text: str) -> InvalidNumberReason:
    problem = registration_number_problem(text)
    assert problem is not None, f"{text!r} unexpectedly valid"
    return problem.reason


def test_damm_table_is_a_latin_square_so_every_single_digit_error_changes_the_result() -> None:
    for row in DAMM_TABLE:
        assert sorted(row) == list(range(10))
    for column in range(10):
        assert sorted(row[column] for row in DAMM_TABLE) == list(range(10))


def test_damm_table_is_weakly_totally_antisymmetric_so_every_adjacent_swap_changes_the_result() -> None:
    for interim, x, y in itertools.product(range(10), repeat=3):
        if x != y:
            assert DAMM_TABLE[DAMM_TABLE[interim][x]][y] != DAMM_TABLE[DAMM_TABLE[interim][y]][x]


def test_check_digit_matches_the_published_damm_example() -> None:
    assert damm_check_digit("572") == 4
    assert registration_number_for(572) == "0005724"


def test_the_demo_register_numbers_are_valid() -> None:
    # The numbers the README lists for the demo professionals (sequences 1 to 4).
    assert [registration_number_for(n) for n in range(1, 5)] == ["0000013", "0000021", "0000037", "0000045"]


@given(sequences)
def test_every_issued_number_parses_back_to_itself(sequence: int) -> None:
    number = registration_number_for(sequence)
    assert len(number) == NUMBER_LENGTH
    assert parse_registration_number(f"  {number}\t") == number
    assert is_valid_registration_number(number)
    assert damm_interim(number) == 0


@given(sequences, st.integers(min_value=0, max_value=NUMBER_LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_error_is_rejected_as_mistyped(sequence: int, position: int, shift: int) -> None:
    digits = registration_number_for(sequence)
    wrong_digit = str((int(digits[position]) + shift) % 10)
    mistyped = digits[:position] + wrong_digit + digits[position + 1 :]
    assert _reason(mistyped) is InvalidNumberReason.MISTYPED


@given(sequences, st.integers(min_value=0, max_value=NUMBER_LENGTH - 2))
def test_every_swap_of_two_adjacent_differing_digits_is_rejected_as_mistyped(sequence: int, position: int) -> None:
    digits = registration_number_for(sequence)
    first, second = digits[position], digits[position + 1]
    if first == second:
        return
    swapped = digits[:position] + second + first + digits[position + 2 :]
    assert _reason(swapped) is InvalidNumberReason.MISTYPED


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("", InvalidNumberReason.EMPTY, id="empty"),
        pytest.param("   ", InvalidNumberReason.EMPTY, id="blank"),
        pytest.param("00000l3", InvalidNumberReason.WRONG_FORMAT, id="letter-l-for-one"),
        pytest.param("0000-013", InvalidNumberReason.WRONG_FORMAT, id="dash"),
        pytest.param("٠٠٠٠٠١٣", InvalidNumberReason.WRONG_FORMAT, id="arabic-indic-digits"),
        pytest.param("000013", InvalidNumberReason.WRONG_LENGTH, id="dropped-leading-zero"),
        pytest.param("00000013", InvalidNumberReason.WRONG_LENGTH, id="extra-digit"),
        pytest.param("0000014", InvalidNumberReason.MISTYPED, id="wrong-check-digit"),
        pytest.param("0000000", InvalidNumberReason.NOT_ISSUED, id="sequence-zero"),
    ],
)
def test_rejects_text_that_is_not_a_registration_number(text: str, reason: InvalidNumberReason) -> None:
    assert _reason(text) is reason
    with pytest.raises(InvalidRegistrationNumber) as caught:
        parse_registration_number(text)
    assert caught.value.reason is reason
    assert caught.value.message


@pytest.mark.parametrize("sequence", [0, MAX_SEQUENCE + 1, -1])
def test_refuses_to_build_a_number_outside_the_sequence_range(sequence: int) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        registration_number_for(sequence)


def test_refuses_a_non_integer_sequence() -> None:
    with pytest.raises(TypeError):
        registration_number_for(True)


def test_the_algorithm_refuses_non_digits_instead_of_indexing_the_table_wrongly() -> None:
    with pytest.raises(ValueError, match="only the digits"):
        damm_interim("12a")
