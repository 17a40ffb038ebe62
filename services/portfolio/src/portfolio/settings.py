"""Portfolio settings: environment variables prefixed PORTFOLIO_ (read only in the composition root)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class PortfolioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTFOLIO_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/portfolio.db"
    health_port: int = 8102
