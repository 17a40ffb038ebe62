"""Staff account administration (FindAccount, SetAccountRoles), staff power only with the second factor, and TOTP
enrolment from the link the administrator's role change mails (StartSecondFactorEnrolment, ConfirmTotpEnrollment)."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.db import make_engine
from registry.adapters.security import TotpVerifier

from .conftest import PASSWORD, Registry, RegistryFactory, rpc_error, wait_until

pytestmark = pytest.mark.integration


def _detail(value: object) -> dict[str, str]:
    return value if isinstance(value, dict) else json.loads(str(value))


# --- Roles -----------------------------------------------------------------------------------------------------


async def test_an_administrator_sets_staff_roles_keeping_the_professional_role_and_the_change_is_audited(
    registry: Registry,
) -> None:
    admin, _admin_email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm(surname="Nieuwkomer")

    found = await registry.call(contracts.FindAccount(actor_account_id=admin, email=f"  {email.upper()} "))
    assert (found.account_id, found.account_roles, found.totp_enrolled) == (person, ["professional"], False)

    view = await registry.call(
        contracts.SetAccountRoles(
            actor_account_id=admin,
            account_id=person,
            roles=["assessment_committee", "accreditation_committee"],
            client_ip="203.0.113.9",
        )
    )
    assert view.account_roles == ["professional", "accreditation_committee", "assessment_committee"]
    assert not view.totp_enrolled  # enrolment pending: a link to enrol a second factor was mailed

    listed = await registry.call(contracts.ListStaffAccounts(actor_account_id=admin, role="assessment_committee"))
    (member,) = [account for account in listed.accounts if account.account_id == person]
    assert member.totp_enrolled is False

    taken_back = await registry.call(
        contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["accreditation_committee"])
    )
    assert taken_back.account_roles == ["professional", "accreditation_committee"]

    audited = await registry.rows(
        "SELECT actor_account_id, person_id, result, client_ip, detail, at FROM audit_trail "
        "WHERE action = 'set_account_roles' AND subject = :subject ORDER BY entry_id",
        subject=f"account:{person}",
    )
    assert [(row.actor_account_id, row.person_id, row.result) for row in audited] == [(admin, person, "done")] * 2
    assert audited[0].client_ip == "203.0.113.9" and audited[0].at is not None
    assert _detail(audited[0].detail) == {
        "before": "professional",
        "after": "professional,accreditation_committee,assessment_committee",
        "sessions_ended": "0",
        "enrolment_link_mailed": "yes",
    }
    assert _detail(audited[1].detail)["after"] == "professional,accreditation_committee"


async def test_only_an_administrator_finds_accounts_and_sets_roles_and_refusals_are_audited(
    registry: Registry,
) -> None:
    office, _email, _secret = await registry.staff("office")
    admin, _admin_email, _admin_secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm()

    refused = await rpc_error(
        registry, contracts.SetAccountRoles(actor_account_id=office, account_id=person, roles=["office"])
    )
    assert (refused.status, refused.code) == (403, "forbidden")
    self_promotion = await rpc_error(
        registry, contracts.SetAccountRoles(actor_account_id=person, account_id=person, roles=["administrator"])
    )
    assert (self_promotion.status, self_promotion.code) == (403, "forbidden")
    not_found_for_office = await rpc_error(registry, contracts.FindAccount(actor_account_id=office, email=email))
    assert (not_found_for_office.status, not_found_for_office.code) == (403, "forbidden")
    audited = await registry.rows(
        "SELECT actor_account_id, result FROM audit_trail WHERE action = 'set_account_roles' "
        "AND subject = :subject ORDER BY entry_id",
        subject=f"account:{person}",
    )
    assert [(row.actor_account_id, row.result) for row in audited] == [(office, "refused"), (person, "refused")]

    for roles in (["professional"], ["superuser"], ["office", "root"]):
        unknown = await rpc_error(
            registry, contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=roles)
        )
        assert (unknown.status, unknown.code) == (422, "unknown_role"), roles
    missing = await rpc_error(
        registry, contracts.SetAccountRoles(actor_account_id=admin, account_id=uuid.uuid4(), roles=["office"])
    )
    assert (missing.status, missing.code) == (404, "account_not_found")
    no_such_address = await rpc_error(
        registry, contracts.FindAccount(actor_account_id=admin, email="niemand-hier@example.nl")
    )
    assert (no_such_address.status, no_such_address.code) == (404, "account_not_found")
    mine = await registry.call(contracts.GetMyAccount(actor_account_id=person))
    assert mine.account_roles == ["professional"]  # nothing changed

    admin_list = await registry.call(contracts.ListStaffAccounts(actor_account_id=admin))
    assert {office, admin} <= {account.account_id for account in admin_list.accounts}


async def test_the_last_administrator_cannot_lose_the_role(start_registry: RegistryFactory) -> None:
    registry = await start_registry()
    first, _email, _secret = await registry.staff("administrator")

    alone = await rpc_error(
        registry, contracts.SetAccountRoles(actor_account_id=first, account_id=first, roles=["office"])
    )
    assert (alone.status, alone.code) == (409, "last_administrator")
    still = await registry.call(contracts.GetMyAccount(actor_account_id=first))
    assert still.account_roles == ["administrator"]

    second, _email2 = await registry.sign_up_and_confirm()
    await registry.call(contracts.SetAccountRoles(actor_account_id=first, account_id=second, roles=["administrator"]))
    handed_over = await registry.call(
        contracts.SetAccountRoles(actor_account_id=first, account_id=first, roles=["office"])
    )
    assert handed_over.account_roles == ["office"]
    last = await rpc_error(registry, contracts.SetAccountRoles(actor_account_id=second, account_id=second, roles=[]))
    assert (last.status, last.code) == (409, "last_administrator")
    results = await registry.rows(
        "SELECT result, detail FROM audit_trail WHERE action = 'set_account_roles' ORDER BY entry_id"
    )
    assert [row.result for row in results] == ["refused", "done", "done", "refused"]
    assert _detail(results[0].detail) == {"reason": "last_administrator"}


# --- Staff power needs the second factor ------------------------------------------------------------------------


async def _new_committee_member(registry: Registry) -> tuple[uuid.UUID, str]:
    admin, _email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm(surname="Commissielid")
    await registry.call(
        contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["assessment_committee"])
    )
    return person, email


async def _enrolment_link_token(registry: Registry, email: str) -> str:
    """The token of the newest enrolment link mailed to ``email``."""
    mail = await registry.mail_to(email, "tweede stap")
    found = re.search(r"/account/tweede-stap\?token=(\S+)", mail.body)
    assert found, mail.body
    return unquote(found.group(1))


async def _enrol(registry: Registry, email: str) -> tuple[contracts.LoginResult, str]:
    """Enrol ``email``'s second factor from its mailed link; returns the signed-in result and the secret."""
    started = await registry.call(
        contracts.StartSecondFactorEnrolment(token=await _enrolment_link_token(registry, email), password=PASSWORD)
    )
    assert started.totp_secret and started.enrollment_token
    done = await registry.call(
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token, totp_code=registry.totp_code(started.totp_secret)
        )
    )
    return done, started.totp_secret


