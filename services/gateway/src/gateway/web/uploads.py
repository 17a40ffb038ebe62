"""Evidence files in and out of the portfolio service, streamed: uploads from a page form or the API, downloads
back to the browser.

Evidence is never held whole in memory. A multipart body (the API, or a page form, which carries its CSRF token
in the action URL so that the session middleware need not parse the body) is parsed as it arrives and each file
part goes on to the service in chunks of the service's chunk size. Should a form have been parsed before (Litestar
spools its files to a temporary file beyond 1 MiB), the files are read from there chunk by chunk the same way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException
from litestar.response import Stream
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from gateway.caller import ServiceCaller
from gateway.web.owners import PortfolioOwner
from gateway.web.web_session import CSRF_FIELD
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.base import Request as ContractRequest
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

EVIDENCE_FIELD: Final = "evidence"
MAX_EVIDENCE_BYTES: Final = 10 * 1024 * 1024
"""The service's limit (it judges every chunk; this copy only sizes the gateway's request limit)."""
MAX_FILES_PER_REQUEST: Final = 5
MAX_FIELD_BYTES: Final = 16 * 1024
# Every file at its maximum plus the text fields and the multipart framing.
MAX_REQUEST_BYTES: Final = MAX_FILES_PER_REQUEST * MAX_EVIDENCE_BYTES + 1024 * 1024
DOWNLOAD_CHUNK_BYTES: Final = 256 * 1024


class FormProblem(RpcError):
    """A multipart body the gateway refuses before the service sees it (status and a stable code): a refusal like
    a service's, so pages and the API show it the same way."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message, status)


# --- Evidence uploads -----------------------------------------------------------------------------------------


class EvidenceUploader:
    """Streams one file to the portfolio service: Begin, Append (full chunks as bytes arrive), Complete.

    The service judges each chunk (magic bytes on the first, the 10 MiB limit on every one) and aborts the upload
    itself when it refuses one; on any other failure this aborts it, so nothing half-sent stays open.
    """

    def __init__(
        self, caller: ServiceCaller, owner: PortfolioOwner, filename: str, declared_size: int | None = None
    ) -> None:
        self.caller = caller
        self.owner = owner
        self.filename = (filename.replace("\\", "/").rsplit("/", 1)[-1] or "bestand")[:255]
        self.declared_size = declared_size
        self.upload_id: uuid.UUID | None = None
        self.chunk_bytes = DOWNLOAD_CHUNK_BYTES
        self.buffer = bytearray()
        self.seq = 0
        self.size = 0
        self.digest = hashlib.sha256()

    async def _begin(self) -> None:
        started = await ask(
            self.caller,
            contracts.BeginEvidenceUpload(
                person_id=self.owner.person_id,
                actor=self.owner.actor,
                filename=self.filename,
                declared_size=self.declared_size,
            ),
        )
        self.upload_id = started.upload_id
        self.chunk_bytes = started.max_chunk_bytes

    async def _send(self, data: bytes) -> None:
        assert self.upload_id is not None
        await ask(
            self.caller,
            contracts.AppendEvidenceChunk(
                person_id=self.owner.person_id,
                actor=self.owner.actor,
                upload_id=self.upload_id,
                seq=self.seq,
                data=base64.b64encode(data).decode("ascii"),
            ),
        )
        self.seq += 1

    async def write(self, data: bytes) -> None:
        if not data:
            return
        if self.upload_id is None:
            await self._begin()
        self.size += len(data)
        self.digest.update(data)
        self.buffer.extend(data)
        while len(self.buffer) >= self.chunk_bytes:
            chunk = bytes(self.buffer[: self.chunk_bytes])
            del self.buffer[: self.chunk_bytes]
            await self._send(chunk)

    async def finish(self) -> contracts.EvidenceFile:
        if self.upload_id is None:
            raise FormProblem(422, "empty_evidence", f"{self.filename} is empty")
        if self.buffer:
            await self._send(bytes(self.buffer))
            self.buffer.clear()
        stored = await ask(
            self.caller,
            contracts.CompleteEvidenceUpload(
                person_id=self.owner.person_id,
                actor=self.owner.actor,
                upload_id=self.upload_id,
                expected_size=self.size,
                sha256=self.digest.hexdigest(),
            ),
        )
        return stored.evidence

    async def abort(self) -> None:
        """Give the upload up (after a failure of ours or of the transport); a closed upload is left alone."""
        if self.upload_id is None:
            return
        # Already closed by the service's refusal, or unreachable: it abandons stale uploads itself.
        with contextlib.suppress(RpcError):
            await ask(
                self.caller,
                contracts.AbortEvidenceUpload(
                    person_id=self.owner.person_id, actor=self.owner.actor, upload_id=self.upload_id
                ),
            )


