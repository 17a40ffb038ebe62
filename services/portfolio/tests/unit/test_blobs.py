"""Blob stores: staged writes by offset (a retry overwrites), atomic commit, ranged reads.

The local-folder store runs on a temporary folder (file I/O, so not marked `unit`); the S3 store runs against an
in-memory stand-in for the S3 client interface, which checks the layout logic only (the real client is not wired).
"""

from __future__ import annotations

import pytest

from portfolio.adapters.blobs import BlobNotFound, BlobStore, LocalFolderBlobStore, S3BlobStore, iter_blob

KEY = "0123456789abcdef0123456789abcdef"


class InMemoryS3:
    """Only what S3Client promises: whole-object put/get (with an inclusive range), delete, list by prefix."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    async def put_object(self, bucket: str, key: str, body: bytes) -> None:
        self.objects[(bucket, key)] = bytes(body)

    async def get_object(self, bucket: str, key: str, byte_range: tuple[int, int] | None = None) -> bytes:
        try:
            body = self.objects[(bucket, key)]
        except KeyError as exc:
            raise BlobNotFound(key) from exc
        return body if byte_range is None else body[byte_range[0] : byte_range[1] + 1]

    async def delete_object(self, bucket: str, key: str) -> None:
        self.objects.pop((bucket, key), None)

    async def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(key for (b, key) in self.objects if b == bucket and key.startswith(prefix))


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.unit)])
def store(request, tmp_path) -> BlobStore:  # type: ignore[no-untyped-def]
    if request.param == "local":
        return LocalFolderBlobStore(tmp_path)
    return S3BlobStore(InMemoryS3(), "evidence-bucket")


async def test_staged_chunks_become_one_blob_readable_by_range(store: BlobStore) -> None:
    await store.write_at(KEY, 0, b"hello ")
    await store.write_at(KEY, 6, b"wide ")
    await store.write_at(KEY, 11, b"world")
    with pytest.raises(BlobNotFound):
        await store.read(KEY, 0, 5)  # nothing is readable before the commit
    await store.commit(KEY, 16)

    assert await store.read(KEY, 0, 100) == b"hello wide world"
    assert await store.read(KEY, 4, 5) == b"o wid"
    assert await store.read(KEY, 16, 5) == b""
    assert b"".join([piece async for piece in iter_blob(store, KEY, 16, 3)]) == b"hello wide world"


async def test_a_retried_chunk_replaces_what_a_failed_attempt_staged(store: BlobStore) -> None:
    await store.write_at(KEY, 0, b"abc")
    await store.write_at(KEY, 3, b"XXXX")  # its database transaction failed: the database still says 3 bytes
    await store.write_at(KEY, 3, b"def")
    await store.commit(KEY, 6)
    assert await store.read(KEY, 0, 10) == b"abcdef"


async def test_a_commit_repeated_after_a_failed_transaction_succeeds(store: BlobStore) -> None:
    await store.write_at(KEY, 0, b"abc")
    await store.commit(KEY, 3)
    await store.commit(KEY, 3)
    assert await store.read(KEY, 0, 3) == b"abc"


async def test_discarded_and_deleted_blobs_are_gone(store: BlobStore) -> None:
    await store.write_at(KEY, 0, b"abc")
    await store.discard(KEY)
    with pytest.raises(BlobNotFound):
        await store.commit(KEY, 3)
    await store.write_at(KEY, 0, b"abc")
    await store.commit(KEY, 3)
    await store.delete(KEY)
    with pytest.raises(BlobNotFound):
        await store.read(KEY, 0, 3)


@pytest.mark.unit
@pytest.mark.parametrize("key", ["../../etc/passwd", "ABC", "short", ""])
async def test_keys_that_could_escape_the_store_are_refused(tmp_path, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        await LocalFolderBlobStore(tmp_path).write_at(key, 0, b"x")
