"""Composition root of the audit service: the only place that reads settings and builds adapters."""

from __future__ import annotations

from pathlib import Path

from audit.adapters.case_figures import case_figures
from audit.entrypoints.events import batch_handlers
from audit.entrypoints.rpc import rpc_handlers
from audit.entrypoints.runtime import AuditRuntime
from audit.service_layer.context import AuditContext, SeedBook
from audit.service_layer.deadlines import run_deadline_jobs
from audit.settings import AuditSettings
from lklr_shared.kit.clock import Clock, make_clock
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.scheme import default_scheme_path, load_scheme_book

SERVICE_NAME = "audit"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return AuditSettings()


def build_context(runtime: ServiceRuntime, settings: ServiceSettings, clock: Clock) -> AuditContext:
    """The use cases' dependencies; commits wake the runtime's outbox relay."""

    def unit_of_work() -> UnitOfWork:
        # Bound late: the runtime creates its outbox relay on start, and commits should wake that relay.
        return runtime.unit_of_work()

    return AuditContext(
        unit_of_work=unit_of_work,
        book=load_scheme_book(settings.scheme_path or default_scheme_path()),
        clock=clock,
        seeds=SeedBook(unit_of_work, clock),
    )


def build_runtime(settings: ServiceSettings, clock: Clock | None = None) -> AuditRuntime:
    """Wire the audit process from its settings; tests pass a ManualClock to move time."""
    audit_settings = settings if isinstance(settings, AuditSettings) else AuditSettings(**settings.model_dump())
    engine = make_engine(audit_settings.database_url)
    runtime = AuditRuntime(
        SERVICE_NAME,
        audit_settings,
        engine,
        make_session_factory(engine),
        max_batch=audit_settings.event_batch_size,
        max_batch_wait_seconds=audit_settings.event_batch_wait_seconds,
    )
    context = build_context(runtime, audit_settings, clock or make_clock(audit_settings.clock_offset_file))
    runtime.context = context
    runtime.rpc_handlers = rpc_handlers(context)
    runtime.batch_handlers = batch_handlers(context)
    runtime.figures = lambda: case_figures(runtime.session_factory, context.today())
    runtime.jobs = [
        PeriodicJob("deadlines", lambda: run_deadline_jobs(context), audit_settings.deadline_job_interval_seconds)
    ]
    return runtime
