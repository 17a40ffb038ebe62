"""The real S3 client behind :class:`portfolio.adapters.blobs.S3BlobStore`: aiobotocore.

aiobotocore rather than boto3 in a worker thread: it is botocore (the same request signing, retries, credential
chain and endpoint handling as boto3, maintained alongside it by aio-libs) on aiohttp, so a chunk's upload awaits
on the event loop like the service's database and broker calls do, without tying up a thread per request, and the
HTTP connection pool is shared by every request of the process.

Credentials: explicit ones from the settings when given, else botocore's own chain (``AWS_*`` variables, a web
identity token, an instance role), so a Kubernetes deployment can use either a Secret or workload identity.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from portfolio.adapters.blobs import BlobNotFound

__all__ = ["AiobotocoreS3Client", "S3BucketMissing"]

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3BucketMissing(RuntimeError):
    """The configured bucket does not exist (and the settings do not allow creating it)."""


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


class AiobotocoreS3Client:
    """:class:`portfolio.adapters.blobs.S3Client` on one aiobotocore client, opened by :meth:`open`.

    ``endpoint_url`` points at an S3-compatible server (MinIO, Ceph, a test server); None means AWS itself.
    ``path_style`` addresses buckets as ``<endpoint>/<bucket>`` rather than ``<bucket>.<endpoint>``, which most
    self-hosted servers need.
    """

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        path_style: bool = False,
        max_connections: int = 20,
    ) -> None:
        self._options: dict[str, Any] = {
            "region_name": region,
            "endpoint_url": endpoint_url or None,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
            "config": AioConfig(
                s3={"addressing_style": "path" if path_style else "auto"},
                max_pool_connections=max_connections,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        }
        self._context: Any = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Create the client (and its connection pool); idempotent."""
        async with self._lock:
            if self._client is None:
                self._context = get_session().create_client("s3", **self._options)
                self._client = await self._context.__aenter__()

    async def close(self) -> None:
        """Close the connection pool; the client can be opened again."""
        async with self._lock:
            if self._context is not None:
                context, self._context, self._client = self._context, None, None
                await context.__aexit__(None, None, None)

    @property
    def _s3(self) -> Any:
        if self._client is None:
            raise RuntimeError("the S3 client is not open (the blob store's open() runs at service start)")
        return self._client

    async def ensure_bucket(self, bucket: str, *, create: bool) -> None:
        """Check that ``bucket`` exists; create it when ``create`` (a trial or test server), else refuse."""
        try:
            await self._s3.head_bucket(Bucket=bucket)
            return
        except ClientError as exc:
            if not _is_missing(exc):
                raise
        if not create:
            raise S3BucketMissing(
                f"the S3 bucket {bucket!r} does not exist; create it, or set PORTFOLIO_S3_CREATE_BUCKET=true"
            )
        region = self._options["region_name"]
        # S3 wants the region named for every region but its first one (and refuses it there).
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        await self._s3.create_bucket(Bucket=bucket, **where)

    async def put_object(self, bucket: str, key: str, body: bytes) -> None:
        await self._s3.put_object(Bucket=bucket, Key=key, Body=body)

    async def get_object(self, bucket: str, key: str, byte_range: tuple[int, int] | None = None) -> bytes:
        extra = {} if byte_range is None else {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"}
        try:
            response = await self._s3.get_object(Bucket=bucket, Key=key, **extra)
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(f"no object {key}") from exc
            raise
        async with response["Body"] as stream:
            data: bytes = await stream.read()
        return data

    async def copy_object(self, bucket: str, source: str, target: str) -> None:
        try:
            await self._s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(f"no object {source}") from exc
            raise

    async def delete_object(self, bucket: str, key: str) -> None:
        await self._s3.delete_object(Bucket=bucket, Key=key)

    async def list_keys(self, bucket: str, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys
