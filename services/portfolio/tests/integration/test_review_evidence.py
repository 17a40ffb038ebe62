"""Reviewers reading evidence: the portfolio keeps the audit's EvidenceAccessGranted and checks it itself.

The assigned reviewer reads the files of the case's sampled activities and the files sent with an answer; an
unassigned reviewer, the assigned reviewer through another case, a file of an activity outside the sample, and
another professional all get 404 evidence_not_found, as for a file that does not exist.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.errors import RpcError
from lklr_shared.kit.security_log import security_log_table
from portfolio.adapters.orm import objection_evidence_grants, review_evidence_grants
from portfolio.adapters.repositories import evidence as evidence_repo
from tests.support.waiting import wait_for

from .conftest import PDF_HEAD, Harness, Person, rows_of

pytestmark = [pytest.mark.integration]


def _reviewer(reviewer_id: uuid.UUID) -> contracts.Actor:
    return contracts.Actor(person_id=reviewer_id, role="reviewer", origin="203.0.113.9")


async def _activity(service: Harness, person: Person, title: str) -> uuid.UUID:
    entry = contracts.ActivityInput(
        category="A2",
        a2_type="article",
        quantity=Decimal(1),
        title=title,
        description="In het vakblad",
        completion_date=service.today - timedelta(days=5),
    )
    saved = await service.call(contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=entry))
    return saved.activity.activity_id  # type: ignore[no-any-return]


async def _read(service: Harness, reviewer_id: uuid.UUID, case_id: uuid.UUID, evidence_id: uuid.UUID) -> bytes:
    data, offset = b"", 0
    while True:
        chunk = await service.call(
            contracts.ReadReviewEvidenceChunk(
                reviewer_id=reviewer_id,
                case_id=case_id,
                actor=_reviewer(reviewer_id),
                evidence_id=evidence_id,
                offset=offset,
                length=1000,
            )
        )
        assert isinstance(chunk, contracts.EvidenceChunk)
        data += base64.b64decode(chunk.data)
        if chunk.next_offset is None:
            return data
        offset = chunk.next_offset


async def _refused(
    service: Harness,
    request: contracts.ReadReviewEvidenceChunk | contracts.ReadObjectionEvidenceChunk,
    expected: tuple[int, str] = (404, "evidence_not_found"),
) -> None:
    with pytest.raises(RpcError) as refused:
        await service.call(request)
    assert (refused.value.status, refused.value.code) == expected


async def test_only_the_assigned_reviewer_reads_the_sampled_activities_evidence_and_the_answers_files(
    service: Harness,
) -> None:
    person = await service.register()
    other = await service.register()
    sampled = await _activity(service, person, "Artikel in de steekproef")
    not_sampled = await _activity(service, person, "Artikel buiten de steekproef")
    sampled_file = PDF_HEAD + b"a" * 2500
    sampled_evidence = (await service.upload(person, [sampled_file], activity_id=sampled)).evidence
    other_evidence = (await service.upload(person, [PDF_HEAD + b"b" * 10], activity_id=not_sampled)).evidence
    answer_evidence = (await service.upload(person, [PDF_HEAD + b"c" * 10], filename="antwoord.pdf")).evidence
    strangers_evidence = (await service.upload(other, [PDF_HEAD + b"d" * 10])).evidence

    reviewer_id, colleague_id = uuid.uuid4(), uuid.uuid4()
    case_id, dossier_id = uuid.uuid4(), uuid.uuid4()
    granted = audit_events.EvidenceAccessGranted(
        case_id=case_id,
        dossier_id=dossier_id,
        person_id=person.person_id,
        reviewer_id=reviewer_id,
        activity_ids=[sampled],
        granted_on=service.today,
    )
    await service.publish(granted)
    await service.publish(granted)  # a redelivery adds nothing
    await wait_for(
        lambda: service.count(rows_of(review_evidence_grants, case_id=case_id)), message="the reviewer's grant"
    )

    assert await _read(service, reviewer_id, case_id, sampled_evidence.evidence_id) == sampled_file

    def read(
        reviewer: uuid.UUID, evidence_id: uuid.UUID, case: uuid.UUID = case_id
    ) -> contracts.ReadReviewEvidenceChunk:
        return contracts.ReadReviewEvidenceChunk(
            reviewer_id=reviewer, case_id=case, actor=_reviewer(reviewer), evidence_id=evidence_id
        )

    await _refused(service, read(colleague_id, sampled_evidence.evidence_id))  # not assigned
    await _refused(service, read(reviewer_id, sampled_evidence.evidence_id, uuid.uuid4()))  # another case
    await _refused(service, read(reviewer_id, other_evidence.evidence_id))  # outside the sample
    await _refused(service, read(reviewer_id, answer_evidence.evidence_id))  # not sent with an answer yet
    await _refused(service, read(reviewer_id, strangers_evidence.evidence_id))  # someone else's file
    # The reviewer id must be the acting account's (checked against the signed actor assertion before the
    # portfolio looks), with the reviewer role.
    await _refused(
        service,
        contracts.ReadReviewEvidenceChunk(
            reviewer_id=reviewer_id,
            case_id=case_id,
            actor=_reviewer(colleague_id),
            evidence_id=sampled_evidence.evidence_id,
        ),
        (403, "actor_mismatch"),
    )
    await _refused(
        service,
        contracts.ReadReviewEvidenceChunk(
            reviewer_id=person.person_id, case_id=case_id, actor=person.actor, evidence_id=sampled_evidence.evidence_id
        ),
    )

    # Another professional cannot read it through the owner's query either.
    with pytest.raises(RpcError) as refused:
        await service.call(
            contracts.ReadEvidenceChunk(
                person_id=other.person_id, actor=other.actor, evidence_id=sampled_evidence.evidence_id
            )
        )
    assert (refused.value.status, refused.value.code) == (404, "evidence_not_found")

    # The professional answers a question with a file: the audit grants it, and a file of someone else named in
    # the same answer stays closed (the grant is for the dossier owner's files only).
    await service.publish(
        audit_events.EvidenceAccessGranted(
            case_id=case_id,
            dossier_id=dossier_id,
            person_id=person.person_id,
            reviewer_id=reviewer_id,
            evidence_ids=[answer_evidence.evidence_id, strangers_evidence.evidence_id],
        )
    )
    await wait_for(
        lambda: service.count(rows_of(review_evidence_grants, case_id=case_id, item_kind="evidence")),
        message="the answer's grant",
    )
    assert await _read(service, reviewer_id, case_id, answer_evidence.evidence_id) == PDF_HEAD + b"c" * 10
    await _refused(service, read(reviewer_id, strangers_evidence.evidence_id))
    assert await service.count(rows_of(review_evidence_grants, case_id=case_id)) == 3


async def test_the_office_reads_only_the_files_sent_with_an_objection_and_every_read_is_logged(
    service: Harness,
) -> None:
    person = await service.register()
    sent = PDF_HEAD + b"o" * 1500
    attachment = (await service.upload(person, [sent], filename="bezwaar-bijlage.pdf")).evidence
    kept_back = (await service.upload(person, [PDF_HEAD + b"p" * 10])).evidence
    objection_id, office_id = uuid.uuid4(), uuid.uuid4()
    shared = registry_events.ObjectionEvidenceShared(
        objection_id=objection_id, person_id=person.person_id, evidence_ids=[attachment.evidence_id]
    )
    await service.publish(shared)
    await wait_for(
        lambda: service.count(rows_of(objection_evidence_grants, objection_id=objection_id)),
        message="the objection's grant",
    )
    office = contracts.Actor(person_id=office_id, role="office", origin="203.0.113.9")

    def read(evidence_id: uuid.UUID, actor: contracts.Actor = office, objection: uuid.UUID = objection_id) -> Any:
        return contracts.ReadObjectionEvidenceChunk(objection_id=objection, actor=actor, evidence_id=evidence_id)

    chunk = await service.call(read(attachment.evidence_id))
    assert isinstance(chunk, contracts.EvidenceChunk) and base64.b64decode(chunk.data) == sent
    assert chunk.evidence.filename == "bezwaar-bijlage.pdf"
    await _refused(service, read(kept_back.evidence_id))  # not sent with the objection
    await _refused(service, read(attachment.evidence_id, objection=uuid.uuid4()))  # another objection
    await _refused(service, read(attachment.evidence_id, actor=office.model_copy(update={"role": "reviewer"})))
    reads = await service.count(
        sa.select(sa.func.count())
        .select_from(security_log_table)
        .where(
            security_log_table.c.action == "evidence.read_for_objection",
            security_log_table.c.actor == f"account:{office_id}",
            security_log_table.c.object == f"evidence:{attachment.evidence_id}",
            security_log_table.c.result == "done",
        )
    )
    refused = await service.count(
        sa.select(sa.func.count())
        .select_from(security_log_table)
        .where(
            security_log_table.c.action == "evidence.read_for_objection",
            security_log_table.c.actor == f"account:{office_id}",
            security_log_table.c.result == "refused",
        )
    )
    assert (reads, refused) == (1, 3)
    # A file sent with an objection is referred to: the cleanup of unattached files keeps it.
    async with AsyncSession(service.engine) as session:
        referenced = await evidence_repo.referenced_evidence(
            session, [person.person_id], [attachment.evidence_id, kept_back.evidence_id]
        )
    assert referenced == {attachment.evidence_id}
