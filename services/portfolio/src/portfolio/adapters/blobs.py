"""Where evidence bytes live: a blob-store interface, a local-folder store (the default) and an S3-compatible one.

Writes are staged: an upload writes its chunks at increasing offsets into a staging object, and only `commit`
makes the blob readable under its key. The database is the source of truth for how many bytes were accepted, so
`write_at` truncates the staging object to the given offset before writing: a chunk whose database transaction
failed after the bytes were written is simply overwritten by the retry. Reads are ranges, so a download never
needs the whole file in memory either.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

__all__ = ["BlobNotFound", "BlobStore", "LocalFolderBlobStore", "S3BlobStore", "S3Client", "iter_blob"]

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{7,100}$")


class BlobNotFound(LookupError):
    """No committed blob (or staged upload) under that key."""


class BlobStore(Protocol):
    """Staged writes by offset, atomic commit, ranged reads. Keys are opaque lowercase ids (e.g. UUID hex)."""

    async def open(self) -> None:
        """Get ready at the service's start (connect, check the bucket or folder); refuse loudly if it cannot."""
        ...

    async def close(self) -> None:
        """Release connections at the service's stop."""
        ...

    async def write_at(self, key: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the staging object, dropping anything staged beyond ``offset``."""
        ...

    async def commit(self, key: str, size: int) -> None:
        """Make the first ``size`` staged bytes the blob ``key``; the staging object is gone afterwards."""
        ...

    async def discard(self, key: str) -> None:
        """Drop a staging object (an aborted upload); no error when there is none."""
        ...

    async def read(self, key: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the committed blob from ``offset`` (fewer at the end, b"" past it)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a committed blob that no record refers to (a completion that failed its last check)."""
        ...


def _check_key(key: str) -> str:
    # Keys become file names and object names: refuse anything that could climb out of the store's folder.
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid blob key {key!r}")
    return key


async def iter_blob(store: BlobStore, key: str, size: int, chunk_bytes: int) -> AsyncIterator[bytes]:
    """The committed blob in chunks of ``chunk_bytes`` (for checksums and exports; never the whole file at once)."""
    offset = 0
    while offset < size:
        data = await store.read(key, offset, min(chunk_bytes, size - offset))
        if not data:
            raise BlobNotFound(f"blob {key} ended at {offset} of {size} bytes")
        offset += len(data)
        yield data


class LocalFolderBlobStore:
    """Blobs as files under one folder: ``staging/<key>`` while uploading, ``objects/<k[:2]>/<key>`` once committed.

    Good for a single machine or a shared volume. File I/O runs in a worker thread so the event loop keeps serving
    other requests meanwhile.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def open(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def _staging(self, key: str) -> Path:
        return self.root / "staging" / _check_key(key)

    def _object(self, key: str) -> Path:
        return self.root / "objects" / key[:2] / _check_key(key)

    async def write_at(self, key: str, offset: int, data: bytes) -> None:
        path = self._staging(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("r+b" if path.exists() else "w+b") as handle:
                size = handle.seek(0, os.SEEK_END)
                if offset > size:
                    raise ValueError(f"write at {offset} beyond the {size} staged bytes of {key}")
                handle.truncate(offset)
                handle.seek(offset)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())

        await asyncio.to_thread(write)

    async def commit(self, key: str, size: int) -> None:
        staging, target = self._staging(key), self._object(key)

        def commit() -> None:
            if not staging.exists():
                if target.exists():  # committed before, then the database transaction failed: a retry
                    return
                raise BlobNotFound(f"no staged upload {key}")
            with staging.open("r+b") as handle:
                handle.truncate(size)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Same file system, so the rename is atomic: readers see no blob or the whole blob.
            os.replace(staging, target)

        await asyncio.to_thread(commit)

    async def discard(self, key: str) -> None:
        await asyncio.to_thread(self._staging(key).unlink, missing_ok=True)

    async def read(self, key: str, offset: int, length: int) -> bytes:
        path = self._object(key)

        def read() -> bytes:
            try:
                with path.open("rb") as handle:
                    handle.seek(offset)
                    return handle.read(length)
            except FileNotFoundError as exc:
                raise BlobNotFound(f"no blob {key}") from exc

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._object(key).unlink, missing_ok=True)


class S3Client(Protocol):
    """The few calls :class:`S3BlobStore` needs, in plain terms; :mod:`portfolio.adapters.s3` maps them onto
    aiobotocore."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ensure_bucket(self, bucket: str, *, create: bool) -> None:
        """Check that the bucket exists; create it when ``create``, else raise."""
        ...

    async def put_object(self, bucket: str, key: str, body: bytes) -> None: ...

    async def get_object(self, bucket: str, key: str, byte_range: tuple[int, int] | None = None) -> bytes:
        """The object's bytes, or the inclusive ``byte_range``; raises :class:`BlobNotFound` if it is missing."""
        ...

    async def copy_object(self, bucket: str, source: str, target: str) -> None:
        """A server-side copy (the bytes never pass through this process); :class:`BlobNotFound` if missing."""
        ...

    async def delete_object(self, bucket: str, key: str) -> None: ...

    async def list_keys(self, bucket: str, prefix: str) -> list[str]: ...


class S3BlobStore:
    """Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph), through an :class:`S3Client`.

    Layout: each chunk is its own object ``<prefix>staging/<key>/<offset:012d>`` (S3 cannot append, and multipart
    parts must be at least 5 MB, far above our 256 KB chunks, while a part would have to be held somewhere between
    RPC calls that may reach different replicas); ``commit`` copies the parts server-side to
    ``<prefix>objects/<key>/<offset>`` and then writes a small manifest ``<prefix>objects/<key>/manifest.json``
    naming them, so a blob is readable only once whole. A read fetches only the ranges of the parts it needs: no
    step holds more than one chunk.
    """

    def __init__(
        self, client: S3Client, bucket: str, prefix: str = "evidence/", *, create_bucket: bool = False
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._create_bucket = create_bucket

    async def open(self) -> None:
        await self._client.open()
        await self._client.ensure_bucket(self._bucket, create=self._create_bucket)

    async def close(self) -> None:
        await self._client.close()

    def _staging_prefix(self, key: str) -> str:
        return f"{self._prefix}staging/{_check_key(key)}/"

    def _object_prefix(self, key: str) -> str:
        return f"{self._prefix}objects/{_check_key(key)}/"

    async def _staged_offsets(self, key: str) -> list[int]:
        prefix = self._staging_prefix(key)
        keys = await self._client.list_keys(self._bucket, prefix)
        return sorted(int(name.removeprefix(prefix)) for name in keys)

    async def write_at(self, key: str, offset: int, data: bytes) -> None:
        prefix = self._staging_prefix(key)
        for stale in await self._staged_offsets(key):
            if stale >= offset:  # left by a chunk whose database transaction failed; the retry replaces it
                await self._client.delete_object(self._bucket, f"{prefix}{stale:012d}")
        await self._client.put_object(self._bucket, f"{prefix}{offset:012d}", data)

    async def commit(self, key: str, size: int) -> None:
        staging, target = self._staging_prefix(key), self._object_prefix(key)
        offsets = await self._staged_offsets(key)
        if not offsets:
            if await self._client.list_keys(self._bucket, f"{target}manifest.json"):
                return  # committed before, then the database transaction failed: a retry
            raise BlobNotFound(f"no staged upload {key}")
        parts: list[list[int]] = []
        for index, offset in enumerate(offsets):
            if offset >= size:
                break
            end = min(offsets[index + 1], size) if index + 1 < len(offsets) else size
            # A last part staged longer than `size` (a chunk whose transaction failed and was never retried) is
            # copied whole: the manifest's part size keeps reads from ever reaching its extra bytes.
            await self._client.copy_object(self._bucket, f"{staging}{offset:012d}", f"{target}{offset:012d}")
            parts.append([offset, end - offset])
        manifest = json.dumps({"size": size, "parts": parts}).encode()
        await self._client.put_object(self._bucket, f"{target}manifest.json", manifest)
        await self.discard(key)

    async def discard(self, key: str) -> None:
        for name in await self._client.list_keys(self._bucket, self._staging_prefix(key)):
            await self._client.delete_object(self._bucket, name)

    async def read(self, key: str, offset: int, length: int) -> bytes:
        target = self._object_prefix(key)
        manifest = json.loads(await self._client.get_object(self._bucket, f"{target}manifest.json"))
        wanted_end = min(offset + length, int(manifest["size"]))
        pieces: list[bytes] = []
        for part_offset, part_size in manifest["parts"]:
            part_end = part_offset + part_size
            if part_end <= offset or part_offset >= wanted_end:
                continue
            start, stop = max(offset, part_offset), min(wanted_end, part_end)
            pieces.append(
                await self._client.get_object(
                    self._bucket, f"{target}{part_offset:012d}", (start - part_offset, stop - part_offset - 1)
                )
            )
        return b"".join(pieces)

    async def delete(self, key: str) -> None:
        for name in await self._client.list_keys(self._bucket, self._object_prefix(key)):
            await self._client.delete_object(self._bucket, name)