@dataclass
class ReceivedForm:
    """The text fields of a multipart form and the evidence files stored from it, in the order sent."""

    fields: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    evidence: list[contracts.EvidenceFile] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        if name == CSRF_FIELD:
            return
        self.lists.setdefault(name, []).append(value)
        self.fields.setdefault(name, value.strip())


async def _stream_file(uploader: EvidenceUploader, chunks: AsyncIterator[bytes]) -> contracts.EvidenceFile:
    try:
        async for chunk in chunks:
            await uploader.write(chunk)
        return await uploader.finish()
    except RpcError as exc:
        if exc.status not in (413, 415):  # those the service has aborted already
            await uploader.abort()
        raise
    except BaseException:
        await uploader.abort()
        raise


async def _spooled_chunks(upload: UploadFile, size: int) -> AsyncIterator[bytes]:
    await upload.seek(0)
    while chunk := await upload.read(size):
        yield chunk


def _spooled_size(upload: UploadFile) -> int:
    handle = upload.file
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return int(size)


async def receive_form(
    request: Request[Any, Any, Any], caller: ServiceCaller, owner: PortfolioOwner, received: ReceivedForm
) -> None:
    """Read a multipart form into `received`, storing every non-empty `evidence` file with the portfolio service
    as it comes (so after a failure `received` still holds what arrived before it).

    Raises FormProblem for a malformed or oversized body, RpcError for the service's refusals (413 too large,
    415 not an accepted type, ...).
    """
    content_type, options = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        # Fields only (no files): what a client sends when it attaches nothing.
        for name, value in (await request.form()).multi_items():
            received.add(name, str(value))
        return
    if content_type != "multipart/form-data":
        raise FormProblem(415, "multipart_required", "Send the activity as multipart/form-data.")
    parsed = ScopeState.from_scope(request.scope).form
    if parsed is not Empty:
        # Something read the form already: the files wait in spooled temp files.
        form = await request.form()
        uploads = []
        # Every `evidence` part counts towards the limit, with a file name or not (see `_parse_stream`).
        evidence_parts = sum(1 for name, _ in form.multi_items() if name == EVIDENCE_FIELD)
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                received.add(name, str(value))
            elif name == EVIDENCE_FIELD and value.filename:
                uploads.append(value)
        if evidence_parts > MAX_FILES_PER_REQUEST:
            raise FormProblem(413, "too_many_files", f"At most {MAX_FILES_PER_REQUEST} files at once.")
        for upload in uploads:
            size = _spooled_size(upload)
            if size == 0:
                raise FormProblem(422, "empty_evidence", f"{upload.filename} is empty")
            uploader = EvidenceUploader(caller, owner, upload.filename, declared_size=size)
            received.evidence.append(await _stream_file(uploader, _spooled_chunks(upload, DOWNLOAD_CHUNK_BYTES)))
        return
    boundary = options.get("boundary")
    if not boundary:
        raise FormProblem(400, "bad_multipart", "The multipart boundary is missing from Content-Type.")
    await _parse_stream(request, caller, owner, boundary.encode("latin-1"), received)


