from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lklr_shared.registration_numbers import MAX_SEQUENCE, NUMBER_LENGTH, damm_check_digit
from registry.domain.registration_number import (
    InvalidNumberReason,
    InvalidRegistrationNumber,
    RegistrationNumber,
    is_valid_registration_number,
    issue_number,
    parse_registration_number,
)

pytestmark = pytest.mark.unit

sequences = st.integers(min_value=1, max_value=MAX_SEQUENCE)


def _reason(text: str) -> InvalidNumberReason:
    with pytest.raises(InvalidRegistrationNumber) as caught:
        parse_registration_number(text)
    return caught.value.reason_code


def test_check_digit_matches_the_published_damm_example() -> None:
    assert damm_check_digit("572") == 4
    assert issue_number(572).value == "0005724"


def test_issued_number_is_six_digit_sequence_plus_check_digit() -> None:
    number = issue_number(123456)
    assert len(number.value) == NUMBER_LENGTH
    assert number.value.startswith("123456")
    assert number.sequence == 123456
    assert number.check_digit == damm_check_digit("123456")
    assert str(number) == number.value


@given(sequences)
def test_every_issued_number_parses_back_to_itself(sequence: int) -> None:
    number = issue_number(sequence)
    assert parse_registration_number(number.value) == number
    assert is_valid_registration_number(number.value)


@given(sequences, st.integers(min_value=0, max_value=NUMBER_LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_error_is_rejected_as_mistyped(sequence: int, position: int, shift: int) -> None:
    digits = issue_number(sequence).value
    wrong_digit = str((int(digits[position]) + shift) % 10)
    mistyped = digits[:position] + wrong_digit + digits[position + 1 :]
    assert _reason(mistyped) is InvalidNumberReason.MISTYPED


@given(sequences, st.integers(min_value=0, max_value=NUMBER_LENGTH - 2))
def test_every_swap_of_two_adjacent_differing_digits_is_rejected_as_mistyped(sequence: int, position: int) -> None:
    digits = issue_number(sequence).value
    first, second = digits[position], digits[position + 1]
    if first == second:
        return  # swapping equal digits is no error at all
    swapped = digits[:position] + second + first + digits[position + 2 :]
    assert _reason(swapped) is InvalidNumberReason.MISTYPED


def test_rejects_the_09_90_swap_that_luhn_misses() -> None:
    # Find an issued number containing "09" and check that "90" in its place is caught.
    number = next(issue_number(s) for s in range(1, 10_000) if "09" in issue_number(s).value)
    at = number.value.index("09")
    assert _reason(number.value[:at] + "90" + number.value[at + 2 :]) is InvalidNumberReason.MISTYPED


def test_parse_tolerates_surrounding_whitespace() -> None:
    number = issue_number(42)
    assert parse_registration_number(f"  {number.value}\t\n") == number


@pytest.mark.parametrize("text", ["", "   "])
def test_rejects_empty_input_as_empty(text: str) -> None:
    assert _reason(text) is InvalidNumberReason.EMPTY


@pytest.mark.parametrize("text", ["12345-67", "123 4567", "ABC1234", "+123456", "１２３４５６７", "١٢٣٤٥٦٧"])
def test_rejects_anything_but_ascii_digits_as_wrong_format(text: str) -> None:
    assert _reason(text) is InvalidNumberReason.WRONG_FORMAT


@pytest.mark.parametrize("text", ["123456", "12345678", "0"])
def test_rejects_wrong_length_separately_from_mistyped(text: str) -> None:
    assert _reason(text) is InvalidNumberReason.WRONG_LENGTH


def test_rejects_a_dropped_leading_zero_by_length() -> None:
    number = issue_number(572)  # "0005724"
    assert _reason(number.value[1:]) is InvalidNumberReason.WRONG_LENGTH


def test_rejects_the_all_zero_placeholder_although_its_check_digit_fits() -> None:
    assert _reason("0000000") is InvalidNumberReason.NOT_ISSUED


def test_error_carries_reason_code_and_readable_message() -> None:
    with pytest.raises(InvalidRegistrationNumber) as caught:
        parse_registration_number("1234560")
    assert caught.value.reason_code == "mistyped"
    assert "check digit" in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_direct_construction_validates_too() -> None:
    with pytest.raises(InvalidRegistrationNumber):
        RegistrationNumber("1234560")
    with pytest.raises(InvalidRegistrationNumber):
        RegistrationNumber(" " + issue_number(1).value)


def test_registration_number_is_immutable() -> None:
    number = issue_number(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.value = "0000000"  # type: ignore[misc]


@pytest.mark.parametrize("sequence", [0, -1, MAX_SEQUENCE + 1])
def test_refuses_to_issue_a_sequence_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError):
        issue_number(sequence)


def test_issues_the_highest_sequence() -> None:
    assert issue_number(MAX_SEQUENCE).value.startswith("999999")


@pytest.mark.parametrize("digits", ["", "12a", "1/2"])
def test_check_digit_refuses_anything_but_digits(digits: str) -> None:
    with pytest.raises(ValueError):
        damm_check_digit(digits)
