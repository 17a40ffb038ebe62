"""A real S3-protocol server for tests: moto's standalone server (the same HTTP API as AWS S3, objects in memory),
run in a thread of the test process on a free port. The code under test talks to it over HTTP with its real
client (aiobotocore), exactly as it would talk to AWS, MinIO or Ceph.

    with s3_server() as endpoint:
        env = s3_env(endpoint, "evidence")   # PORTFOLIO_* settings for a portfolio process
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tests.support.ports import free_port

S3_REGION = "eu-west-1"
# moto accepts any credentials; the client still signs every request with them.
S3_ACCESS_KEY_ID = "test-access-key"
S3_SECRET_ACCESS_KEY = "test-secret-key"


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 server on 127.0.0.1 and yield its endpoint URL; stopped on exit."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The portfolio's settings for the S3 evidence store on `endpoint` (the bucket is created at start)."""
    return {
        "PORTFOLIO_BLOB_BACKEND": "s3",
        "PORTFOLIO_S3_BUCKET": bucket,
        "PORTFOLIO_S3_ENDPOINT_URL": endpoint,
        "PORTFOLIO_S3_REGION": S3_REGION,
        "PORTFOLIO_S3_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
        "PORTFOLIO_S3_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
        "PORTFOLIO_S3_PATH_STYLE": "true",
        "PORTFOLIO_S3_CREATE_BUCKET": "true",
    }


def _client(endpoint: str) -> Any:
    # A client of the test's own (boto3, which moto depends on), apart from the code under test.
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY_ID,
        aws_secret_access_key=S3_SECRET_ACCESS_KEY,
    )


def object_names(endpoint: str, bucket: str) -> set[str]:
    """Every object name in the bucket."""
    pages = _client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def empty_bucket(endpoint: str, bucket: str) -> int:
    """Delete every object of the bucket (as a lost store would be); returns how many there were."""
    client, names = _client(endpoint), object_names(endpoint, bucket)
    for name in names:
        client.delete_object(Bucket=bucket, Key=name)
    return len(names)
