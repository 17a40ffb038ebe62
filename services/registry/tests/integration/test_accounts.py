"""Accounts over the real wiring: sign-up, confirmation, sign-in with lockout and TOTP, reset, sessions, tokens."""

from __future__ import annotations

import re
import uuid

import pytest

from lklr_shared.contracts import registry as contracts

from .conftest import PASSWORD, Registry, RegistryFactory, rpc_error

pytestmark = pytest.mark.integration


async def test_sign_up_confirm_and_log_in_opens_a_session_that_logout_ends(registry: Registry) -> None:
    email = f"Nieuw.{uuid.uuid4().hex[:8]}@Example.NL"
    accepted = await registry.call(contracts.SignUp(email=email, password=PASSWORD, initials="N.", surname="Nieuw"))
    assert accepted.email == email.lower()

    refused = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD))
    assert (refused.status, refused.code) == (403, "email_not_confirmed")

    token = await registry.token_mailed_to(email.lower(), "Bevestig")
    confirmed = await registry.call(contracts.ConfirmEmail(token=token, client_ip="192.0.2.1"))
    again = await rpc_error(registry, contracts.ConfirmEmail(token=token))
    assert (again.status, again.code) == (400, "token_invalid")

    result = await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip="192.0.2.1"))
    assert result.authenticated and not result.totp_required
    assert result.account_id == confirmed.account_id
    assert result.account_roles == ["professional"]
    assert result.session_token

    session = await registry.call(contracts.ValidateSession(session_token=result.session_token))
    assert (session.account_id, session.token_kind, session.surname) == (result.account_id, "session", "Nieuw")

    await registry.call(contracts.EndSession(session_token=result.session_token))
    ended = await rpc_error(registry, contracts.ValidateSession(session_token=result.session_token))
    assert (ended.status, ended.code) == (401, "session_invalid")


async def test_sign_up_answers_the_same_for_a_taken_address_and_tells_its_owner(registry: Registry) -> None:
    _account_id, email = await registry.sign_up_and_confirm()
    registry.clock.advance(seconds=61)  # past the one-mail-a-minute throttle of the sign-up just made
    accepted = await registry.call(
        contracts.SignUp(email=email, password="another password 1", initials="X.", surname="Y")
    )
    assert accepted == contracts.SignUpAccepted(email=email)
    await registry.mail_to(email, "bestaat al")
    # The existing password still works: the attempt changed nothing.
    assert (await registry.call(contracts.Login(email=email, password=PASSWORD))).authenticated


async def test_sign_up_refuses_a_short_password_listing_every_problem(registry: Registry) -> None:
    error = await rpc_error(
        registry, contracts.SignUp(email="not-an-address", password="short", initials="", surname="Z")
    )
    assert (error.status, error.code) == (422, "invalid_sign_up")
    for code in ("email_invalid", "password_too_short", "initials_missing"):
        assert code in {problem.code for problem in error.problems}


async def test_five_wrong_passwords_lock_the_address_and_every_attempt_is_logged(registry: Registry) -> None:
    _account_id, email = await registry.sign_up_and_confirm()
    for _ in range(5):
        error = await rpc_error(
            registry, contracts.Login(email=email, password="wrong password!", client_ip="198.51.100.7")
        )
        assert (error.status, error.code) == (401, "invalid_credentials")

    locked = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD, client_ip="198.51.100.7"))
    assert (locked.status, locked.code) == (429, "too_many_attempts")
    retry_after = locked.retry_after
    assert retry_after is not None and 14 * 60 < retry_after <= 15 * 60

    rows = await registry.rows(
        "SELECT result, client_ip, channel FROM login_attempts WHERE email = :email ORDER BY attempt_id", email=email
    )
    assert [row.result for row in rows] == ["wrong_password"] * 5 + ["refused_locked"]
    assert {row.client_ip for row in rows} == {"198.51.100.7"}

    registry.clock.advance(minutes=16)
    assert (await registry.call(contracts.Login(email=email, password=PASSWORD))).authenticated


async def test_an_unknown_address_is_refused_and_throttled_exactly_like_a_known_one(registry: Registry) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.nl"
    for _ in range(5):
        error = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD))
        assert (error.status, error.code, error.message) == (
            401,
            "invalid_credentials",
            "The e-mail address or password is wrong.",
        )
    locked = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD))
    assert locked.code == "too_many_attempts"
    rows = await registry.rows("SELECT result FROM login_attempts WHERE email = :email", email=email)
    assert [row.result for row in rows] == ["unknown_account"] * 5 + ["refused_locked"]


