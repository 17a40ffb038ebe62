"""A person's own data held by the audit, for their "download all my data": their dossiers with the sampling
decision and outcome, the judgements of their sampled activities and their answers to questions.

Who reviewed is left out: the judgement is the register's, and reviewers' identities are not the person's data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import sqlalchemy as sa

from audit.adapters.orm import case_activities, dossiers, information_answers, judgements, review_cases
from audit.adapters.repository import as_utc
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import audit as contracts
from lklr_shared.kit.security_log import record_security_event


async def export_person_data(context: AuditContext, query: contracts.ExportPersonData) -> contracts.PersonDataExport:
    """ExportPersonData: every dossier of the person, oldest first, with its review."""
    async with context.unit_of_work() as uow:
        session = uow.session
        dossier_rows = (
            await session.execute(
                sa.select(dossiers, review_cases.c.case_id)
                .outerjoin(review_cases, review_cases.c.dossier_id == dossiers.c.dossier_id)
                .where(dossiers.c.person_id == query.person_id)
                .order_by(dossiers.c.applied_on, dossiers.c.dossier_id)
            )
        ).all()
        case_ids = [row.case_id for row in dossier_rows if row.case_id is not None]
        judged: dict[uuid.UUID, list[contracts.ExportedJudgement]] = defaultdict(list)
        answered: dict[uuid.UUID, list[contracts.ExportedAnswer]] = defaultdict(list)
        if case_ids:
            for row in (
                await session.execute(
                    sa.select(judgements, case_activities.c.title)
                    .join(
                        case_activities,
                        sa.and_(
                            case_activities.c.case_id == judgements.c.case_id,
                            case_activities.c.activity_id == judgements.c.activity_id,
                        ),
                    )
                    .where(judgements.c.case_id.in_(case_ids))
                    # Judgements of one moment (a clock that stands still in tests) keep the case's order.
                    .order_by(judgements.c.judged_at, case_activities.c.rank, judgements.c.sequence)
                )
            ).all():
                judged[row.case_id].append(
                    contracts.ExportedJudgement(
                        activity_id=row.activity_id,
                        activity_title=row.title,
                        verdict=row.verdict,
                        reason=row.reason,
                        judged_on=row.judged_on,
                        information_deadline=row.information_deadline,
                    )
                )
            for row in (
                await session.execute(
                    sa.select(information_answers)
                    .where(information_answers.c.case_id.in_(case_ids))
                    .order_by(information_answers.c.answered_at)
                )
            ).all():
                answered[row.case_id].append(
                    contracts.ExportedAnswer(
                        activity_id=row.activity_id,
                        text=row.text,
                        evidence_ids=[uuid.UUID(str(evidence)) for evidence in row.evidence_ids],
                        answered_at=as_utc(row.answered_at),
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
            contracts.ExportedDossier(
                dossier_id=row.dossier_id,
                cycle_id=row.cycle_id,
                applied_on=row.applied_on,
                round=row.round,
                total_points=row.total_points,
                accredited_points=row.accredited_points,
                a2_points=row.a2_points,
                sampled=row.sampled,
                exemption_reason=row.exemption_reason,
                status=row.status,
                outcome=row.outcome,
                was_returned=row.was_returned,
                correction_deadline=row.correction_deadline,
                concluded_on=row.concluded_on,
                judgements=judged.get(row.case_id, []) if row.case_id is not None else [],
                answers=answered.get(row.case_id, []) if row.case_id is not None else [],
            )
            for row in dossier_rows
        ],
    )
