"""Portfolio settings: environment variables prefixed PORTFOLIO_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class PortfolioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIO_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/portfolio.db"
    health_port: int = 8102
    # Evidence files. "local": a folder (shared between replicas, e.g. a volume); "s3" is not wired yet.
    blob_backend: Literal["local", "s3"] = "local"
    blob_dir: Path = Path(".data/blobs")
