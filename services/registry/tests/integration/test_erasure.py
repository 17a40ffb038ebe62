"""Erasure on request: an account without a registration is erased (the rows go, its sign-in log and audit trail
rows too, the event goes out, the log keeps a pseudonymous line); a person with a running registration is refused
with the reason. The data download says what is kept and until when. The job prunes the logs after their
retention."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError

from .conftest import PASSWORD, Registry, RegistryFactory, rpc_error, wait_until

pytestmark = pytest.mark.integration


async def test_an_account_without_registration_is_erased_on_request(registry: Registry) -> None:
    surname = f"Vergeet{uuid.uuid4().hex[:8]}"
    account_id, email = await registry.sign_up_and_confirm(
        initials="Q.", surname=surname, email=f"q.{surname.lower()}@example.nl"
    )
    await rpc_error(registry, contracts.Login(email=email.upper(), password="not the password"))
    await registry.call(contracts.Login(email=email, password=PASSWORD))
    signed_in = "SELECT 1 FROM login_attempts WHERE account_id = :id OR email ILIKE :surname"
    assert len(await registry.rows(signed_in, id=account_id, surname=f"%{surname}%")) == 2

    unconfirmed = await rpc_error(registry, contracts.EraseMyAccount(actor_account_id=account_id))
    assert (unconfirmed.status, unconfirmed.code) == (422, "erasure_not_confirmed")

    started = await registry.call(contracts.EraseMyAccount(actor_account_id=account_id, confirm=True))
    assert isinstance(started, contracts.AccountErasureStarted)
    assert started.pseudonym.startswith("pseudonym:") and str(account_id) not in started.pseudonym

    for table, column in (("people", "person_id"), ("accounts", "account_id"), ("access_tokens", "account_id")):
        assert await registry.rows(f"SELECT 1 FROM {table} WHERE {column} = :id", id=account_id) == [], table
    assert await registry.rows("SELECT 1 FROM people WHERE surname = :s", s=surname) == []
    # The append-only logs lose the person's rows too: the sign-in log by account id and by the address typed, the
    # audit trail every line naming them (as actor, as person, or in its subject).
    assert await registry.rows(signed_in, id=account_id, surname=f"%{surname}%") == []
    named = await registry.rows(
        "SELECT action FROM audit_trail WHERE person_id = :id OR actor_account_id = :id "
        "OR subject ILIKE :surname OR subject LIKE :account",
        id=account_id,
        surname=f"%{surname}%",
        account=f"%{account_id}%",
    )
    assert named == []
    with pytest.raises(RpcError) as refused:
        await registry.call(contracts.Login(email=email, password=PASSWORD))
    assert refused.value.code == "invalid_credentials"

    # The security log: one line under the pseudonym, naming neither the person id nor the name.
    lines = await registry.rows(
        "SELECT actor_account_id, person_id, detail FROM audit_trail WHERE subject = :p AND action = 'erase_person'",
        p=started.pseudonym,
    )
    assert len(lines) == 1 and lines[0].actor_account_id is None and lines[0].person_id is None
    assert surname not in str(lines[0].detail) and str(account_id) not in str(lines[0].detail)

    def requested() -> list[contracts.PersonErasureRequested]:
        return [
            contracts.PersonErasureRequested.model_validate(envelope.payload)
            for envelope in registry.events
            if envelope.type == contracts.PersonErasureRequested.wire_name
            and envelope.payload["erasure_id"] == str(started.erasure_id)
        ]

    async def published() -> bool:
        return bool(requested())

    await wait_until(published, message="PersonErasureRequested")
    event = requested()[0]
    assert (event.person_id, event.reason, event.pseudonym) == (account_id, "on_request", started.pseudonym)
    assert {"account", "registration", "portfolio", "attendance", "audit_dossiers"} <= set(event.kinds)


async def test_a_running_registration_is_not_erased_on_request_and_the_download_says_why(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, _email, _number = await registry.registered_professional(office)
    refused = await rpc_error(registry, contracts.EraseMyAccount(actor_account_id=account_id, confirm=True))
    assert (refused.status, refused.code) == (409, "erasure_refused")
    assert [problem.code for problem in refused.problems] == ["registration_running"]
    assert "running registration" in refused.message
    assert await registry.rows("SELECT 1 FROM accounts WHERE account_id = :id", id=account_id) != []

    export = await registry.call(contracts.ExportMyData(actor_account_id=account_id))
    kept = {entry.data_kind: entry for entry in export.retention}
    assert set(kept) == {"registration", "portfolio", "audit_dossiers", "attendance", "logs"}
    assert all(entry.kept_until is None for entry in kept.values())  # the period starts when it ends
    assert kept["registration"].legal_ground == "archiefwet_decisions"

    pending, _ = await registry.sign_up_and_confirm()
    await registry.apply(pending)
    waiting = await rpc_error(registry, contracts.EraseMyAccount(actor_account_id=pending, confirm=True))
    assert [problem.code for problem in waiting.problems] == ["application_pending"]


async def test_a_sign_up_never_confirmed_is_erased_by_the_job_after_the_account_period(
    start_registry: RegistryFactory,
) -> None:
    registry = await start_registry(retention_account_days=30)
    unconfirmed = f"{uuid.uuid4().hex[:12]}@example.nl"
    await registry.call(contracts.SignUp(email=unconfirmed, password=PASSWORD, initials="O.", surname="Onbevestigd"))
    _confirmed_id, confirmed = await registry.sign_up_and_confirm()
    jobs = contracts.RunScheduledJobs()
    assert (await registry.call(jobs)).erasures == 0

    registry.clock.advance(days=31)
    assert (await registry.call(jobs)).erasures == 1
    assert await registry.rows("SELECT 1 FROM accounts WHERE email = :e", e=unconfirmed) == []
    # A confirmed account without registration stays until its owner erases it (it may be a provider's contact).
    assert await registry.rows("SELECT 1 FROM accounts WHERE email = :e", e=confirmed) != []
    lines = await registry.rows("SELECT detail FROM audit_trail WHERE action = 'erase_person'")
    assert [line.detail["reason"] for line in lines] == ["retention_passed"]


async def test_the_job_prunes_the_sign_in_log_and_audit_trail_after_the_logs_retention(
    start_registry: RegistryFactory,
) -> None:
    registry = await start_registry(retention_logs_days=30)
    _account_id, email = await registry.sign_up_and_confirm()
    await registry.call(contracts.Login(email=email, password=PASSWORD))
    erased_id, _erased_email = await registry.sign_up_and_confirm()
    await registry.call(contracts.EraseMyAccount(actor_account_id=erased_id, confirm=True))
    jobs = contracts.RunScheduledJobs()
    assert (await registry.call(jobs)).log_rows_pruned == 0
    old_attempts = len(await registry.rows("SELECT 1 FROM login_attempts"))
    old_trail = len(await registry.rows("SELECT 1 FROM audit_trail WHERE action <> 'erase_person'"))
    assert old_attempts == 1 and old_trail > 1

    registry.clock.advance(days=31)
    await registry.call(contracts.Login(email=email, password=PASSWORD))
    report = await registry.call(jobs)
    assert report.log_rows_pruned == old_attempts + old_trail
    # The sign-in inside the period stays; the erasure's pseudonymous line outlives the period.
    assert len(await registry.rows("SELECT 1 FROM login_attempts WHERE email = :e", e=email)) == 1
    assert [row.action for row in await registry.rows("SELECT action FROM audit_trail")] == ["erase_person"]