async def test_staff_sign_in_needs_a_valid_totp_code_that_works_only_once(registry: Registry) -> None:
    _account_id, email, secret = await registry.staff("office")

    first_step = await registry.call(contracts.Login(email=email, password=PASSWORD))
    assert (first_step.authenticated, first_step.totp_required, first_step.session_token) == (False, True, None)

    wrong = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD, totp_code="000000"))
    assert (wrong.status, wrong.code) == (401, "invalid_totp")

    code = registry.totp_code(secret)
    signed_in = await registry.call(contracts.Login(email=email, password=PASSWORD, totp_code=code))
    assert signed_in.authenticated and signed_in.account_roles == ["office"]

    replayed = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD, totp_code=code))
    assert replayed.code == "invalid_totp"

    rows = await registry.rows(
        "SELECT result FROM login_attempts WHERE email = :email ORDER BY attempt_id", email=email
    )
    assert [row.result for row in rows] == ["totp_required", "invalid_totp", "succeeded", "invalid_totp"]


async def test_an_api_token_needs_the_totp_code_for_staff_and_verifies_until_revoked(registry: Registry) -> None:
    _account_id, email, secret = await registry.staff("accreditation_committee")
    missing = await rpc_error(registry, contracts.IssueApiToken(email=email, password=PASSWORD))
    assert (missing.status, missing.code) == (401, "totp_required")

    issued = await registry.call(
        contracts.IssueApiToken(email=email, password=PASSWORD, totp_code=registry.totp_code(secret), label="ci")
    )
    holder = await registry.call(contracts.VerifyApiToken(token=issued.token))
    assert (holder.account_id, holder.token_kind, holder.account_roles) == (
        issued.account_id,
        "api",
        ["accreditation_committee"],
    )
    # A session token is not an API token, and the other way round.
    wrong_kind = await rpc_error(registry, contracts.ValidateSession(session_token=issued.token))
    assert wrong_kind.code == "session_invalid"

    await registry.call(contracts.RevokeApiToken(token=issued.token))
    revoked = await rpc_error(registry, contracts.VerifyApiToken(token=issued.token))
    assert (revoked.status, revoked.code) == (401, "session_invalid")


async def test_a_professional_gets_an_api_token_without_a_code(registry: Registry) -> None:
    _account_id, email = await registry.sign_up_and_confirm()
    issued = await registry.call(contracts.IssueApiToken(email=email, password=PASSWORD))
    assert (await registry.call(contracts.VerifyApiToken(token=issued.token))).account_roles == ["professional"]


async def test_a_password_reset_token_works_once_and_ends_every_session(registry: Registry) -> None:
    account_id, email = await registry.sign_up_and_confirm()
    session = await registry.call(contracts.Login(email=email, password=PASSWORD))

    answer_known = await registry.call(contracts.RequestPasswordReset(email=email, client_ip="203.0.113.9"))
    answer_unknown = await registry.call(contracts.RequestPasswordReset(email=f"x{email}"))
    assert answer_known == answer_unknown == contracts.PasswordResetRequested()

    token = await registry.token_mailed_to(email, "wachtwoord")
    too_short = await rpc_error(registry, contracts.ResetPassword(token=token, new_password="short"))
    assert (too_short.status, too_short.code) == (422, "invalid_password")

    changed = await registry.call(contracts.ResetPassword(token=token, new_password="a brand new passphrase"))
    assert changed.account_id == account_id
    reused = await rpc_error(registry, contracts.ResetPassword(token=token, new_password="yet another passphrase"))
    assert (reused.status, reused.code) == (400, "token_invalid")

    ended = await rpc_error(registry, contracts.ValidateSession(session_token=session.session_token))
    assert ended.code == "session_invalid"
    old = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD))
    assert old.code == "invalid_credentials"
    assert (await registry.call(contracts.Login(email=email, password="a brand new passphrase"))).authenticated


async def test_a_reset_token_expires(registry: Registry) -> None:
    _account_id, email = await registry.sign_up_and_confirm()
    await registry.call(contracts.RequestPasswordReset(email=email))
    token = await registry.token_mailed_to(email, "wachtwoord")
    registry.clock.advance(minutes=61)
    expired = await rpc_error(registry, contracts.ResetPassword(token=token, new_password="a brand new passphrase"))
    assert expired.code == "token_invalid"


