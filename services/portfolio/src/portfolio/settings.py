"""Portfolio settings: environment variables prefixed PORTFOLIO_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class PortfolioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIO_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/portfolio.db"
    health_port: int = 8102
    # Evidence files. "local": a folder (shared between replicas, e.g. a volume); "s3" is not wired yet.
    blob_backend: Literal["local", "s3"] = "local"
    blob_dir: Path = Path(".data/blobs")
    # The most one person's evidence may take: stored files (attached or not) plus uploads in progress.
    evidence_quota_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    # Evidence attached to no entry this long is removed (an upload never finished, a file for a form never sent).
    unattached_evidence_hours: float = Field(default=24.0, gt=0)
    # How often the removal runs.
    evidence_cleanup_interval_seconds: float = Field(default=600.0, gt=0)