async def test_staff_finding_a_role_given_while_signed_in_ends_the_password_only_session_and_token(
    registry: Registry,
) -> None:
    admin, _email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm()
    session = await registry.call(contracts.Login(email=email, password=PASSWORD))
    token = await registry.call(contracts.IssueApiToken(email=email, password=PASSWORD))
    assert session.session_token and not session.second_factor

    await registry.call(contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["office"]))

    # Before, both went on working with the office role at once, without a TOTP code ever being asked.
    ended = await rpc_error(registry, contracts.ValidateSession(session_token=session.session_token))
    assert (ended.status, ended.code) == (401, "session_invalid")
    revoked = await rpc_error(registry, contracts.VerifyApiToken(token=token.token))
    assert (revoked.status, revoked.code) == (401, "session_invalid")
    audited = await registry.rows(
        "SELECT detail FROM audit_trail WHERE action = 'set_account_roles' AND person_id = :person", person=person
    )
    assert _detail(audited[0].detail)["sessions_ended"] == "2"


async def test_staff_finding_a_password_only_sign_in_of_a_staff_account_carries_no_staff_role(
    registry: Registry,
) -> None:
    person, email = await _new_committee_member(registry)

    signed_in = await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip="192.0.2.4"))
    # Before, this sign-in handed out a fresh TOTP secret to whoever knew the password.
    assert signed_in.authenticated and signed_in.session_token
    assert not signed_in.totp_enrollment_required and signed_in.totp_secret is None
    assert signed_in.account_roles == ["professional"]
    assert signed_in.second_factor_pending and not signed_in.second_factor
    session = await registry.call(contracts.ValidateSession(session_token=signed_in.session_token))
    assert (session.account_id, session.account_roles) == (person, ["professional"])
    assert session.second_factor_pending and not session.second_factor
    # The API path alike (before: refused outright, so no way to use the professional part either).
    token = await registry.call(contracts.IssueApiToken(email=email, password=PASSWORD))
    assert token.account_roles == ["professional"] and not token.second_factor
    via_token = await registry.call(contracts.VerifyApiToken(token=token.token))
    assert via_token.account_roles == ["professional"]
    pending = await registry.rows("SELECT account_id FROM totp_enrollments WHERE account_id = :person", person=person)
    assert pending == []


