"""Erasure in the audit (registry.PersonErasureRequested): the person's sampled activities, judgements and answers
go, the dossier stays anonymous (no person id, number or employer) so the public statistics still count it, the
security log has the erasure under its pseudonym only, and audit.PersonErased confirms it; a repeat changes
nothing and confirms again."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts import registry as registry_contracts
from tests.support.waiting import wait_for

from .conftest import AuditStarter

pytestmark = [pytest.mark.integration]


async def test_an_erased_persons_dossier_is_anonymised_and_still_counted(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        asked = case.activities[0]
        await audit.ask(case, asked.activity_id, reviewer_id, "Wie was erbij?")
        await audit.answer(case, asked.activity_id, event.person_id, "Mijn team.")
        before = await audit.call(contracts.GetAuditStatistics())

        erasure = registry_contracts.PersonErasureRequested(
            erasure_id=uuid.uuid4(),
            person_id=event.person_id,
            pseudonym="pseudonym:" + "ab" * 16,
            kinds=["audit_dossiers"],
            reason="retention_passed",
        )
        for _ in range(2):  # the second is a new request for the same person: nothing is left to erase
            await audit.publish(erasure.model_copy(update={"erasure_id": uuid.uuid4()}))
        confirmed = await wait_for(
            lambda: (found := audit.events.of(contracts.PersonErased)) and len(found) == 2 and found,
            message="two confirmations",
        )
        assert sorted(confirmation.rows > 0 for confirmation in confirmed) == [False, True]

        for table, column, value in (
            ("dossiers", "person_id", event.person_id),
            ("dossiers", "registration_number", event.registration_number),
            ("dossiers", "employer_id", event.employer_id),
        ):
            assert await audit.scalar(f"SELECT count(*) FROM {table} WHERE {column} = :v", v=value) == 0, column
        for table in ("case_activities", "judgements", "information_answers"):
            assert await audit.scalar(f"SELECT count(*) FROM {table} WHERE case_id = :c", c=case.case_id) == 0, table
        assert await audit.scalar("SELECT count(*) FROM dossiers WHERE dossier_id = :d", d=event.dossier_id) == 1
        assert await audit.call(contracts.GetAuditStatistics()) == before
        logged = await audit.rows("SELECT actor, object, detail FROM kit_security_log WHERE action = 'person.erased'")
        assert [row.object for row in logged] == [erasure.pseudonym, erasure.pseudonym]
        assert all(str(event.person_id) not in str(row.detail) for row in logged)
