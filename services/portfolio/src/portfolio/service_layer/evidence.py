"""Evidence files, streamed: an upload arrives as numbered chunks and a download leaves as ranges.

No step holds a whole file: each chunk is judged by the domain (`accept_chunk`: order, size so far, magic bytes),
written to the blob store at its offset, and forgotten. The upload's progress lives in its database row, locked
while a chunk is applied, so chunks of one upload are applied one at a time whichever replica receives them.

A refused chunk that can never become acceptable (too large or over the person's storage quota: 413; wrong
type: 415) aborts the upload and discards what was staged, in a transaction of its own, before the refusal is
answered.

Files attached to no entry are removed after a day (`remove_unattached_evidence`, run by a periodic job): an upload
nobody finished, or a file stored for a form that was never sent, must not keep a person's quota, nor the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import (
    Conflict,
    NotFound,
    RangeNotSatisfiable,
    RuleViolation,
    TooLarge,
    UnsupportedMedia,
    UseCaseError,
)
from lklr_shared.kit.outbox import UnitOfWork
from portfolio.adapters.blobs import BlobNotFound, iter_blob
from portfolio.adapters.repositories import activities as activity_repo
from portfolio.adapters.repositories import evidence as evidence_repo
from portfolio.adapters.repositories import people as people_repo
from portfolio.adapters.repositories.evidence import EvidenceRecord, UploadRecord
from portfolio.domain.cycles import is_editable
from portfolio.domain.evidence import (
    MAX_CHUNK_BYTES,
    MAX_EVIDENCE_BYTES,
    EvidenceKind,
    EvidenceRejected,
    EvidenceTooLarge,
    StorageQuotaExceeded,
    UnsupportedEvidenceType,
    UploadProgress,
    accept_chunk,
    check_quota,
    clean_filename,
    finish_upload,
)
from portfolio.service_layer.common import (
    PortfolioContext,
    require_owner,
    require_person,
    version_of,
)
from portfolio.service_layer.views import evidence_view

log = logging.getLogger(__name__)

OPEN, COMPLETED, ABORTED = "open", "completed", "aborted"
STALE_UPLOAD_AFTER = timedelta(hours=24)
"""An upload untouched this long is abandoned; the person's next upload discards what it staged."""


def blob_key(upload_id: uuid.UUID) -> str:
    # The evidence id is the upload id, and its hex is the blob key: one name from first chunk to download.
    return upload_id.hex


def _progress(upload: UploadRecord) -> UploadProgress:
    return UploadProgress(
        next_seq=upload.next_seq,
        received_bytes=upload.received_bytes,
        kind=None if upload.file_type is None else EvidenceKind(upload.file_type),
        docx_markers=upload.docx_markers,
        tail=upload.tail,
    )


def _translate(rejection: EvidenceRejected) -> UseCaseError:
    """The HTTP meaning of a domain refusal."""
    if isinstance(rejection, EvidenceTooLarge | StorageQuotaExceeded):
        return TooLarge(rejection.code, str(rejection))
    if isinstance(rejection, UnsupportedEvidenceType):
        return UnsupportedMedia(rejection.code, str(rejection))
    if rejection.code == "chunk_out_of_order":
        return Conflict(rejection.code, str(rejection))
    return RuleViolation(rejection.code, str(rejection))


async def _activity_for_evidence(uow: UnitOfWork, person_id: uuid.UUID, activity_id: uuid.UUID) -> None:
    """Files can be added to one's own self-entered entries while they can still be edited."""
    record = await activity_repo.get_activity(uow.session, activity_id, for_update=True)
    if record is None or record.person_id != person_id:
        raise NotFound("activity_not_found", "no such activity in this portfolio")
    cycles = await people_repo.list_cycles(uow.session, person_id)
    if not is_editable(record, cycles):
        raise Conflict("not_editable", "files can only be added to your own entries that can still be edited")


async def _open_upload(uow: UnitOfWork, person_id: uuid.UUID, upload_id: uuid.UUID) -> UploadRecord:
    upload = await evidence_repo.get_upload(uow.session, upload_id)
    if upload is None or upload.person_id != person_id:
        raise NotFound("upload_not_found", "no such upload")
    if upload.status != OPEN:
        raise Conflict("upload_closed", f"this upload is {upload.status} ({upload.status_reason or 'no reason'})")
    return upload


