"""Erasure in the audit (registry.PersonErasureRequested): the person's sampled activities, judgements and answers
go, the dossier stays anonymous (no person id, number or employer) so the public statistics still count it, the
security log has the erasure under its pseudonym only, and audit.PersonErased confirms it; a repeat changes
nothing and confirms again."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts import registry as registry_contracts

from .conftest import AuditStarter, dossier, wait_for

pytestmark = [pytest.mark.integration]


async def test_an_erased_persons_dossier_is_anonymised_and_still_counted(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event = dossier(applied_on=audit.today)
        await audit.publish(event)
        await wait_for(
            lambda: audit.scalar(
                "SELECT count(*) FROM review_cases WHERE dossier_id = :d AND status = 'open'", d=event.dossier_id
            ),
            message="the case to be assigned",
        )
        case = await audit.case_of(event.dossier_id)
        reviewer_id = (await audit.rows("SELECT reviewer_id FROM review_cases WHERE case_id = :c", c=case.case_id))[0][
            0
        ]
        asked = case.activities[0]
        await audit.call(
            contracts.JudgeActivity(
                case_id=case.case_id,
                activity_id=asked.activity_id,
                reviewer_id=reviewer_id,
                verdict="more_information_needed",
                reason="Wie was erbij?",
            )
        )
        await audit.call(
            contracts.AnswerInformationRequest(
                case_id=case.case_id, activity_id=asked.activity_id, person_id=event.person_id, text="Mijn team."
            )
        )
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
