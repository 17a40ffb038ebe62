"""Evidence files: which file types are accepted, how large they may be, and how an upload is judged chunk by chunk.

Pure rules: no I/O. An upload arrives as numbered chunks; :func:`accept_chunk` judges each one against the state
so far (:class:`UploadProgress`), so a file is never needed whole in memory:

- the file type is decided by the magic bytes at the start of the first chunk (the name and the declared type
  are not trusted): PDF, JPEG, PNG, or a ZIP container that is then required to be a Word document (DOCX);
- the running size is checked on every chunk, so the chunk that crosses the limit is refused before it is stored;
- a DOCX is recognised incrementally: a ZIP container only counts as DOCX once the stream has shown both the
  OOXML content-types part and a ``word/`` part (their names appear uncompressed in the ZIP headers), with a
  short tail carried across chunk boundaries so a name split over two chunks is still found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "DOCX_MARKERS",
    "MAX_CHUNK_BYTES",
    "MAX_EVIDENCE_BYTES",
    "ChunkOutOfOrder",
    "ChunkTooLarge",
    "EmptyChunk",
    "EmptyEvidence",
    "EvidenceKind",
    "EvidenceRejected",
    "EvidenceTooLarge",
    "StorageQuotaExceeded",
    "UnsupportedEvidenceType",
    "UploadProgress",
    "accept_chunk",
    "check_quota",
    "clean_filename",
    "finish_upload",
    "sniff_kind",
]

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
"""At most 10 MB per evidence file (binary megabytes: 10 485 760 bytes)."""

MAX_CHUNK_BYTES = 256 * 1024
"""At most 256 KB of file content per chunk: small enough for a message, large enough to keep round trips few."""


class EvidenceKind(StrEnum):
    """An accepted evidence file type, with the content type it is served as."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    DOCX = "docx"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        return f".{self.value}" if self is not EvidenceKind.JPEG else ".jpg"