async def test_staff_finding_a_session_with_the_code_carries_the_staff_roles(registry: Registry) -> None:
    _office, email, secret = await registry.staff("office")
    needs_code = await registry.call(contracts.Login(email=email, password=PASSWORD))
    assert needs_code.totp_required and not needs_code.authenticated
    signed_in = await registry.call(
        contracts.Login(email=email, password=PASSWORD, totp_code=registry.totp_code(secret))
    )
    assert signed_in.second_factor and not signed_in.second_factor_pending
    assert signed_in.session_token
    session = await registry.call(contracts.ValidateSession(session_token=signed_in.session_token))
    assert session.account_roles == ["office"] and session.second_factor
    token = await registry.call(
        contracts.IssueApiToken(email=email, password=PASSWORD, totp_code=registry.totp_code(secret))
    )
    assert token.account_roles == ["office"] and token.second_factor


async def test_staff_finding_enrolment_starts_from_the_mailed_link_and_the_password_then_staff_roles_count(
    registry: Registry,
) -> None:
    person, email = await _new_committee_member(registry)
    link = await _enrolment_link_token(registry, email)

    wrong_password = await rpc_error(
        registry, contracts.StartSecondFactorEnrolment(token=link, password="not-the-password", client_ip="192.0.2.4")
    )
    assert (wrong_password.status, wrong_password.code) == (401, "invalid_credentials")
    no_link = await rpc_error(registry, contracts.StartSecondFactorEnrolment(token="made-up", password=PASSWORD))
    assert (no_link.status, no_link.code) == (400, "token_invalid")

    started = await registry.call(
        contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD, client_ip="192.0.2.4")
    )
    assert started.totp_enrollment_required and not started.authenticated and started.session_token is None
    assert started.totp_secret and started.enrollment_token and started.enrollment_expires_at
    assert (
        started.totp_uri and started.totp_uri.startswith("otpauth://totp/") and started.totp_secret in started.totp_uri
    )
    assert started.email == email

    wrong = await rpc_error(
        registry, contracts.ConfirmTotpEnrollment(enrollment_token=started.enrollment_token, totp_code="000000")
    )
    assert (wrong.status, wrong.code) == (401, "invalid_totp")

    code = registry.totp_code(started.totp_secret)
    done = await registry.call(
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token, totp_code=code, client_ip="192.0.2.4"
        )
    )
    assert done.authenticated and done.session_token and done.account_id == person
    assert done.account_roles == ["professional", "assessment_committee"] and done.second_factor
    assert done.totp_secret is None and done.enrollment_token is None  # the secret is not handed out again
    session = await registry.call(contracts.ValidateSession(session_token=done.session_token))
    assert session.account_id == person and session.account_roles == ["professional", "assessment_committee"]

    again = await rpc_error(
        registry,
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token, totp_code=registry.totp_code(started.totp_secret)
        ),
    )
    assert (again.status, again.code) == (400, "token_invalid")
    link_spent = await rpc_error(registry, contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD))
    assert (link_spent.status, link_spent.code) == (400, "token_invalid")
    replayed = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD, totp_code=code))
    assert replayed.code == "invalid_totp"  # the enrolment code's step counts as used

    # From now on a normal staff sign-in, with the enrolled secret.
    plain = await registry.call(contracts.Login(email=email, password=PASSWORD))
    assert plain.totp_required and not plain.totp_enrollment_required and plain.totp_secret is None
    signed_in = await registry.call(
        contracts.Login(email=email, password=PASSWORD, totp_code=registry.totp_code(started.totp_secret))
    )
    assert signed_in.authenticated and signed_in.second_factor

    rows = await registry.rows(
        "SELECT result, channel FROM login_attempts WHERE account_id = :person ORDER BY attempt_id", person=person
    )
    assert [(row.channel, row.result) for row in rows] == [
        ("totp_enrollment", "wrong_password"),
        ("totp_enrollment", "succeeded"),
        ("totp_enrollment", "invalid_totp"),
        ("totp_enrollment", "succeeded"),
        ("web", "invalid_totp"),
        ("web", "totp_required"),
        ("web", "succeeded"),
    ]
    enrolled = await registry.rows(
        "SELECT actor_account_id, result FROM audit_trail WHERE action = 'enroll_totp' AND person_id = :person",
        person=person,
    )
    assert [(row.actor_account_id, row.result) for row in enrolled] == [(person, "done")]
    # The secret is in no log.
    logged = await registry.rows(
        "SELECT CAST(detail AS TEXT) AS detail, subject FROM audit_trail WHERE person_id = :person", person=person
    )
    assert all(started.totp_secret not in row.detail + row.subject for row in logged)
    pending = await registry.rows("SELECT account_id FROM totp_enrollments WHERE account_id = :person", person=person)
    assert pending == []


