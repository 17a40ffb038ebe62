"""Blob stores: staged writes by offset (a retry overwrites), atomic commit, ranged reads.

The local-folder store runs on a temporary folder (file I/O, so not marked `unit`); the S3 store runs against an
in-memory stand-in for the S3 client interface (the layout logic alone), and with its real client (aiobotocore)
against a real S3-protocol server (moto's, started by the test).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from portfolio.adapters.blobs import BlobNotFound, BlobStore, LocalFolderBlobStore, S3BlobStore, iter_blob
from portfolio.adapters.s3 import AiobotocoreS3Client, S3BucketMissing
from tests.support.s3_server import S3_ACCESS_KEY_ID, S3_REGION, S3_SECRET_ACCESS_KEY, s3_server

KEY = "0123456789abcdef0123456789abcdef"


class InMemoryS3:
    """Only what S3Client promises: whole-object put/get (with an inclusive range), delete, list by prefix."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ensure_bucket(self, bucket: str, *, create: bool) -> None:
        return None

    async def put_object(self, bucket: str, key: str, body: bytes) -> None:
        self.objects[(bucket, key)] = bytes(body)

    async def get_object(self, bucket: str, key: str, byte_range: tuple[int, int] | None = None) -> bytes:
        try:
            body = self.objects[(bucket, key)]
        except KeyError as exc:
            raise BlobNotFound(key) from exc
        return body if byte_range is None else body[byte_range[0] : byte_range[1] + 1]

    async def copy_object(self, bucket: str, source: str, target: str) -> None:
        self.objects[(bucket, target)] = await self.get_object(bucket, source)

    async def delete_object(self, bucket: str, key: str) -> None:
        self.objects.pop((bucket, key), None)

    async def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(key for (b, key) in self.objects if b == bucket and key.startswith(prefix))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


def real_client(endpoint: str) -> AiobotocoreS3Client:
    return AiobotocoreS3Client(
        region=S3_REGION,
        endpoint_url=endpoint,
        access_key_id=S3_ACCESS_KEY_ID,
        secret_access_key=S3_SECRET_ACCESS_KEY,
        path_style=True,
    )


@pytest_asyncio.fixture(
    params=[
        "local",
        pytest.param("s3", marks=pytest.mark.unit),
        pytest.param("s3-server", marks=pytest.mark.integration),
    ]
)
async def store(request, tmp_path) -> AsyncIterator[BlobStore]:  # type: ignore[no-untyped-def]
    if request.param == "local":
        store: BlobStore = LocalFolderBlobStore(tmp_path)
    elif request.param == "s3":
        store = S3BlobStore(InMemoryS3(), "evidence-bucket")
    else:
        bucket = f"evidence-{uuid.uuid4().hex[:12]}"
        store = S3BlobStore(real_client(request.getfixturevalue("s3_endpoint")), bucket, create_bucket=True)
    await store.open()
    yield store
    await store.close()


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


@pytest.mark.integration
async def test_the_s3_store_refuses_to_start_without_its_bucket(s3_endpoint: str) -> None:
    store = S3BlobStore(real_client(s3_endpoint), f"missing-{uuid.uuid4().hex[:12]}")
    try:
        with pytest.raises(S3BucketMissing, match="PORTFOLIO_S3_CREATE_BUCKET"):
            await store.open()
    finally:
        await store.close()


@pytest.mark.integration
async def test_a_chunked_upload_is_stored_and_read_back_by_range_on_a_real_s3_server(s3_endpoint: str) -> None:
    """Forty chunks of 256 KiB (the service's chunk size) and an odd tail: parts copied server-side, read by range
    across part boundaries."""
    store = S3BlobStore(real_client(s3_endpoint), f"evidence-{uuid.uuid4().hex[:12]}", create_bucket=True)
    await store.open()
    try:
        chunk = 256 * 1024
        data = bytes(range(256)) * (40 * chunk // 256) + b"tail"
        for offset in range(0, len(data), chunk):
            await store.write_at(KEY, offset, data[offset : offset + chunk])
        await store.commit(KEY, len(data))
        assert await store.read(KEY, chunk - 10, 20) == data[chunk - 10 : chunk + 10]
        assert b"".join([piece async for piece in iter_blob(store, KEY, len(data), chunk)]) == data
    finally:
        await store.close()
