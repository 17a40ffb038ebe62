"""Composition root of the portfolio service: the only place that reads settings and builds adapters."""

from __future__ import annotations

from pathlib import Path

from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings
from portfolio.entrypoints.events import event_handlers
from portfolio.settings import PortfolioSettings

SERVICE_NAME = "portfolio"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return PortfolioSettings()


def build_runtime(settings: ServiceSettings) -> ServiceRuntime:
    """Wire the portfolio process from its settings."""
    engine = make_engine(settings.database_url)
    return ServiceRuntime(SERVICE_NAME, settings, engine, make_session_factory(engine), event_handlers=event_handlers())
