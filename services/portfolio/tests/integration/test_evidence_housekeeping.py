"""Evidence nobody attached is removed after a day, and each person's evidence has a storage quota."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import ManualClock
from portfolio.adapters.orm import evidence_files, evidence_uploads, review_evidence_grants
from portfolio.domain.evidence import MAX_CHUNK_BYTES
from portfolio.entrypoints.scheduler import PortfolioRuntime
from portfolio.service_layer.evidence import blob_key, remove_unattached_evidence
from tests.support.waiting import wait_for

from .conftest import PDF_HEAD, Harness, Person, rows_of, running_portfolio

pytestmark = [pytest.mark.integration]

QUOTA = 3 * MAX_CHUNK_BYTES


@pytest_asyncio.fixture
async def service(databases: Any, broker_names: Any, amqp_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    clock = ManualClock(datetime.now(UTC))
    async with running_portfolio(
        databases, broker_names, amqp_url, tmp_path / "blobs", clock=clock, evidence_quota_bytes=QUOTA
    ) as harness:
        yield harness


def _pdf(size: int) -> list[bytes]:
    data = PDF_HEAD + os.urandom(size - len(PDF_HEAD))
    return [data[offset : offset + MAX_CHUNK_BYTES] for offset in range(0, size, MAX_CHUNK_BYTES)]


def _a2(title: str, today: Any) -> contracts.ActivityInput:
    return contracts.ActivityInput(
        category="A2",
        a2_type="article",
        quantity=Decimal(1),
        title=title,
        completion_date=today - timedelta(days=5),
    )


async def _begin(service: Harness, person: Person, **options: Any) -> contracts.EvidenceUploadStarted:
    started = await service.call(
        contracts.BeginEvidenceUpload(person_id=person.person_id, actor=person.actor, filename="scan.pdf", **options)
    )
    assert isinstance(started, contracts.EvidenceUploadStarted)
    return started


async def _append(service: Harness, person: Person, upload_id: Any, seq: int, data: bytes) -> Any:
    return await service.call(
        contracts.AppendEvidenceChunk(
            person_id=person.person_id,
            actor=person.actor,
            upload_id=upload_id,
            seq=seq,
            data=base64.b64encode(data).decode(),
        )
    )


def _blob_exists(service: Harness, key: str) -> bool:
    blob_dir = Path(service.runtime.settings.blob_dir)  # type: ignore[attr-defined]
    return any(key in path.name for path in blob_dir.rglob("*"))


def _clock(service: Harness) -> ManualClock:
    assert isinstance(service.clock, ManualClock)
    return service.clock


async def _housekeeping(service: Harness) -> int:
    runtime = service.runtime
    assert isinstance(runtime, PortfolioRuntime) and runtime.context is not None
    return await remove_unattached_evidence(runtime.context)


async def test_inputs_finding_evidence_never_attached_is_removed_after_a_day(service: Harness) -> None:
    person = await service.register()
    loose = (await service.upload(person, [PDF_HEAD + b"nooit gebruikt"])).evidence
    kept = (await service.upload(person, [PDF_HEAD + b"bij een activiteit"])).evidence
    detached = (await service.upload(person, [PDF_HEAD + b"later losgemaakt"])).evidence
    saved = await service.call(
        contracts.RecordActivity(
            person_id=person.person_id,
            actor=person.actor,
            activity=_a2("Artikel", service.today),
            evidence_ids=[kept.evidence_id, detached.evidence_id],
        )
    )
    # Unticked in an edit: no longer attached, but the entry's history still names it.
    await service.call(
        contracts.EditActivity(
            person_id=person.person_id,
            actor=person.actor,
            activity_id=saved.activity.activity_id,
            expected_version=saved.activity.version,
            reason="Verkeerd bestand",
            activity=_a2("Artikel", service.today),
            evidence_ids=[kept.evidence_id],
        )
    )
    # Sent with an answer to a reviewer's question: attached to no entry, but the reviewer's grant names it.
    answered = (await service.upload(person, [PDF_HEAD + b"antwoord"])).evidence
    await service.publish(
        audit_events.EvidenceAccessGranted(
            case_id=uuid.uuid4(),
            dossier_id=uuid.uuid4(),
            person_id=person.person_id,
            reviewer_id=uuid.uuid4(),
            evidence_ids=[answered.evidence_id],
        )
    )

    async def granted() -> bool:
        return await service.count(rows_of(review_evidence_grants, item_id=answered.evidence_id)) == 1

    await wait_for(granted, message="the reviewer's grant")
    unfinished = await _begin(service, person)
    await _append(service, person, unfinished.upload_id, 0, PDF_HEAD + b"half")
    assert _blob_exists(service, blob_key(loose.evidence_id))

    _clock(service).advance(timedelta(hours=23))
    assert await _housekeeping(service) == 0
    assert await service.count(rows_of(evidence_files, evidence_id=loose.evidence_id)) == 1

    _clock(service).advance(timedelta(hours=2))
    assert await _housekeeping(service) == 2
    assert await service.count(rows_of(evidence_files, evidence_id=loose.evidence_id)) == 0
    assert await service.count(rows_of(evidence_uploads, upload_id=[loose.evidence_id, unfinished.upload_id])) == 0
    assert not _blob_exists(service, blob_key(loose.evidence_id))
    assert not _blob_exists(service, blob_key(unfinished.upload_id))
    # Attached, named by an entry's history or by a reviewer's grant: kept.
    still = [kept.evidence_id, detached.evidence_id, answered.evidence_id]
    assert await service.count(rows_of(evidence_files, evidence_id=still)) == 3
    assert _blob_exists(service, blob_key(kept.evidence_id))
    assert _blob_exists(service, blob_key(detached.evidence_id))
    # A second run finds nothing more.
    assert await _housekeeping(service) == 0


async def test_inputs_finding_storage_quota_refuses_an_upload_crossing_it(service: Harness) -> None:
    person = await service.register()
    await service.upload(person, _pdf(2 * MAX_CHUNK_BYTES))

    with pytest.raises(RpcError) as declared:
        await _begin(service, person, declared_size=MAX_CHUNK_BYTES + 1)
    assert (declared.value.status, declared.value.code) == (413, "storage_quota_exceeded")

    started = await _begin(service, person)
    await _append(service, person, started.upload_id, 0, PDF_HEAD + b"x" * (MAX_CHUNK_BYTES - len(PDF_HEAD)))
    with pytest.raises(RpcError) as crossing:
        await _append(service, person, started.upload_id, 1, b"y")
    assert (crossing.value.status, crossing.value.code) == (413, "storage_quota_exceeded")
    # The refused upload is aborted (as a file over 10 MB is), so its bytes count no longer.
    with pytest.raises(RpcError) as closed:
        await _append(service, person, started.upload_id, 1, b"y")
    assert closed.value.code == "upload_closed"
    again = await _begin(service, person, declared_size=MAX_CHUNK_BYTES)
    assert again.upload_id != started.upload_id


async def test_inputs_finding_storage_quota_counts_uploads_in_progress(service: Harness) -> None:
    person = await service.register()
    first = await _begin(service, person)
    for seq, chunk in enumerate(_pdf(3 * MAX_CHUNK_BYTES)):
        await _append(service, person, first.upload_id, seq, chunk)
    # Nothing stored yet, but the open upload holds the whole quota.
    with pytest.raises(RpcError) as refused:
        await _begin(service, person)
    assert refused.value.code == "storage_quota_exceeded"
    # Another person has their own quota.
    other = await service.register()
    await service.upload(other, _pdf(MAX_CHUNK_BYTES))
