"""Portfolio settings: environment variables prefixed PORTFOLIO_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class PortfolioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIO_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/portfolio.db"
    health_port: int = 8102
    # Events applied in one transaction (with their inbox rows, acknowledged after its commit, in arrival order per
    # person); 0: one per transaction, up to the prefetch of them at once. A burst of registry events is applied
    # many times faster in batches (bench/README.md).
    event_batch_size: int = Field(default=200, ge=0)
    # Evidence files. "local": a folder (local runs; several replicas need a shared volume); "s3": a bucket of an
    # S3-compatible object store (production).
    blob_backend: Literal["local", "s3"] = "local"
    blob_dir: Path = Path(".data/blobs")
    s3_bucket: str = ""
    # Object names start with this, so one bucket can hold more than the evidence.
    s3_prefix: str = "evidence/"
    # Empty: AWS S3 itself; else the URL of an S3-compatible server (MinIO, Ceph, a trial server).
    s3_endpoint_url: str = ""
    s3_region: str = "eu-west-1"
    # Empty: botocore's own credential chain (AWS_* variables, web identity, instance role).
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    # Bucket in the path (<endpoint>/<bucket>), as most self-hosted servers need, rather than in the host name.
    s3_path_style: bool = False
    # Create the bucket at start when it is missing: for a trial or test server; production buckets are made (with
    # their versioning and lifecycle rules) by whoever runs the storage.
    s3_create_bucket: bool = False
    # The most one person's evidence may take: stored files (attached or not) plus uploads in progress.
    evidence_quota_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    # Evidence attached to no entry this long is removed (an upload never finished, a file for a form never sent).
    unattached_evidence_hours: float = Field(default=24.0, gt=0)
    # How often the removal runs.
    evidence_cleanup_interval_seconds: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> PortfolioSettings:
        if self.blob_backend == "s3" and not self.s3_bucket:
            raise ValueError("PORTFOLIO_BLOB_BACKEND=s3 needs PORTFOLIO_S3_BUCKET")
        return self
