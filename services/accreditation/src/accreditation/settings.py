"""Accreditation settings: environment variables prefixed ACCREDITATION_ (read only in the composition root)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class AccreditationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACCREDITATION_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/accreditation.db"
    health_port: int = 8103
