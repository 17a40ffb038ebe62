"""Signed actor assertions and declared access: the pure rules (the RPC round trips are in tests/security)."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lklr_shared.contracts import accreditation, audit, portfolio, registry, system
from lklr_shared.contracts.access import DENY
from lklr_shared.contracts.base import Request, all_contracts
from lklr_shared.kit.access import AccessRefused, authorize
from lklr_shared.kit.actor import (
    ANONYMOUS,
    DEV_PUBLIC_KEY,
    ActorSigner,
    ActorVerifier,
    AssertionRefused,
    account_claims,
    api_key_claims,
    dev_private_key,
    generate_key_pair,
    is_development_key,
    load_private_key,
    load_public_keys,
    operator,
)

MID = str(uuid.uuid4())
PERSON = uuid.uuid4()


def _signed(claims=ANONYMOUS, *, key=None, message_id=MID, valid=5.0) -> str:  # type: ignore[no-untyped-def]
    return ActorSigner(key or dev_private_key()).sign(claims, message_id=message_id, valid_seconds=valid)


def _verifier(clock: float | None = None) -> ActorVerifier:
    if clock is None:
        return ActorVerifier([dev_private_key().public_key()])
    return ActorVerifier([dev_private_key().public_key()], clock=lambda: clock)


def test_services_finding_a_signed_assertion_round_trips_its_claims() -> None:
    claims = account_claims(PERSON, {"professional", "office"}, second_factor=True)
    verified = _verifier().verify(_signed(claims), message_id=MID)
    assert (verified.kind, verified.account_id, verified.roles, verified.second_factor) == (
        "account",
        PERSON,
        frozenset({"professional", "office"}),
        True,
    )


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b.c", "x" * 5000])
def test_services_finding_a_missing_or_malformed_assertion_is_refused(token: object) -> None:
    with pytest.raises(AssertionRefused):
        _verifier().verify(token, message_id=MID)


def test_services_finding_an_assertion_signed_with_another_key_is_forged() -> None:
    forged = _signed(account_claims(PERSON, {"office"}, second_factor=True), key=Ed25519PrivateKey.generate())
    with pytest.raises(AssertionRefused) as refused:
        _verifier().verify(forged, message_id=MID)
    assert refused.value.code == "actor_assertion_invalid"


def test_services_finding_changed_claims_break_the_signature() -> None:
    body, signature = _signed(account_claims(PERSON, {"professional"}, second_factor=False)).split(".")
    other_body, _ = _signed(account_claims(PERSON, {"administrator"}, second_factor=True)).split(".")
    with pytest.raises(AssertionRefused):
        _verifier().verify(f"{other_body}.{signature}", message_id=MID)
    assert body != other_body


def test_services_finding_an_expired_assertion_is_refused() -> None:
    token = _signed(valid=5.0)
    with pytest.raises(AssertionRefused) as refused:
        _verifier(clock=10**12).verify(token, message_id=MID)
    assert refused.value.code == "actor_assertion_expired"


def test_services_finding_an_assertion_cannot_be_lifted_onto_another_request() -> None:
    with pytest.raises(AssertionRefused) as refused:
        _verifier().verify(_signed(), message_id=str(uuid.uuid4()))
    assert refused.value.code == "actor_assertion_misbound"


def test_services_finding_rotation_accepts_the_old_and_the_new_key() -> None:
    seed, public = generate_key_pair()
    verifier = ActorVerifier(load_public_keys(f"{DEV_PUBLIC_KEY},{public}"))
    assert verifier.verify(_signed(key=load_private_key(seed)), message_id=MID).kind == "anonymous"
    assert verifier.verify(_signed(), message_id=MID).kind == "anonymous"
    assert is_development_key(DEV_PUBLIC_KEY) and not is_development_key(public)


# --- declared access -------------------------------------------------------------------------------------------


def _refusal(claims, request) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessRefused) as refused:
        authorize(claims, request)
    return refused.value.status, refused.value.code


def test_services_finding_every_request_declares_who_may_send_it() -> None:
    undeclared = [
        contract.wire_name for contract in all_contracts() if issubclass(contract, Request) and contract.access == DENY
    ]
    assert undeclared == []


def test_services_finding_committee_decisions_need_the_committee_role() -> None:
    member = uuid.uuid4()
    decision = accreditation.RejectCourse(course_id=uuid.uuid4(), decided_by=f"account:{member}", reason="x")
    professional = account_claims(member, {"professional"}, second_factor=False)
    assert _refusal(professional, decision) == (403, "forbidden")
    authorize(account_claims(member, {"accreditation_committee"}, second_factor=True), decision)


def test_services_finding_nobody_decides_in_another_members_name() -> None:
    decision = accreditation.RejectCourse(course_id=uuid.uuid4(), decided_by=f"account:{uuid.uuid4()}", reason="x")
    member = account_claims(uuid.uuid4(), {"accreditation_committee"}, second_factor=True)
    assert _refusal(member, decision) == (403, "actor_mismatch")


def test_services_finding_anonymous_askers_must_sign_in() -> None:
    assert _refusal(ANONYMOUS, registry.GetMyAccount(actor_account_id=PERSON)) == (401, "sign_in_required")
    authorize(ANONYMOUS, registry.SearchRegister(q="Jansen", client_key="1.2.3.4"))


def test_services_finding_an_api_key_acts_only_for_its_own_provider() -> None:
    key = api_key_claims(uuid.uuid4(), uuid.uuid4())
    other = accreditation.ListProviderCourses(provider_id=uuid.uuid4())
    assert _refusal(key, other) == (403, "other_provider")
    authorize(key, accreditation.ListProviderCourses(provider_id=key.provider_id))
    assert _refusal(key, registry.GetMyAccount(actor_account_id=PERSON)) == (403, "forbidden")


def test_services_finding_reviewers_and_office_need_their_roles_in_the_portfolio() -> None:
    actor = portfolio.Actor(person_id=PERSON, role="reviewer")
    request = portfolio.GetDossier(person_id=uuid.uuid4(), actor=actor, cycle_id=uuid.uuid4())
    assert _refusal(account_claims(PERSON, {"professional"}, second_factor=False), request)[0] == 403
    authorize(account_claims(PERSON, {"assessment_committee"}, second_factor=True), request)


def test_services_finding_audit_and_security_log_check_roles() -> None:
    reviewer = uuid.uuid4()
    cases = audit.ListMyCases(reviewer_id=reviewer)
    assert _refusal(account_claims(reviewer, {"professional"}, second_factor=False), cases) == (403, "forbidden")
    log = system.ListSecurityEvents()
    assert _refusal(account_claims(reviewer, {"office"}, second_factor=True), log) == (403, "forbidden")


def test_operator_tools_act_as_whoever_the_request_names() -> None:
    decision = accreditation.RejectCourse(course_id=uuid.uuid4(), decided_by="committee:test", reason="x")
    authorize(operator(decision), decision)
    post = accreditation.PostAttendance.model_construct(provider_id=PERSON, posted_by=f"api-key:{uuid.uuid4()}")
    claims = operator(post)
    assert (claims.kind, claims.provider_id) == ("api_key", PERSON)


def test_services_finding_a_bare_account_id_names_its_account() -> None:
    me = uuid.uuid4()
    request = accreditation.FindProviderForAccount(account_id=str(me))
    authorize(account_claims(me, {"professional"}, second_factor=False), request)
    other = account_claims(uuid.uuid4(), {"professional"}, second_factor=False)
    assert _refusal(other, request) == (403, "actor_mismatch")
