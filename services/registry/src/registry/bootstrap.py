"""Composition root of the registry: the only place that reads settings and builds adapters."""

from __future__ import annotations

from pathlib import Path

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.scheme import default_scheme_path, load_scheme_book
from registry.entrypoints.rpc import rpc_handlers
from registry.settings import RegistrySettings

SERVICE_NAME = "registry"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return RegistrySettings()


def build_runtime(settings: ServiceSettings) -> ServiceRuntime:
    """Wire the registry process from its settings."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    scheme = load_scheme_book(settings.scheme_path or default_scheme_path())
    version = scheme.version_in_force(utcnow().date())
    runtime = ServiceRuntime(SERVICE_NAME, settings, engine, session_factory)

    def unit_of_work() -> UnitOfWork:
        return runtime.unit_of_work()

    runtime.rpc_handlers = rpc_handlers(
        unit_of_work, cycle_years=version.registration.cycle_years, scheme_version=version.version
    )
    return runtime
