"""Audit settings: environment variables prefixed AUDIT_ (read only in the composition root)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/audit.db"
    health_port: int = 8104
