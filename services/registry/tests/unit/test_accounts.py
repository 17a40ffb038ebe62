from __future__ import annotations

import pytest

from registry.domain.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountProblem,
    AccountRole,
    InvalidAccountData,
    UnknownRole,
    effective_roles,
    normalise_email,
    parse_staff_roles,
    password_problems,
    requires_second_factor,
    sorted_account_roles,
    validate_sign_up,
    with_staff_roles,
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


def test_staff_finding_staff_roles_count_only_with_the_second_factor() -> None:
    held = {AccountRole.PROFESSIONAL, AccountRole.OFFICE, AccountRole.ADMINISTRATOR}
    assert effective_roles(held, second_factor=True) == held
    assert effective_roles(held, second_factor=False) == {AccountRole.PROFESSIONAL}
    assert effective_roles({AccountRole.ASSESSMENT_COMMITTEE}, second_factor=False) == frozenset()
    assert effective_roles({AccountRole.PROFESSIONAL}, second_factor=False) == {AccountRole.PROFESSIONAL}


def test_roles_are_listed_in_a_stable_order() -> None:
    assert sorted_account_roles([AccountRole.ADMINISTRATOR, AccountRole.OFFICE, AccountRole.OFFICE]) == (
        AccountRole.OFFICE,
        AccountRole.ADMINISTRATOR,
    )


def test_an_administrator_sets_only_staff_roles_and_the_professional_role_stays() -> None:
    staff = parse_staff_roles(["assessment_committee", "office", "office"])
    assert staff == {AccountRole.ASSESSMENT_COMMITTEE, AccountRole.OFFICE}
    current = {AccountRole.PROFESSIONAL, AccountRole.ADMINISTRATOR}
    assert with_staff_roles(current, staff) == {
        AccountRole.PROFESSIONAL,
        AccountRole.ASSESSMENT_COMMITTEE,
        AccountRole.OFFICE,
    }
    assert with_staff_roles({AccountRole.OFFICE}, frozenset()) == frozenset()


@pytest.mark.parametrize("values", [["professional"], ["root"], ["office", ""]])
def test_anything_but_a_staff_role_is_refused(values: list[str]) -> None:
    with pytest.raises(UnknownRole):
        parse_staff_roles(values)


def test_secrets_finding_a_sealed_secret_opens_only_with_its_key() -> None:
    from cryptography.fernet import Fernet

    from registry.adapters.secret_box import SecretBox, SecretUnreadable

    box = SecretBox(Fernet.generate_key().decode())
    sealed = box.seal("JBSWY3DPEHPK3PXP")
    assert sealed.startswith("fernet:") and "JBSWY3DPEHPK3PXP" not in sealed
    assert box.open(sealed) == "JBSWY3DPEHPK3PXP"
    assert box.open("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"  # stored before sealing existed
    with pytest.raises(SecretUnreadable):
        SecretBox(Fernet.generate_key().decode()).open(sealed)
    with pytest.raises(ValueError):
        SecretBox("too-short")
