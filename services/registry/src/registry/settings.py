"""Registry settings: environment variables prefixed REGISTRY_ (read only in the composition root)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/registry.db"
    health_port: int = 8101
