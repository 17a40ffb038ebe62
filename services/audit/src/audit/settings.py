"""Audit settings: environment variables prefixed AUDIT_ (read only in the composition root)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/audit.db"
    health_port: int = 8104
    # DossierFrozen events applied per transaction, and how long to wait for a batch to fill (seconds).
    event_batch_size: int = Field(default=500, gt=0)
    event_batch_wait_seconds: float = Field(default=0.02, ge=0)
    # How often the deadline jobs run (unanswered requests for information, expired corrections).
    deadline_job_interval_seconds: float = Field(default=60.0, gt=0)