async def test_my_account_needs_a_known_confirmed_actor(registry: Registry) -> None:
    account_id, email = await registry.sign_up_and_confirm(initials="M.", surname="Mijzelf")
    mine = await registry.call(contracts.GetMyAccount(actor_account_id=account_id))
    assert (mine.email, mine.surname, mine.email_confirmed, mine.totp_enrolled) == (email, "Mijzelf", True, False)
    unknown = await rpc_error(registry, contracts.GetMyAccount(actor_account_id=uuid.uuid4()))
    assert (unknown.status, unknown.code) == (401, "actor_unknown")


async def test_abuse_finding_sign_up_mails_an_address_at_most_once_a_minute(registry: Registry) -> None:
    email = f"{uuid.uuid4().hex[:12]}@example.nl"
    for password in ("first password 1", "second password 2", "third password 3"):
        accepted = await registry.call(
            contracts.SignUp(email=email, password=password, initials="A.", surname="B", client_ip="198.51.100.20")
        )
        assert accepted == contracts.SignUpAccepted(email=email)  # the same answer every time
    mails = await registry.call(contracts.ListDevMail(limit=500))
    assert len([mail for mail in mails.messages if email in mail.to]) == 1
    # The throttled sign-ups changed nothing: the first link confirms the first password.
    token = await registry.token_mailed_to(email, "Bevestig")
    await registry.call(contracts.ConfirmEmail(token=token))
    assert (await registry.call(contracts.Login(email=email, password="first password 1"))).authenticated
    outcomes = await registry.rows(
        "SELECT result FROM audit_trail WHERE action = 'sign_up' AND subject LIKE 'account:%' "
        "AND client_ip = '198.51.100.20' ORDER BY entry_id"
    )
    assert [row.result for row in outcomes] == ["done", "refused", "refused"]

    registry.clock.advance(seconds=61)
    await registry.call(contracts.SignUp(email=email, password="fourth password 4", initials="A.", surname="B"))
    await registry.mail_to(email, "bestaat al")


async def test_abuse_finding_one_client_address_is_limited_across_sign_in_sign_up_reset_and_tokens(
    start_registry: RegistryFactory,
) -> None:
    registry = await start_registry(account_requests_per_window=4, account_request_window_seconds=300)
    _account_id, email = await registry.sign_up_and_confirm()  # no client address: not counted
    guesser = "203.0.113.66"
    await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip=guesser))
    await registry.call(contracts.RequestPasswordReset(email=email, client_ip=guesser))
    await registry.call(
        contracts.SignUp(email="x" + email, password="a long password", initials="A.", surname="B", client_ip=guesser)
    )
    await registry.call(contracts.IssueApiToken(email=email, password=PASSWORD, client_ip=guesser))
    limited = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD, client_ip=guesser))
    assert (limited.status, limited.code) == (429, "rate_limited") and limited.retry_after
    # Another address is not held up, and the limit is in the registry's database, shared by every gateway.
    assert (
        await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip="203.0.113.67"))
    ).authenticated
    registry.clock.advance(seconds=limited.retry_after + 300)
    assert (await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip=guesser))).authenticated


async def test_mails_a_person_asks_for_come_in_the_language_of_their_page_dutch_by_default(registry: Registry) -> None:
    dutch = f"nl.{uuid.uuid4().hex[:8]}@example.nl"
    english = f"en.{uuid.uuid4().hex[:8]}@example.nl"
    await registry.call(contracts.SignUp(email=dutch, password=PASSWORD, initials="N.", surname="Nederlands"))
    await registry.call(
        contracts.SignUp(email=english, password=PASSWORD, initials="E.", surname="English", language="en")
    )
    in_dutch = await registry.mail_to(dutch, "Bevestig uw e-mailadres")
    in_english = await registry.mail_to(english, "Confirm your e-mail address")
    assert "Beste N. Nederlands" in in_dutch.body and "Confirm" not in in_dutch.body
    assert "Dear E. English" in in_english.body and "Bevestig" not in in_english.body
    # The one-time token is in the link only: nothing to copy by hand, nothing 43 characters long beside it.
    for mail in (in_dutch, in_english):
        without_link = re.sub(r"https?://\S+", "", mail.body)
        assert not re.search(r"[A-Za-z0-9_-]{30,}", without_link), mail.body
