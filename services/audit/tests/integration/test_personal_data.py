"""A person's own data download from the audit: their dossiers with the sampling decision, the judgements of their
sampled activities (without who judged) and their answers; nothing about anyone else."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import audit as contracts

from .conftest import AuditStarter

pytestmark = [pytest.mark.integration]


async def test_the_export_holds_the_persons_dossier_judgements_and_answers(start_audit: AuditStarter) -> None:
    async with start_audit(share="1.0") as audit:
        await audit.reviewer("gemeente-x")
        event, case, reviewer_id = await audit.sampled_case()
        asked, approved = case.activities[0], case.activities[1]
        await audit.ask(case, asked.activity_id, reviewer_id, "Welke collega's waren erbij?")
        await audit.call(
            contracts.JudgeActivity(
                case_id=case.case_id,
                activity_id=approved.activity_id,
                reviewer_id=reviewer_id,
                verdict="approved",
                reason="",
            )
        )
        await audit.answer(case, asked.activity_id, event.person_id, "Het team leerplicht van de regio.")
        export = await audit.call(contracts.ExportPersonData(person_id=event.person_id))
        nobody = await audit.call(contracts.ExportPersonData(person_id=uuid.uuid4()))

    assert isinstance(export, contracts.PersonDataExport)
    (exported,) = export.dossiers
    assert (exported.dossier_id, exported.sampled, exported.status) == (event.dossier_id, True, "under_review")
    judged = {j.activity_id: j for j in exported.judgements}
    assert len(exported.judgements) == 2
    assert (judged[asked.activity_id].verdict, judged[approved.activity_id].verdict) == (
        "more_information_needed",
        "approved",
    )
    assert judged[asked.activity_id].information_deadline is not None
    assert judged[asked.activity_id].activity_title == asked.title
    assert [(a.activity_id, a.text) for a in exported.answers] == [
        (asked.activity_id, "Het team leerplicht van de regio.")
    ]
    assert "reviewer" not in export.model_dump_json()
    assert nobody.dossiers == []
