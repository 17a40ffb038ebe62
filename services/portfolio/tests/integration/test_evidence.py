"""Evidence files streamed in chunks: size and type limits, memory use, round trip, and owner-only access."""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import os
import re
import tracemalloc
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.errors import RpcError
from portfolio.domain.evidence import MAX_CHUNK_BYTES, MAX_EVIDENCE_BYTES

from .conftest import Harness, Person

pytestmark = [pytest.mark.integration]

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _pdf_chunks(size: int) -> list[bytes]:
    """A PDF-looking file of ``size`` bytes in full chunks."""
    data = PDF_HEAD + os.urandom(size - len(PDF_HEAD))
    return [data[offset : offset + MAX_CHUNK_BYTES] for offset in range(0, size, MAX_CHUNK_BYTES)]


def _rss_kib(field: str) -> int:
    match = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())
    assert match is not None
    return int(match.group(1))


def _reset_peak_rss() -> None:
    """Reset VmHWM (the peak resident set) to the current RSS (Linux: writing 5 to clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


async def _begin(service: Harness, person: Person, **options: object) -> contracts.EvidenceUploadStarted:
    return await service.call(  # type: ignore[no-any-return]
        contracts.BeginEvidenceUpload(person_id=person.person_id, actor=person.actor, filename="scan.pdf", **options)
    )


def _chunk(person: Person, upload_id, seq: int, data: bytes) -> contracts.AppendEvidenceChunk:  # type: ignore[no-untyped-def]
    return contracts.AppendEvidenceChunk(
        person_id=person.person_id, actor=person.actor, upload_id=upload_id, seq=seq, data=base64.b64encode(data)
    )


async def test_a_file_one_byte_over_10_mb_is_refused_413_and_never_held_in_memory(service: Harness) -> None:
    person = await service.register()
    # The same two chunk bodies are sent over and over, so the test itself holds no more than one chunk either.
    first = base64.b64encode(PDF_HEAD + os.urandom(MAX_CHUNK_BYTES - len(PDF_HEAD))).decode()
    filler = base64.b64encode(os.urandom(MAX_CHUNK_BYTES)).decode()
    full_chunks = MAX_EVIDENCE_BYTES // MAX_CHUNK_BYTES
    assert full_chunks * MAX_CHUNK_BYTES == MAX_EVIDENCE_BYTES

    async def upload_one_byte_too_many() -> RpcError:
        started = await _begin(service, person)
        for seq in range(full_chunks):
            await service.call(
                contracts.AppendEvidenceChunk(
                    person_id=person.person_id,
                    actor=person.actor,
                    upload_id=started.upload_id,
                    seq=seq,
                    data=first if seq == 0 else filler,
                )
            )
        with pytest.raises(RpcError) as caught:
            await service.call(_chunk(person, started.upload_id, full_chunks, b"x"))
        with pytest.raises(RpcError) as closed:
            await service.call(_chunk(person, started.upload_id, full_chunks, b"x"))
        assert (closed.value.status, closed.value.code) == (409, "upload_closed")
        assert not (service.runtime.settings.blob_dir / "staging" / started.upload_id.hex).exists()  # type: ignore[attr-defined]
        return caught.value

    # Peak resident memory of this process (the service runs in it) while the whole file streams through.
    gc.collect()
    _reset_peak_rss()
    rss_before = _rss_kib("VmRSS")
    refusal = await upload_one_byte_too_many()
    rss_growth = (_rss_kib("VmHWM") - rss_before) * 1024
    assert (refusal.status, refusal.code) == (413, "evidence_too_large")
    assert rss_growth < MAX_EVIDENCE_BYTES // 2, f"peak RSS grew by {rss_growth} bytes"

    # The same with every Python allocation traced: the peak stays a few chunks, far below the file's size.
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        refusal = await upload_one_byte_too_many()
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert refusal.status == 413
    assert peak < MAX_EVIDENCE_BYTES // 2, f"traced allocations peaked {peak} bytes above the baseline"


async def test_a_declared_size_over_the_limit_is_refused_before_any_byte(service: Harness) -> None:
    person = await service.register()
    with pytest.raises(RpcError) as caught:
        await _begin(service, person, declared_size=MAX_EVIDENCE_BYTES + 1)
    assert (caught.value.status, caught.value.code) == (413, "evidence_too_large")


async def test_a_file_of_exactly_10_mb_is_stored_and_read_back_in_chunks(service: Harness) -> None:
    person = await service.register()
    chunks = _pdf_chunks(MAX_EVIDENCE_BYTES)
    stored = (await service.upload(person, chunks, filename="C:\\fakepath\\certificaat.pdf")).evidence
    whole = b"".join(chunks)
    assert (stored.file_type, stored.content_type, stored.size_bytes, stored.filename) == (
        "pdf",
        "application/pdf",
        MAX_EVIDENCE_BYTES,
        "certificaat.pdf",
    )
    assert stored.sha256 == hashlib.sha256(whole).hexdigest()

    digest, offset, reads = hashlib.sha256(), 0, 0
    while offset is not None:
        chunk = await service.call(
            contracts.ReadEvidenceChunk(
                person_id=person.person_id, actor=person.actor, evidence_id=stored.evidence_id, offset=offset
            )
        )
        digest.update(base64.b64decode(chunk.data))
        offset, reads = chunk.next_offset, reads + 1
    assert digest.hexdigest() == stored.sha256
    assert reads == MAX_EVIDENCE_BYTES // MAX_CHUNK_BYTES


async def test_a_file_whose_first_bytes_are_no_accepted_type_is_refused_415(service: Harness) -> None:
    person = await service.register()
    started = await _begin(service, person)
    with pytest.raises(RpcError) as caught:
        # An executable renamed to .pdf: the name does not decide, the content does.
        await service.call(_chunk(person, started.upload_id, 0, b"MZ\x90\x00" + os.urandom(1000)))
    assert (caught.value.status, caught.value.code) == (415, "unsupported_evidence_type")


async def test_a_zip_that_is_not_a_word_document_is_refused_415_on_completion(service: Harness) -> None:
    person = await service.register()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "geen Word-document")
    started = await _begin(service, person)
    await service.call(_chunk(person, started.upload_id, 0, archive.getvalue()))
    with pytest.raises(RpcError) as caught:
        await service.call(
            contracts.CompleteEvidenceUpload(
                person_id=person.person_id, actor=person.actor, upload_id=started.upload_id
            )
        )
    assert (caught.value.status, caught.value.code) == (415, "unsupported_evidence_type")


async def test_a_word_document_split_over_chunks_is_accepted_as_docx(service: Harness) -> None:
    person = await service.register()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        zipped.writestr("[Content_Types].xml", "<Types/>")
        zipped.writestr("word/document.xml", "<w:document/>" + "x" * 5000)
    data = archive.getvalue()
    # Chunks of 7 bytes: every part name is split across chunk boundaries somewhere.
    stored = (
        await service.upload(person, [data[i : i + 7] for i in range(0, len(data), 7)], filename="a.docx")
    ).evidence
    assert stored.file_type == "docx"
    assert stored.content_type.endswith("wordprocessingml.document")


async def test_another_persons_evidence_is_not_reachable(service: Harness) -> None:
    owner, other = await service.register(), await service.register()
    stored = (await service.upload(owner, _pdf_chunks(1000))).evidence

    for person_id, actor in ((owner.person_id, other.actor), (other.person_id, other.actor)):
        with pytest.raises(RpcError) as caught:
            await service.call(
                contracts.ReadEvidenceChunk(person_id=person_id, actor=actor, evidence_id=stored.evidence_id)
            )
        assert (caught.value.status, caught.value.code) == (404, "evidence_not_found")
    with pytest.raises(RpcError) as attach:
        await service.call(
            contracts.RecordActivity(
                person_id=other.person_id,
                actor=other.actor,
                activity=contracts.ActivityInput(
                    category="A2",
                    a2_type="presentation",
                    quantity=Decimal(1),
                    title="Presentatie",
                    completion_date=utcnow().date() - timedelta(days=1),
                ),
                evidence_ids=[stored.evidence_id],
            )
        )
    assert (attach.value.status, attach.value.code) == (404, "evidence_not_found")
    with pytest.raises(RpcError) as upload:
        await service.call(_chunk(other, stored.evidence_id, 0, PDF_HEAD))
    assert (upload.value.status, upload.value.code) == (404, "upload_not_found")


async def test_a_chunk_sent_again_after_a_lost_reply_is_answered_without_storing_it_twice(service: Harness) -> None:
    person = await service.register()
    started = await _begin(service, person)
    chunks = _pdf_chunks(3 * MAX_CHUNK_BYTES)
    await service.call(_chunk(person, started.upload_id, 0, chunks[0]))
    first = await service.call(_chunk(person, started.upload_id, 1, chunks[1]))
    again = await service.call(_chunk(person, started.upload_id, 1, chunks[1]))
    with pytest.raises(RpcError) as skipped:
        await service.call(_chunk(person, started.upload_id, 3, chunks[2]))
    await service.call(_chunk(person, started.upload_id, 2, chunks[2]))
    stored = await service.call(
        contracts.CompleteEvidenceUpload(
            person_id=person.person_id,
            actor=person.actor,
            upload_id=started.upload_id,
            expected_size=3 * MAX_CHUNK_BYTES,
            sha256=hashlib.sha256(b"".join(chunks)).hexdigest(),
        )
    )
    assert again == first
    assert (skipped.value.status, skipped.value.code) == (409, "chunk_out_of_order")
    assert stored.evidence.size_bytes == 3 * MAX_CHUNK_BYTES


async def test_a_file_uploaded_for_an_entry_is_attached_as_a_new_version(service: Harness) -> None:
    person = await service.register()
    saved = await service.call(
        contracts.RecordActivity(
            person_id=person.person_id,
            actor=person.actor,
            activity=contracts.ActivityInput(
                category="A2",
                a2_type="collegial_feedback",
                quantity=Decimal(1),
                title="Collegiale feedback",
                completion_date=utcnow().date() - timedelta(days=2),
            ),
        )
    )
    activity_id = saved.activity.activity_id

    stored = (await service.upload(person, _pdf_chunks(2000), activity_id=activity_id)).evidence
    history = await service.call(
        contracts.GetActivityHistory(person_id=person.person_id, actor=person.actor, activity_id=activity_id)
    )
    portfolio = await service.portfolio(person)

    assert stored.activity_id == activity_id
    assert [(v.version, v.change) for v in history.versions] == [(1, "recorded"), (2, "evidence_attached")]
    assert history.versions[1].snapshot["evidence_ids"] == [str(stored.evidence_id)]
    assert [e.evidence_id for e in portfolio.activities[0].evidence] == [stored.evidence_id]