async def test_a_pending_secret_is_not_usable_before_confirmation_and_the_link_fetches_a_fresh_one(
    registry: Registry,
) -> None:
    _person, email = await _new_committee_member(registry)
    link = await _enrolment_link_token(registry, email)
    first = await registry.call(contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD))
    assert first.totp_secret and first.enrollment_token

    # A code from the pending secret does not make a staff sign-in: the account has no active secret yet.
    plain = await registry.call(
        contracts.Login(email=email, password=PASSWORD, totp_code=registry.totp_code(first.totp_secret))
    )
    assert plain.authenticated and plain.account_roles == ["professional"] and not plain.second_factor
    api = await registry.call(
        contracts.IssueApiToken(email=email, password=PASSWORD, totp_code=registry.totp_code(first.totp_secret))
    )
    assert api.account_roles == ["professional"]

    # The link, not yet spent, starts again: a fresh secret replaces the unconfirmed one.
    second = await registry.call(contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD))
    assert second.totp_secret and second.totp_secret != first.totp_secret
    assert second.enrollment_token and second.enrollment_token != first.enrollment_token
    replaced = await rpc_error(
        registry,
        contracts.ConfirmTotpEnrollment(
            enrollment_token=first.enrollment_token, totp_code=registry.totp_code(first.totp_secret)
        ),
    )
    assert (replaced.status, replaced.code) == (400, "token_invalid")
    registry.clock.advance(minutes=11)
    expired = await rpc_error(
        registry,
        contracts.ConfirmTotpEnrollment(
            enrollment_token=second.enrollment_token, totp_code=registry.totp_code(second.totp_secret)
        ),
    )
    assert (expired.status, expired.code) == (400, "token_invalid")
    mine = await registry.rows("SELECT totp_secret FROM accounts WHERE email = :email", email=email)
    assert [row.totp_secret for row in mine] == [None]


