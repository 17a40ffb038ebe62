"""Audit settings: environment variables prefixed AUDIT_ (read only in the composition root)."""

from __future__ import annotations

from lklr_shared.kit.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/audit.db"
    health_port: int = 8104