_CONTENT_TYPES: dict[EvidenceKind, str] = {
    EvidenceKind.PDF: "application/pdf",
    EvidenceKind.JPEG: "image/jpeg",
    EvidenceKind.PNG: "image/png",
    EvidenceKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# Signatures at offset 0. A DOCX is a ZIP container; the ZIP signature alone only makes it a candidate.
_SIGNATURES: tuple[tuple[bytes, EvidenceKind], ...] = (
    (b"%PDF-", EvidenceKind.PDF),
    (b"\xff\xd8\xff", EvidenceKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", EvidenceKind.PNG),
    (b"PK\x03\x04", EvidenceKind.DOCX),
)

DOCX_MARKERS: tuple[bytes, ...] = (b"[Content_Types].xml", b"word/")
"""Part names every Word document's ZIP headers carry; both must appear before a ZIP counts as DOCX."""

_TAIL_BYTES = max(len(marker) for marker in DOCX_MARKERS) - 1
_ALL_MARKERS = (1 << len(DOCX_MARKERS)) - 1


class EvidenceRejected(ValueError):
    """An upload broke a rule; ``code`` names the rule for callers that translate it (e.g. into HTTP)."""

    code = "evidence_rejected"


class EvidenceTooLarge(EvidenceRejected):
    """The file is larger than :data:`MAX_EVIDENCE_BYTES`."""

    code = "evidence_too_large"


class UnsupportedEvidenceType(EvidenceRejected):
    """The file's magic bytes are not those of a PDF, JPEG, PNG or DOCX."""

    code = "unsupported_evidence_type"


class StorageQuotaExceeded(EvidenceRejected):
    """The person's stored and pending evidence plus the new bytes would exceed their storage quota."""

    code = "storage_quota_exceeded"


def check_quota(used_bytes: int, incoming_bytes: int, quota_bytes: int) -> None:
    """Raise StorageQuotaExceeded when ``incoming_bytes`` more would take a person past ``quota_bytes``.

    ``used_bytes`` counts every stored file (attached or not) and every byte of uploads still open, so one person
    cannot fill the store with many files under the per-file limit, nor with uploads never finished.
    """
    if used_bytes + incoming_bytes > quota_bytes:
        raise StorageQuotaExceeded(
            f"your evidence would take {used_bytes + incoming_bytes} bytes; the storage quota is {quota_bytes} bytes"
        )


class ChunkOutOfOrder(EvidenceRejected):
    """A chunk arrived with another sequence number than the next one expected."""

    code = "chunk_out_of_order"


class ChunkTooLarge(EvidenceRejected):
    """A chunk holds more than :data:`MAX_CHUNK_BYTES`."""

    code = "chunk_too_large"


class EmptyChunk(EvidenceRejected):
    """A chunk without content (it would make no progress and could hide a client bug)."""

    code = "empty_chunk"


class EmptyEvidence(EvidenceRejected):
    """The upload was completed without any content."""

    code = "empty_evidence"


def sniff_kind(head: bytes) -> EvidenceKind | None:
    """The evidence kind the first bytes of a file announce, or None when they match no accepted type.

    A ZIP signature returns :attr:`EvidenceKind.DOCX` as a candidate; :func:`finish_upload` confirms it.
    """
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _scan_markers(found: int, window: bytes) -> int:
    for index, marker in enumerate(DOCX_MARKERS):
        if marker in window:
            found |= 1 << index
    return found


@dataclass(frozen=True, slots=True)
class UploadProgress:
    """What an upload has shown so far. Persisted between chunks, so any service replica can take the next one.

    ``docx_markers`` is a bit set over :data:`DOCX_MARKERS`; ``tail`` the last bytes of the stream, kept so a
    marker split across two chunks is still found.
    """

    next_seq: int = 0
    received_bytes: int = 0
    kind: EvidenceKind | None = None
    docx_markers: int = 0
    tail: bytes = b""


def accept_chunk(
    progress: UploadProgress, seq: int, data: bytes, *, max_bytes: int = MAX_EVIDENCE_BYTES
) -> UploadProgress:
    """Judge the chunk ``seq`` and return the progress including it; raise an :class:`EvidenceRejected` if not.

    Checks, in order: the sequence number, the chunk size, the total size (the chunk that would cross
    ``max_bytes`` is refused, so nothing beyond the limit is ever stored), and on the first chunk the magic bytes.
    """
    if seq != progress.next_seq:
        raise ChunkOutOfOrder(f"expected chunk {progress.next_seq}, got {seq}")
    if not data:
        raise EmptyChunk(f"chunk {seq} is empty")
    if len(data) > MAX_CHUNK_BYTES:
        raise ChunkTooLarge(f"chunk {seq} holds {len(data)} bytes; at most {MAX_CHUNK_BYTES} are allowed")
    received = progress.received_bytes + len(data)
    if received > max_bytes:
        raise EvidenceTooLarge(f"the file is larger than the maximum of {max_bytes} bytes")
    kind = progress.kind
    if seq == 0:
        kind = sniff_kind(data)
        if kind is None:
            raise UnsupportedEvidenceType("only PDF, JPEG, PNG and DOCX files are accepted (judged by their content)")
    markers = progress.docx_markers
    tail = progress.tail
    if kind is EvidenceKind.DOCX and markers != _ALL_MARKERS:
        window = tail + data
        markers = _scan_markers(markers, window)
        tail = window[-_TAIL_BYTES:]
    return replace(progress, next_seq=seq + 1, received_bytes=received, kind=kind, docx_markers=markers, tail=tail)


def finish_upload(progress: UploadProgress) -> EvidenceKind:
    """The kind of a completed upload; raise when it is empty or a ZIP container that is not a Word document."""
    if progress.received_bytes == 0 or progress.kind is None:
        raise EmptyEvidence("the upload holds no content")
    if progress.kind is EvidenceKind.DOCX and progress.docx_markers != _ALL_MARKERS:
        raise UnsupportedEvidenceType("the ZIP file is not a Word document (DOCX)")
    return progress.kind


def clean_filename(name: str, *, max_length: int = 200) -> str:
    """A display name safe to store and to send back in a Content-Disposition header.

    Drops any directory part (``C:\\fakepath\\x.pdf``, ``../../x``), control characters and quotes; never
    returns an empty name.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:').strip().lstrip(".")
    if len(cleaned) > max_length:
        _stem, dot, extension = cleaned.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        cleaned = cleaned[: max_length - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return cleaned or "bestand"