async def begin_upload(
    context: PortfolioContext, command: contracts.BeginEvidenceUpload
) -> contracts.EvidenceUploadStarted:
    """BeginEvidenceUpload: open an upload (413 at once when the declared size is over the limit)."""
    require_owner(command.person_id, command.actor)
    if command.declared_size is not None and command.declared_size > MAX_EVIDENCE_BYTES:
        raise TooLarge("evidence_too_large", f"the file is larger than the maximum of {MAX_EVIDENCE_BYTES} bytes")
    now = context.clock()
    upload_id = uuid.uuid4()
    async with context.unit_of_work() as uow:
        person = await require_person(uow, command.person_id)
        if command.activity_id is not None:
            await _activity_for_evidence(uow, person.person_id, command.activity_id)
        stale = await evidence_repo.stale_open_uploads(uow.session, person.person_id, now - STALE_UPLOAD_AFTER)
        await evidence_repo.close_uploads(uow.session, stale, reason="abandoned", at=now)
        try:
            # A file has at least one byte: a person at their quota cannot start another.
            check_quota(
                await evidence_repo.evidence_bytes_in_use(uow.session, person.person_id),
                command.declared_size or 1,
                context.evidence_quota_bytes,
            )
        except StorageQuotaExceeded as exc:
            raise _translate(exc) from exc
        await evidence_repo.insert_upload(
            uow.session,
            UploadRecord(
                upload_id=upload_id,
                person_id=person.person_id,
                activity_id=command.activity_id,
                filename=clean_filename(command.filename),
                status=OPEN,
                status_reason="",
                next_seq=0,
                received_bytes=0,
                file_type=None,
                docx_markers=0,
                tail=b"",
                last_chunk_sha256=None,
                last_chunk_size=None,
                started_at=now,
                updated_at=now,
            ),
        )
        await uow.commit()
    for stale_id in stale:
        await context.blobs.discard(blob_key(stale_id))
    return contracts.EvidenceUploadStarted(
        upload_id=upload_id, max_bytes=MAX_EVIDENCE_BYTES, max_chunk_bytes=MAX_CHUNK_BYTES
    )


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuleViolation("bad_chunk_encoding", "a chunk's data must be base64") from exc


async def _abort(context: PortfolioContext, upload: UploadRecord, reason: str) -> None:
    """Close the upload for good and drop what it staged (committed before the refusal is answered)."""
    async with context.unit_of_work() as uow:
        await evidence_repo.close_uploads(uow.session, [upload.upload_id], reason=reason, at=context.clock())
        await uow.commit()
    await context.blobs.discard(blob_key(upload.upload_id))


async def append_chunk(
    context: PortfolioContext, command: contracts.AppendEvidenceChunk
) -> contracts.EvidenceChunkAccepted:
    """AppendEvidenceChunk: judge the chunk, then stage it at its offset."""
    require_owner(command.person_id, command.actor)
    data = _decode(command.data)
    digest = hashlib.sha256(data).hexdigest()
    async with context.unit_of_work() as uow:
        upload = await _open_upload(uow, command.person_id, command.upload_id)
        if command.seq == upload.next_seq - 1 and digest == upload.last_chunk_sha256:
            # The same chunk again: its reply was lost (e.g. the gateway timed out). Answer as before.
            return _accepted(upload)
        try:
            progress = accept_chunk(_progress(upload), command.seq, data)
            # Judged after the chunk's own rules, so a sender's mistake (order, size) keeps its own answer. The
            # open upload's staged bytes are part of what is in use.
            check_quota(
                await evidence_repo.evidence_bytes_in_use(uow.session, upload.person_id),
                len(data),
                context.evidence_quota_bytes,
            )
        except (EvidenceTooLarge, UnsupportedEvidenceType, StorageQuotaExceeded) as exc:
            refusal = exc
        except EvidenceRejected as exc:
            # Order, encoding and chunk-size mistakes are the sender's; the upload stays open for a correct chunk.
            raise _translate(exc) from exc
        else:
            await context.blobs.write_at(blob_key(upload.upload_id), upload.received_bytes, data)
            upload = replace(
                upload,
                next_seq=progress.next_seq,
                received_bytes=progress.received_bytes,
                file_type=None if progress.kind is None else progress.kind.value,
                docx_markers=progress.docx_markers,
                tail=progress.tail,
                last_chunk_sha256=digest,
                last_chunk_size=len(data),
                updated_at=context.clock(),
            )
            await evidence_repo.update_upload(uow.session, upload)
            await uow.commit()
            return _accepted(upload)
    # Outside the first transaction (its row lock released): close the upload, then refuse.
    await _abort(context, upload, refusal.code)
    raise _translate(refusal) from refusal