async def test_an_expired_or_replaced_enrolment_link_is_refused_and_saving_the_roles_again_mails_a_new_one(
    registry: Registry,
) -> None:
    admin, _email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm(surname="Commissielid")
    await registry.call(contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["office"]))
    first = await _enrolment_link_token(registry, email)
    registry.clock.advance(minutes=2)
    await registry.call(contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["office"]))
    tokens: list[str] = []

    async def a_new_link_arrived() -> bool:
        tokens.append(await _enrolment_link_token(registry, email))
        return tokens[-1] != first

    await wait_until(a_new_link_arrived, message="a second enrolment link")
    second = tokens[-1]
    replaced = await rpc_error(registry, contracts.StartSecondFactorEnrolment(token=first, password=PASSWORD))
    assert (replaced.status, replaced.code) == (400, "token_invalid")
    registry.clock.advance(hours=73)
    expired = await rpc_error(registry, contracts.StartSecondFactorEnrolment(token=second, password=PASSWORD))
    assert (expired.status, expired.code) == (400, "token_invalid")


async def test_wrong_enrollment_codes_count_towards_the_sign_in_lockout(registry: Registry) -> None:
    _person, email = await _new_committee_member(registry)
    started = await registry.call(
        contracts.StartSecondFactorEnrolment(token=await _enrolment_link_token(registry, email), password=PASSWORD)
    )
    assert started.enrollment_token and started.totp_secret
    for _ in range(5):
        wrong = await rpc_error(
            registry, contracts.ConfirmTotpEnrollment(enrollment_token=started.enrollment_token, totp_code="123 456")
        )
        assert wrong.code in {"invalid_totp"}
    locked = await rpc_error(
        registry,
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token, totp_code=registry.totp_code(started.totp_secret)
        ),
    )
    assert (locked.status, locked.code) == (429, "too_many_attempts")
    also_login = await rpc_error(registry, contracts.Login(email=email, password=PASSWORD))
    assert also_login.code == "too_many_attempts"


async def test_a_professional_without_staff_roles_gets_no_enrolment_link(registry: Registry) -> None:
    person, email = await registry.sign_up_and_confirm()
    signed_in = await registry.call(contracts.Login(email=email, password=PASSWORD))
    assert signed_in.authenticated and not signed_in.totp_enrollment_required and signed_in.totp_secret is None
    assert not signed_in.second_factor_pending
    mails = await registry.call(contracts.ListDevMail(limit=500))
    assert not [mail for mail in mails.messages if email in mail.to and "tweede stap" in mail.subject]
    pending = await registry.rows("SELECT account_id FROM totp_enrollments WHERE account_id = :person", person=person)
    assert pending == []


async def test_a_staff_account_that_loses_its_roles_before_confirming_cannot_enrol(registry: Registry) -> None:
    admin, _email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm()
    await registry.call(contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["office"]))
    link = await _enrolment_link_token(registry, email)
    started = await registry.call(contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD))
    assert started.enrollment_token and started.totp_secret
    await registry.call(contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=[]))
    refused = await rpc_error(
        registry,
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token,
            totp_code=TotpVerifier.code_at(started.totp_secret, registry.clock()),
        ),
    )
    assert (refused.status, refused.code) == (400, "token_invalid")
    no_longer_staff = await rpc_error(registry, contracts.StartSecondFactorEnrolment(token=link, password=PASSWORD))
    assert (no_longer_staff.status, no_longer_staff.code) == (400, "token_invalid")


# --- Secrets at rest -------------------------------------------------------------------------------------------


async def test_secrets_finding_totp_secrets_are_stored_sealed_never_in_plain_text(registry: Registry) -> None:
    _office, office_email, office_secret = await registry.staff("office")
    person, email = await _new_committee_member(registry)
    started = await registry.call(
        contracts.StartSecondFactorEnrolment(token=await _enrolment_link_token(registry, email), password=PASSWORD)
    )
    assert started.totp_secret and started.enrollment_token
    (pending,) = await registry.rows("SELECT secret FROM totp_enrollments WHERE account_id = :person", person=person)
    assert pending.secret.startswith("fernet:") and started.totp_secret not in pending.secret
    await registry.call(
        contracts.ConfirmTotpEnrollment(
            enrollment_token=started.enrollment_token, totp_code=registry.totp_code(started.totp_secret)
        )
    )
    stored = await registry.rows(
        "SELECT email, totp_secret FROM accounts WHERE email IN (:one, :two)", one=office_email, two=email
    )
    plain = {office_email: office_secret, email: started.totp_secret}
    for row in stored:
        assert row.totp_secret.startswith("fernet:") and plain[row.email] not in row.totp_secret
    # And they still work.
    signed_in = await registry.call(
        contracts.Login(email=office_email, password=PASSWORD, totp_code=registry.totp_code(office_secret))
    )
    assert signed_in.second_factor


