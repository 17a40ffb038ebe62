"""Composition root of the audit service: the only place that reads settings and builds adapters."""

from __future__ import annotations

from pathlib import Path

from audit.settings import AuditSettings
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings

SERVICE_NAME = "audit"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return AuditSettings()


def build_runtime(settings: ServiceSettings) -> ServiceRuntime:
    """Wire the audit process from its settings (it consumes no events yet)."""
    engine = make_engine(settings.database_url)
    return ServiceRuntime(SERVICE_NAME, settings, engine, make_session_factory(engine))
