from __future__ import annotations

import pytest

from registry.domain.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountProblem,
    AccountRole,
    InvalidAccountData,
    normalise_email,
    password_problems,
    requires_second_factor,
    sorted_account_roles,
    validate_sign_up,
)

pytestmark = pytest.mark.unit


def test_addresses_are_stored_trimmed_and_lower_cased() -> None:
    assert normalise_email("  J.deVries@Gemeente.NL ") == "j.devries@gemeente.nl"


def test_sign_up_data_is_normalised() -> None:
    new = validate_sign_up(email=" A@B.NL", password="long enough pw", initials=" J.P. ", surname=" de   Vries ")
    assert (new.email, new.initials, new.surname) == ("a@b.nl", "J.P.", "de Vries")


def test_sign_up_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidAccountData) as caught:
        validate_sign_up(email="nope", password="short", initials=" ", surname="")
    assert caught.value.codes == {
        AccountProblem.EMAIL_INVALID,
        AccountProblem.PASSWORD_TOO_SHORT,
        AccountProblem.INITIALS_MISSING,
        AccountProblem.SURNAME_MISSING,
    }


def test_password_length_bounds_and_not_the_address() -> None:
    assert password_problems("x" * MIN_PASSWORD_LENGTH) == []
    assert [code for code, _ in password_problems("x" * (MIN_PASSWORD_LENGTH - 1))] == ["password_too_short"]
    assert [code for code, _ in password_problems("x" * (MAX_PASSWORD_LENGTH + 1))] == ["password_too_long"]
    assert [code for code, _ in password_problems("Jan@Example.nl", email="jan@example.nl")] == ["password_is_email"]


def test_only_staff_need_a_second_factor() -> None:
    assert not requires_second_factor({AccountRole.PROFESSIONAL})
    for role in AccountRole:
        if role is not AccountRole.PROFESSIONAL:
            assert requires_second_factor({AccountRole.PROFESSIONAL, role})


def test_roles_are_listed_in_a_stable_order() -> None:
    assert sorted_account_roles([AccountRole.ADMINISTRATOR, AccountRole.OFFICE, AccountRole.OFFICE]) == (
        AccountRole.OFFICE,
        AccountRole.ADMINISTRATOR,
    )
