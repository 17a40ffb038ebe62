"""Composition root of the portfolio service: the only place that reads settings and builds adapters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lklr_shared.kit.clock import Clock, make_clock
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.scheme import default_scheme_path, load_scheme_book
from portfolio.adapters.blobs import BlobStore, LocalFolderBlobStore, S3BlobStore
from portfolio.adapters.s3 import AiobotocoreS3Client
from portfolio.entrypoints.events import event_batch_handlers, event_handlers, event_order_key
from portfolio.entrypoints.rpc import rpc_handlers
from portfolio.entrypoints.scheduler import PortfolioRuntime
from portfolio.service_layer.common import PortfolioContext
from portfolio.service_layer.evidence import remove_unattached_evidence
from portfolio.settings import PortfolioSettings

SERVICE_NAME = "portfolio"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return PortfolioSettings()


def build_s3_client(settings: PortfolioSettings) -> AiobotocoreS3Client:
    """The S3 client the settings describe (also used by the backup and restore commands); not opened yet."""
    return AiobotocoreS3Client(
        region=settings.s3_region,
        endpoint_url=settings.s3_endpoint_url or None,
        access_key_id=settings.s3_access_key_id or None,
        secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
        path_style=settings.s3_path_style,
    )


def build_blob_store(settings: ServiceSettings) -> BlobStore:
    """The evidence store the settings name; plain ServiceSettings get the local default folder."""
    if not isinstance(settings, PortfolioSettings):
        return LocalFolderBlobStore(PortfolioSettings.model_fields["blob_dir"].default)
    if settings.blob_backend == "s3":
        return S3BlobStore(
            build_s3_client(settings), settings.s3_bucket, settings.s3_prefix, create_bucket=settings.s3_create_bucket
        )
    return LocalFolderBlobStore(settings.blob_dir)


def build_runtime(settings: ServiceSettings, clock: Clock | None = None) -> PortfolioRuntime:
    """Wire the portfolio process from its settings; tests pass a ManualClock to move time."""
    engine = make_engine(settings.database_url)
    runtime = PortfolioRuntime(SERVICE_NAME, settings, engine, make_session_factory(engine))
    portfolio_settings = (
        # Plain ServiceSettings (tests of the kit) get the defaults, without reading the environment again.
        settings if isinstance(settings, PortfolioSettings) else PortfolioSettings.model_construct()
    )

    def unit_of_work() -> UnitOfWork:
        # Bound late: the runtime creates its outbox relay on start, and commits should wake that relay.
        return runtime.unit_of_work()

    context = PortfolioContext(
        unit_of_work=unit_of_work,
        book=load_scheme_book(settings.scheme_path or default_scheme_path()),
        blobs=build_blob_store(settings),
        clock=clock or make_clock(settings.clock_offset_file),
        evidence_quota_bytes=portfolio_settings.evidence_quota_bytes,
        unattached_evidence_after=timedelta(hours=portfolio_settings.unattached_evidence_hours),
    )
    runtime.event_handlers = event_handlers(context)
    runtime.event_batch_size = portfolio_settings.event_batch_size
    runtime.event_batch_handlers = event_batch_handlers(context)
    runtime.event_order_key = event_order_key
    runtime.rpc_handlers = rpc_handlers(context)
    runtime.context = context
    runtime.jobs = [
        PeriodicJob(
            "unattached-evidence",
            lambda: remove_unattached_evidence(context),
            portfolio_settings.evidence_cleanup_interval_seconds,
        )
    ]
    return runtime