def _accepted(upload: UploadRecord) -> contracts.EvidenceChunkAccepted:
    return contracts.EvidenceChunkAccepted(
        upload_id=upload.upload_id,
        seq=upload.next_seq - 1,
        received_bytes=upload.received_bytes,
        file_type=upload.file_type,
    )


async def _sha256_of_blob(context: PortfolioContext, key: str, size: int) -> str:
    digest = hashlib.sha256()
    async for piece in iter_blob(context.blobs, key, size, MAX_CHUNK_BYTES):
        digest.update(piece)
    return digest.hexdigest()


async def _completion_refusal(
    uow: UnitOfWork, upload: UploadRecord, expected_size: int | None
) -> tuple[EvidenceKind | None, UseCaseError | None]:
    """The file's kind, or why the upload cannot be completed (checked before anything is committed)."""
    try:
        kind = finish_upload(_progress(upload))
    except EvidenceRejected as exc:
        return None, _translate(exc)
    if expected_size is not None and expected_size != upload.received_bytes:
        return None, RuleViolation(
            "size_mismatch", f"{upload.received_bytes} bytes arrived, {expected_size} were announced"
        )
    if upload.activity_id is not None:
        try:
            await _activity_for_evidence(uow, upload.person_id, upload.activity_id)
        except (NotFound, Conflict) as exc:
            # The entry became uneditable during the upload (e.g. frozen): that will not change back.
            return None, exc
    return kind, None


async def complete_upload(
    context: PortfolioContext, command: contracts.CompleteEvidenceUpload
) -> contracts.EvidenceStored:
    """CompleteEvidenceUpload: final checks, commit the blob, record the file (and attach it if asked).

    Any refusal aborts the upload: none of these checks can pass on a second try.
    """
    require_owner(command.person_id, command.actor)
    now = context.clock()
    async with context.unit_of_work() as uow:
        upload = await _open_upload(uow, command.person_id, command.upload_id)
        key = blob_key(upload.upload_id)
        kind, refusal = await _completion_refusal(uow, upload, command.expected_size)
        if kind is not None:
            await context.blobs.commit(key, upload.received_bytes)
            sha256 = await _sha256_of_blob(context, key, upload.received_bytes)
            if command.sha256 is None or command.sha256.lower() == sha256:
                return await _store(context, uow, upload, kind, sha256, now, command.actor.origin)
            # Committed but never recorded: remove it, or nothing would ever refer to those bytes again.
            await context.blobs.delete(key)
            refusal = RuleViolation("checksum_mismatch", "the stored bytes do not match the announced SHA-256")
    assert refusal is not None
    await _abort(context, upload, refusal.code)
    raise refusal


async def _store(
    context: PortfolioContext,
    uow: UnitOfWork,
    upload: UploadRecord,
    kind: EvidenceKind,
    sha256: str,
    now: datetime,
    origin: str,
) -> contracts.EvidenceStored:
    """Record the committed file and close the upload; attach it to its entry when the upload named one."""
    evidence = EvidenceRecord(
        evidence_id=upload.upload_id,
        person_id=upload.person_id,
        activity_id=upload.activity_id,
        filename=upload.filename,
        file_type=kind.value,
        content_type=kind.content_type,
        size_bytes=upload.received_bytes,
        sha256=sha256,
        blob_key=blob_key(upload.upload_id),
        stored_at=now,
    )
    await evidence_repo.insert_evidence(uow.session, evidence)
    await evidence_repo.update_upload(uow.session, replace(upload, status=COMPLETED, updated_at=now))
    if upload.activity_id is not None:
        # Adding a file is a change of the entry: a new version records who added which file, and when.
        record = await activity_repo.get_activity(uow.session, upload.activity_id, for_update=True)
        assert record is not None  # checked by _activity_for_evidence in this transaction
        attached = await evidence_repo.evidence_by_activity(uow.session, [record.activity_id])
        changed = replace(record, version=record.version + 1, updated_at=now)
        await activity_repo.update_activity(uow.session, changed, previous_version=record.version)
        await activity_repo.insert_versions(
            uow.session,
            [
                version_of(
                    changed,
                    change="evidence_attached",
                    actor_kind="person",
                    actor_id=str(upload.person_id),
                    origin=origin,
                    reason=evidence.filename,
                    at=now,
                    evidence_ids=[item.evidence_id for item in attached[record.activity_id]],
                )
            ],
        )
    await uow.commit()
    return contracts.EvidenceStored(evidence=evidence_view(evidence))


