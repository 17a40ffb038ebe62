"""The audit announces who may read which evidence (EvidenceAccessGranted): the portfolio enforces it."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import audit as contracts
from tests.support.waiting import wait_for

from .conftest import AuditStarter, dossier

pytestmark = [pytest.mark.integration]


async def test_assigning_a_case_and_answering_with_files_grant_the_reviewer_access(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        # No reviewer yet: the case waits, and nobody is granted anything.
        event = dossier(applied_on=audit.today)
        await audit.publish(event)
        await wait_for(
            lambda: audit.scalar("SELECT count(*) FROM review_cases WHERE dossier_id = :d", d=event.dossier_id),
            message="the case",
        )
        assert not audit.events.of(contracts.EvidenceAccessGranted)
        reviewer_id = await audit.reviewer("gemeente-x")
        (granted,) = await wait_for(lambda: audit.events.of(contracts.EvidenceAccessGranted), message="the grant")
        case = await audit.case_of(event.dossier_id)
        assert (granted.case_id, granted.dossier_id, granted.person_id, granted.reviewer_id) == (
            case.case_id,
            event.dossier_id,
            event.person_id,
            reviewer_id,
        )
        assert set(granted.activity_ids) == {a.activity_id for a in case.activities}
        assert granted.evidence_ids == []

        # A second dossier is assigned at once when it is sampled: granted in the same transaction.
        second = dossier(applied_on=audit.today)
        await audit.publish(second)
        await wait_for(
            lambda: audit.events.of(contracts.EvidenceAccessGranted, lambda e: e.dossier_id == second.dossier_id),
            message="the second grant",
        )

        asked = case.activities[0]
        await audit.ask(case, asked.activity_id, reviewer_id, "Stuur de publicatie mee.")
        await audit.answer(case, asked.activity_id, event.person_id, "Alleen tekst.")
        await audit.ask(case, asked.activity_id, reviewer_id, "En de publicatie zelf?")
        file_id = uuid.uuid4()
        await audit.answer(case, asked.activity_id, event.person_id, "Zie bijlage.", evidence_ids=[file_id])
        (answer_grant,) = await wait_for(
            lambda: audit.events.of(contracts.EvidenceAccessGranted, lambda e: bool(e.evidence_ids)),
            message="the answer's grant",
        )
    assert (answer_grant.case_id, answer_grant.reviewer_id, answer_grant.evidence_ids) == (
        case.case_id,
        reviewer_id,
        [file_id],
    )
    assert answer_grant.activity_ids == []
