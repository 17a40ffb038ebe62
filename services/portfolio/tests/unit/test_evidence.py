"""Evidence files judged by their content, chunk by chunk: magic bytes, size limit, order, DOCX recognition."""

from __future__ import annotations

import io
import zipfile

import pytest

from portfolio.domain.evidence import (
    MAX_CHUNK_BYTES,
    MAX_EVIDENCE_BYTES,
    ChunkOutOfOrder,
    ChunkTooLarge,
    EmptyChunk,
    EmptyEvidence,
    EvidenceKind,
    EvidenceTooLarge,
    UnsupportedEvidenceType,
    UploadProgress,
    accept_chunk,
    clean_filename,
    finish_upload,
    sniff_kind,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b"%PDF-1.7\n...", EvidenceKind.PDF, id="pdf"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", EvidenceKind.JPEG, id="jpeg-jfif"),
        pytest.param(b"\xff\xd8\xff\xe1\x00\x10Exif", EvidenceKind.JPEG, id="jpeg-exif"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", EvidenceKind.PNG, id="png"),
        pytest.param(b"PK\x03\x04\x14\x00", EvidenceKind.DOCX, id="zip-is-a-docx-candidate"),
        pytest.param(b"GIF89a", None, id="gif"),
        pytest.param(b"MZ\x90\x00", None, id="windows-executable"),
        pytest.param(b"<html>", None, id="html"),
        pytest.param(b"\x89PNG\r\n", None, id="truncated-png-signature"),
        pytest.param(b" %PDF-1.7", None, id="signature-not-at-the-start"),
        pytest.param(b"", None, id="nothing"),
    ],
)
def test_the_file_type_follows_the_magic_bytes(head: bytes, expected: EvidenceKind | None) -> None:
    assert sniff_kind(head) is expected


def test_a_file_of_exactly_the_maximum_is_accepted_and_one_byte_more_is_not() -> None:
    progress = UploadProgress()
    chunk = b"%PDF-" + b"x" * (MAX_CHUNK_BYTES - 5)
    for seq in range(MAX_EVIDENCE_BYTES // MAX_CHUNK_BYTES):
        progress = accept_chunk(progress, seq, chunk)
    assert progress.received_bytes == MAX_EVIDENCE_BYTES
    assert finish_upload(progress) is EvidenceKind.PDF
    with pytest.raises(EvidenceTooLarge):
        accept_chunk(progress, progress.next_seq, b"x")


def test_the_chunk_that_would_cross_the_limit_is_refused_before_it_counts() -> None:
    progress = accept_chunk(UploadProgress(), 0, b"%PDF-" + b"x" * 95, max_bytes=150)
    with pytest.raises(EvidenceTooLarge):
        accept_chunk(progress, 1, b"y" * 51, max_bytes=150)
    assert accept_chunk(progress, 1, b"y" * 50, max_bytes=150).received_bytes == 150


def test_the_type_is_decided_on_the_first_chunk_only() -> None:
    with pytest.raises(UnsupportedEvidenceType):
        accept_chunk(UploadProgress(), 0, b"GIF89a....")
    progress = accept_chunk(UploadProgress(), 0, b"\x89PNG\r\n\x1a\n....")
    # Later chunks are content: they may hold any bytes, including other signatures.
    assert accept_chunk(progress, 1, b"%PDF-").kind is EvidenceKind.PNG


@pytest.mark.parametrize(
    ("seq", "data", "error"),
    [
        pytest.param(1, b"%PDF-", ChunkOutOfOrder, id="skipped-a-chunk"),
        pytest.param(0, b"", EmptyChunk, id="empty"),
        pytest.param(0, b"%PDF-" + b"x" * MAX_CHUNK_BYTES, ChunkTooLarge, id="chunk-over-256-kb"),
    ],
)
def test_chunks_out_of_order_empty_or_too_large_are_refused(seq: int, data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        accept_chunk(UploadProgress(), seq, data)


def test_an_upload_without_content_cannot_be_completed() -> None:
    with pytest.raises(EmptyEvidence):
        finish_upload(UploadProgress())


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>" * 200)
    return buffer.getvalue()


def _stream(data: bytes, size: int) -> UploadProgress:
    progress = UploadProgress()
    for seq, offset in enumerate(range(0, len(data), size)):
        progress = accept_chunk(progress, seq, data[offset : offset + size])
    return progress


@pytest.mark.parametrize("chunk_size", [5, 8, 19, 64, 100_000])
def test_a_word_document_is_recognised_however_it_is_chunked(chunk_size: int) -> None:
    docx = _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
    assert finish_upload(_stream(docx, chunk_size)) is EvidenceKind.DOCX


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["readme.txt"], id="plain-zip"),
        pytest.param(["[Content_Types].xml", "xl/workbook.xml"], id="excel-workbook"),
    ],
)
def test_a_zip_that_is_not_a_word_document_is_refused(names: list[str]) -> None:
    with pytest.raises(UnsupportedEvidenceType):
        finish_upload(_stream(_zip(names), 64))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("certificaat.pdf", "certificaat.pdf"),
        ("C:\\fakepath\\scan 1.jpg", "scan 1.jpg"),
        ("../../etc/passwd", "passwd"),
        ('a"b<c>.png', "abc.png"),
        ("\x00\x1f", "bestand"),
        (".hidden.pdf", "hidden.pdf"),
        ("x" * 300 + ".docx", "x" * 195 + ".docx"),
    ],
)
def test_file_names_are_cleaned_for_storage_and_download(given: str, expected: str) -> None:
    assert clean_filename(given) == expected