async def abort_upload(
    context: PortfolioContext, command: contracts.AbortEvidenceUpload
) -> contracts.EvidenceUploadAborted:
    """AbortEvidenceUpload: the sender gives up; what was staged is discarded."""
    require_owner(command.person_id, command.actor)
    async with context.unit_of_work() as uow:
        upload = await _open_upload(uow, command.person_id, command.upload_id)
    await _abort(context, upload, "aborted_by_sender")
    return contracts.EvidenceUploadAborted(upload_id=upload.upload_id)


async def read_chunk(context: PortfolioContext, query: contracts.ReadEvidenceChunk) -> contracts.EvidenceChunk:
    """ReadEvidenceChunk: a range of the owner's file. Anyone else is told it does not exist (404)."""
    if query.actor.role != "professional" or query.actor.person_id != query.person_id:
        # Reviewers read through ReadReviewEvidenceChunk (`review_access`), which checks their case's grants.
        raise NotFound("evidence_not_found", "no such evidence file")
    async with context.unit_of_work() as uow:
        evidence = await evidence_repo.get_evidence(uow.session, query.evidence_id)
    if evidence is None or evidence.person_id != query.person_id:
        raise NotFound("evidence_not_found", "no such evidence file")
    return await chunk_of(context, evidence, query.offset, query.length)


async def chunk_of(
    context: PortfolioContext, evidence: EvidenceRecord, offset: int, length: int | None
) -> contracts.EvidenceChunk:
    """A range of a file the caller may read (``length`` capped at one chunk); 416 past its end."""
    if offset > evidence.size_bytes:
        raise RangeNotSatisfiable("offset_out_of_range", f"the file has {evidence.size_bytes} bytes")
    try:
        data = await context.blobs.read(evidence.blob_key, offset, min(length or MAX_CHUNK_BYTES, MAX_CHUNK_BYTES))
    except BlobNotFound:
        # The row says the file exists but the store has no bytes: an operational fault, not the caller's.
        log.error("evidence %s: blob %s missing from the store", evidence.evidence_id, evidence.blob_key)
        raise
    end = offset + len(data)
    return contracts.EvidenceChunk(
        evidence=evidence_view(evidence),
        offset=offset,
        data=base64.b64encode(data).decode("ascii"),
        next_offset=end if end < evidence.size_bytes else None,
    )


CLEANUP_BATCH = 500
"""Files and uploads removed per transaction: a backlog is worked off in short transactions, not one long one."""


async def remove_unattached_evidence(context: PortfolioContext) -> int:
    """Remove evidence attached to no entry for longer than the context's `unattached_evidence_after`: uploads
    never completed (their staged bytes) and stored files no entry, no entry's history and no reviewer's grant
    refers to (their blob and row). Returns how many went. Safe in several replicas at once (rows are locked,
    locked ones skipped).

    The rows go first, in one transaction, and the bytes after it commits: a crash in between leaves bytes that
    nothing refers to (wasted space), never a row whose bytes are gone.
    """
    removed = 0
    cutoff = context.clock() - context.unattached_evidence_after
    # Files still referred to (by an entry's history) stay unattached for good: the cursor moves past them, so a
    # run looks at each candidate once instead of meeting the same kept ones batch after batch.
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with context.unit_of_work() as uow:
            unfinished = await evidence_repo.unfinished_uploads_before(uow.session, cutoff, CLEANUP_BATCH)
            candidates = await evidence_repo.unattached_evidence_before(uow.session, cutoff, CLEANUP_BATCH, after)
            referenced = await evidence_repo.referenced_evidence(
                uow.session, {item.person_id for item in candidates}, [item.evidence_id for item in candidates]
            )
            files = {item.evidence_id: item for item in candidates if item.evidence_id not in referenced}
            gone = await evidence_repo.delete_evidence(uow.session, files)
            await evidence_repo.delete_uploads(uow.session, unfinished)
            await uow.commit()
        for upload_id in unfinished:
            await context.blobs.discard(blob_key(upload_id))
        for evidence_id in gone:
            await context.blobs.delete(files[evidence_id].blob_key)
        removed += len(unfinished) + len(gone)
        if candidates:
            after = (candidates[-1].stored_at, candidates[-1].evidence_id)
        if len(unfinished) < CLEANUP_BATCH and len(candidates) < CLEANUP_BATCH:
            break
    if removed:
        log.info("removed %d unattached evidence files and unfinished uploads", removed)
    return removed