async def _parse_stream(
    request: Request[Any, Any, Any],
    caller: ServiceCaller,
    owner: PortfolioOwner,
    boundary: bytes,
    received: ReceivedForm,
) -> None:
    """Push the body through a multipart parser as it arrives; file bytes go on to the service at once."""
    segment: MultipartSegment | None = None
    uploader: EvidenceUploader | None = None
    text = bytearray()
    files = 0
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_FILES_PER_REQUEST + 40) as parser:
            stream = request.stream()
            ended = False
            while not parser.closed:
                if ended:
                    raise FormProblem(400, "bad_multipart", "The multipart body ended too early.")
                try:
                    chunk = await stream.__anext__()
                except StopAsyncIteration:
                    chunk = b""
                ended = not chunk
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment = event
                        text.clear()
                        uploader = None
                        if segment.name == EVIDENCE_FIELD:
                            # Counted with or without a file name: the documented limit is on `evidence` parts, and
                            # more of them than allowed was accepted when they came without one.
                            files += 1
                            if files > MAX_FILES_PER_REQUEST:
                                raise FormProblem(
                                    413, "too_many_files", f"At most {MAX_FILES_PER_REQUEST} files at once."
                                )
                        if segment.filename and segment.name == EVIDENCE_FIELD:
                            uploader = EvidenceUploader(caller, owner, segment.filename)
                    elif event:
                        if uploader is not None:
                            await _write(uploader, bytes(event))
                        elif segment is not None and segment.filename is None:
                            text.extend(event)
                            if len(text) > MAX_FIELD_BYTES:
                                raise FormProblem(413, "field_too_large", f"The field {segment.name} is too long.")
                    else:
                        if segment is None:
                            raise FormProblem(400, "bad_multipart", "The multipart body is malformed.")
                        if uploader is not None:
                            received.evidence.append(await _finish(uploader))
                        elif segment.filename is None:
                            received.add(segment.name, text.decode(segment.charset or "utf-8", errors="replace"))
                        segment, uploader = None, None
    except (ParserError, ParserLimitReached) as exc:
        if uploader is not None:
            await uploader.abort()
        raise FormProblem(400, "bad_multipart", f"The multipart body is malformed: {exc}") from exc
    except ClientException as exc:  # Litestar's own body limit
        if uploader is not None:
            await uploader.abort()
        raise FormProblem(exc.status_code, "request_too_large", str(exc.detail)) from exc
    except FormProblem:
        if uploader is not None:
            await uploader.abort()
        raise


async def _write(uploader: EvidenceUploader, data: bytes) -> None:
    try:
        await uploader.write(data)
    except RpcError as exc:
        if exc.status not in (413, 415):
            await uploader.abort()
        raise


async def _finish(uploader: EvidenceUploader) -> contracts.EvidenceFile:
    try:
        return await uploader.finish()
    except RpcError as exc:
        if exc.status not in (413, 415, 422):
            await uploader.abort()
        raise


# --- Evidence downloads ---------------------------------------------------------------------------------------


async def first_evidence_chunk(
    caller: ServiceCaller, owner: PortfolioOwner, evidence_id: uuid.UUID
) -> contracts.EvidenceChunk:
    return await ask(
        caller,
        contracts.ReadEvidenceChunk(
            person_id=owner.person_id, actor=owner.actor, evidence_id=evidence_id, length=DOWNLOAD_CHUNK_BYTES
        ),
    )


async def evidence_bytes(
    caller: ServiceCaller, owner: PortfolioOwner, first: contracts.EvidenceChunk
) -> AsyncIterator[bytes]:
    """The file's bytes, range by range (one range in memory at a time)."""
    chunk = first
    while True:
        yield base64.b64decode(chunk.data)
        if chunk.next_offset is None:
            return
        chunk = await ask(
            caller,
            contracts.ReadEvidenceChunk(
                person_id=owner.person_id,
                actor=owner.actor,
                evidence_id=chunk.evidence.evidence_id,
                offset=chunk.next_offset,
                length=DOWNLOAD_CHUNK_BYTES,
            ),
        )


async def stream_evidence(
    caller: ServiceCaller, read: Callable[[int], ContractRequest[contracts.EvidenceChunk]]
) -> Stream:
    """A download of an evidence file the portfolio hands out range by range; `read(offset)` is the query for the
    range at `offset` (the reviewer's, the office's: the portfolio checks who may read it, and logs the read).

    The first range is read before answering, so a refusal (404) is a proper error page, not a broken file.
    """
    first = await ask(caller, read(0))

    async def body() -> AsyncIterator[bytes]:
        chunk = first
        yield base64.b64decode(chunk.data)
        while chunk.next_offset is not None:
            chunk = await ask(caller, read(chunk.next_offset))
            yield base64.b64decode(chunk.data)

    file = first.evidence
    return Stream(
        body(),
        media_type=file.content_type,
        headers={**attachment_headers(file.filename), "Content-Length": str(file.size_bytes)},
    )


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition for a download (an ASCII fallback and the UTF-8 name), never rendered inline."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename) or "bestand"
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
