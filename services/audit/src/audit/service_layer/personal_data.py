"""A person's own data held by the audit, for their "download all my data": their dossiers with the sampling
decision and outcome, the judgements of their sampled activities and their answers to questions.

Who reviewed is left out: the judgement is the register's, and reviewers' identities are not the person's data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from audit.adapters.repositories import personal_data as personal_data_repo
from audit.adapters.repositories.dossiers import DossierRecord
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import audit as contracts
from lklr_shared.kit.security_log import record_security_event


async def export_person_data(context: AuditContext, query: contracts.ExportPersonData) -> contracts.PersonDataExport:
    """ExportPersonData: every dossier of the person, oldest first, with its review."""
    async with context.unit_of_work() as uow:
        session = uow.session
        dossier_rows = await personal_data_repo.dossiers_of_person(session, query.person_id)
        case_ids = [row.case_id for row in dossier_rows if row.case_id is not None]
        judged: dict[uuid.UUID, list[contracts.ExportedJudgement]] = defaultdict(list)
        answered: dict[uuid.UUID, list[contracts.ExportedAnswer]] = defaultdict(list)
        for judgement in await personal_data_repo.judgements_of_cases(session, case_ids):
            judged[judgement.case_id].append(
                contracts.ExportedJudgement(
                    activity_id=judgement.activity_id,
                    activity_title=judgement.title,
                    verdict=judgement.verdict,
                    reason=judgement.reason,
                    judged_on=judgement.judged_on,
                    information_deadline=judgement.information_deadline,
                )
            )
        for answer in await personal_data_repo.answers_of_cases(session, case_ids):
            answered[answer.case_id].append(
                contracts.ExportedAnswer(
                    activity_id=answer.activity_id,
                    text=answer.text,
                    evidence_ids=answer.evidence_ids,
                    answered_at=answer.answered_at,
                )
            )
        # Only the person's own "download all my data" asks for this (the gateway checks who asks).
        await record_security_event(
            session, actor=f"person:{query.person_id}", action="person_data.export", object=f"person:{query.person_id}"
        )
        await uow.commit()
    return contracts.PersonDataExport(
        person_id=query.person_id,
        dossiers=[
            _exported(
                item.dossier,
                judged.get(item.case_id, []) if item.case_id is not None else [],
                answered.get(item.case_id, []) if item.case_id is not None else [],
            )
            for item in dossier_rows
        ],
    )


def _exported(
    dossier: DossierRecord,
    judgements: list[contracts.ExportedJudgement],
    answers: list[contracts.ExportedAnswer],
) -> contracts.ExportedDossier:
    return contracts.ExportedDossier(
        dossier_id=dossier.dossier_id,
        cycle_id=dossier.cycle_id,
        applied_on=dossier.applied_on,
        round=dossier.round,
        total_points=dossier.total_points,
        accredited_points=dossier.accredited_points,
        a2_points=dossier.a2_points,
        sampled=dossier.sampled,
        exemption_reason=dossier.exemption_reason,
        status=dossier.status,
        outcome=dossier.outcome,
        was_returned=dossier.was_returned,
        correction_deadline=dossier.correction_deadline,
        concluded_on=dossier.concluded_on,
        judgements=judgements,
        answers=answers,
    )