async def test_secrets_finding_a_secret_stored_in_plain_text_before_sealing_still_works_and_is_sealed_at_start(
    registry: Registry,
) -> None:
    from registry.adapters.secret_box import SecretBox, seal_plain_totp_secrets

    _office, email, secret = await registry.staff("office")
    engine = make_engine(registry.database_url)
    async with engine.begin() as connection:  # as the row was written before sealing existed
        await connection.execute(
            sa.text("UPDATE accounts SET totp_secret = :plain WHERE email = :email"), {"plain": secret, "email": email}
        )
    await engine.dispose()
    signed_in = await registry.call(
        contracts.Login(email=email, password=PASSWORD, totp_code=registry.totp_code(secret))
    )
    assert signed_in.second_factor
    sealed = await seal_plain_totp_secrets(registry.runtime.session_factory, SecretBox.from_setting(""))
    assert sealed >= 1
    (row,) = await registry.rows("SELECT totp_secret FROM accounts WHERE email = :email", email=email)
    assert row.totp_secret.startswith("fernet:")
    assert await seal_plain_totp_secrets(registry.runtime.session_factory, SecretBox.from_setting("")) == 0


# --- Security event log ----------------------------------------------------------------------------------------


async def test_security_log_finding_sign_ins_lockouts_and_role_changes_are_in_the_registrys_log(
    registry: Registry,
) -> None:
    from sqlalchemy.exc import DBAPIError

    from lklr_shared.contracts.system import ListSecurityEvents

    admin, _email, _secret = await registry.staff("administrator")
    person, email = await registry.sign_up_and_confirm()
    await rpc_error(registry, contracts.Login(email=email, password="wrong password!", client_ip="198.51.100.9"))
    await registry.call(contracts.Login(email=email, password=PASSWORD, client_ip="198.51.100.9"))
    await registry.call(
        contracts.SetAccountRoles(actor_account_id=admin, account_id=person, roles=["office"], client_ip="192.0.2.1")
    )
    sign_ins = await registry.call(ListSecurityEvents(action="sign_in"))
    mine = [e for e in sign_ins.events if e.object == f"email:{email}"]
    assert [(e.result, e.origin, e.actor) for e in mine] == [
        ("succeeded", "198.51.100.9", f"account:{person}"),
        ("wrong_password", "198.51.100.9", f"account:{person}"),
    ]
    roles = await registry.call(ListSecurityEvents(action="set_account_roles"))
    (change,) = [e for e in roles.events if e.object == f"account:{person}"]
    assert (change.actor, change.result, change.origin) == (f"account:{admin}", "done", "192.0.2.1")
    assert change.detail["after"] == "professional,office"
    everything = await registry.call(ListSecurityEvents(limit=1000))
    assert {"sign_in", "set_account_roles", "sign_up"} <= {e.action for e in everything.events}
    assert [e.at for e in everything.events] == sorted((e.at for e in everything.events), reverse=True)

    engine = make_engine(registry.database_url)
    try:
        # Refused without the log-erasure flag; an UPDATE is refused with it too (only erasure and retention set
        # it, and they only delete).
        for flag, statement in (
            (False, "UPDATE audit_trail SET result = 'done'"),
            (False, "DELETE FROM login_attempts"),
            (False, "DELETE FROM audit_trail"),
            (True, "UPDATE login_attempts SET email = 'someone@example.nl'"),
            (True, "UPDATE audit_trail SET result = 'done'"),
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    if flag:
                        await connection.execute(sa.text("SET LOCAL lklr.log_erasure = 'on'"))
                    await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()
