"""Composition root of the registry: the only place that reads settings and builds adapters."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.clock import make_clock, system_clock
from lklr_shared.kit.db import is_sqlite, make_engine, make_session_factory
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.scheme import default_scheme_path, load_scheme_book
from registry.adapters.credential_signer import CredentialSigner
from registry.adapters.mail import FolderMailer, Mailer, SmtpMailer, SmtpOptions
from registry.adapters.mail_relay import MailRelay
from registry.adapters.secret_box import SecretBox, seal_plain_totp_secrets
from registry.adapters.security import PasswordHasher, TotpVerifier
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.login_throttle import ThrottlePolicy
from registry.domain.rate_limit import RateLimit
from registry.domain.retention import Pseudonymiser, RetentionSchedule
from registry.entrypoints.events import event_handlers
from registry.entrypoints.rpc import rpc_handlers
from registry.entrypoints.scheduler import JobTimer
from registry.service_layer.context import Clock, MailLinks, RegistryContext, RegistryPolicy
from registry.service_layer.scheduled_jobs import ScheduledJobs
from registry.settings import RegistrySettings

SERVICE_NAME = "registry"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

log = logging.getLogger(__name__)


def load_settings() -> ServiceSettings:
    return RegistrySettings()


@dataclass
class RegistryRuntime(ServiceRuntime):
    """The kit's service process plus the registry's mail relay (sent after commit, like events) and the timer
    of its scheduled jobs."""

    mail_relay: MailRelay | None = None
    secrets: SecretBox | None = None
    jobs: ScheduledJobs | None = None
    job_timer: JobTimer | None = None
    _mail_task: asyncio.Task[None] | None = None
    _timer_task: asyncio.Task[None] | None = None

    def unit_of_work(self, caused_by: Envelope | None = None) -> RegistryUnitOfWork:
        return RegistryUnitOfWork(self.session_factory, self.relay, mail_relay=self.mail_relay, caused_by=caused_by)

    async def start(self) -> None:
        if self.secrets is not None:
            # Secrets stored before sealing existed are sealed before anything reads them.
            await seal_plain_totp_secrets(self.session_factory, self.secrets)
        await super().start()
        if self.mail_relay is not None:
            self._mail_task = asyncio.create_task(self.mail_relay.run(), name=f"{self.name}-mail-relay")
        if self.job_timer is not None:
            self._timer_task = asyncio.create_task(self.job_timer.run(), name=f"{self.name}-scheduled-jobs")

    async def stop(self) -> None:
        if self.job_timer is not None and self._timer_task is not None:
            self.job_timer.stop()
            try:
                await asyncio.wait_for(asyncio.shield(self._timer_task), timeout=self.settings.shutdown_grace_seconds)
            except TimeoutError:
                # A page in progress rolls back; the next start (or another replica) does it again.
                log.warning("%s: scheduled jobs still busy at shutdown; stopping anyway", self.name)
                self._timer_task.cancel()
        if self.mail_relay is not None and self._mail_task is not None:
            self.mail_relay.stop()
            try:
                await asyncio.wait_for(asyncio.shield(self._mail_task), timeout=self.settings.shutdown_grace_seconds)
            except TimeoutError:
                # Unsent mail stays in the outbox and the next start sends it: nothing is lost.
                log.warning("%s: mail relay still busy at shutdown; stopping anyway", self.name)
                self._mail_task.cancel()
        await super().stop()


def _registry_settings(settings: ServiceSettings) -> RegistrySettings:
    if isinstance(settings, RegistrySettings):
        return settings
    # A plain ServiceSettings (e.g. from a generic caller): keep its values, read the registry's own from env.
    return RegistrySettings(**settings.model_dump())


def _mailer(settings: RegistrySettings) -> tuple[Mailer, FolderMailer | None]:
    if settings.mail_backend == "smtp":
        options = SmtpOptions(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_start_tls,
            use_tls=settings.smtp_use_tls,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
        return SmtpMailer(options, settings.mail_from), None
    folder = FolderMailer(settings.mail_dir, settings.mail_from)
    return folder, folder if settings.dev_mailbox else None


def _unicode_lower_for_sqlite(engine: AsyncEngine) -> None:
    """SQLite's lower() folds ASCII only; the register search must match "Öztürk" for "öz" as PostgreSQL does."""

    @event.listens_for(engine.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function(
            "lower", 1, lambda text: text.lower() if isinstance(text, str) else text, deterministic=True
        )


def unsafe_settings(settings: RegistrySettings) -> list[str]:
    """Why these settings are unsafe outside a local run (empty: safe, or a local run)."""
    if settings.environment == "local":
        return []
    problems = []
    if not settings.totp_encryption_key.get_secret_value():
        problems.append("REGISTRY_TOTP_ENCRYPTION_KEY is not set (the development key is public)")
    if not settings.credential_signing_key.get_secret_value():
        problems.append("REGISTRY_CREDENTIAL_SIGNING_KEY is not set (the development key is public)")
    if settings.allow_demo_commands:
        problems.append("REGISTRY_ALLOW_DEMO_COMMANDS creates accounts with known passwords")
    if settings.dev_mailbox:
        problems.append("REGISTRY_DEV_MAILBOX lists mail with reset links")
    if not settings.pseudonym_key.get_secret_value():
        problems.append("REGISTRY_PSEUDONYM_KEY is not set (the development key is public)")
    return problems


def build_context(
    settings: RegistrySettings, *, dev_mailbox: FolderMailer | None, clock: Clock | None = None
) -> RegistryContext:
    """The use cases' dependencies, from settings (refused outside a local run when they are unsafe)."""
    problems = unsafe_settings(settings)
    if problems:
        raise RuntimeError("the registry refuses to start outside a local run: " + "; ".join(problems))
    policy = RegistryPolicy(
        timezone=ZoneInfo(settings.timezone),
        throttle=ThrottlePolicy(
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
            backoff_base=timedelta(seconds=settings.login_backoff_base_seconds),
            backoff_cap=timedelta(seconds=settings.login_backoff_max_seconds),
        ),
        register_lookup_rate=RateLimit(
            limit=settings.register_lookups_per_window,
            window=timedelta(seconds=settings.register_lookup_window_seconds),
        ),
        register_search_max_results=settings.register_search_max_results,
        session_lifetime=timedelta(hours=settings.session_hours),
        api_token_lifetime=timedelta(days=settings.api_token_days),
        confirmation_token_lifetime=timedelta(hours=settings.confirmation_token_hours),
        password_reset_token_lifetime=timedelta(minutes=settings.password_reset_token_minutes),
        statistics_decimals=settings.statistics_decimals,
        allow_demo_commands=settings.allow_demo_commands,
        second_factor_link_lifetime=timedelta(hours=settings.second_factor_link_hours),
        objection_decision_weeks=settings.objection_decision_weeks,
        objection_extension_weeks=settings.objection_extension_weeks,
        account_request_rate=RateLimit(
            limit=settings.account_requests_per_window,
            window=timedelta(seconds=settings.account_request_window_seconds),
        ),
    )
    context = RegistryContext(
        policy=policy,
        scheme=load_scheme_book(settings.scheme_path or default_scheme_path()),
        links=MailLinks(
            base_url=settings.public_base_url,
            confirm_email_path=settings.confirm_email_path,
            reset_password_path=settings.reset_password_path,
            enrol_second_factor_path=settings.enrol_second_factor_path,
        ),
        passwords=PasswordHasher(),
        totp=TotpVerifier(settings.totp_issuer),
        dev_mailbox=dev_mailbox,
        secrets=SecretBox.from_setting(settings.totp_encryption_key.get_secret_value()),
        credentials=CredentialSigner.from_setting(
            settings.credential_signing_key.get_secret_value(),
            kid=settings.credential_key_id,
            base_url=settings.public_base_url,
        ),
        retention=RetentionSchedule.from_days(
            account=settings.retention_account_days,
            registration=settings.retention_registration_days,
            portfolio=settings.retention_portfolio_days,
            audit_dossiers=settings.retention_audit_dossiers_days,
            attendance=settings.retention_attendance_days,
            logs=settings.retention_logs_days,
        ),
        pseudonyms=Pseudonymiser.from_setting(settings.pseudonym_key.get_secret_value()),
    )
    if clock is not None:
        context.clock = clock
    return context


def build_runtime(settings: ServiceSettings, *, clock: Clock | None = None) -> RegistryRuntime:
    """Wire the registry process from its settings.

    ``clock`` lets tests move time (a ManualClock); by default the system clock, shifted by the demo's offset
    file when ``clock_offset_file`` is set, so time travel moves expiry and reminders with every other service.
    """
    registry_settings = _registry_settings(settings)
    engine = make_engine(registry_settings.database_url)
    if is_sqlite(registry_settings.database_url):
        _unicode_lower_for_sqlite(engine)
    session_factory = make_session_factory(engine)
    mailer, dev_mailbox = _mailer(registry_settings)
    context = build_context(
        registry_settings, dev_mailbox=dev_mailbox, clock=clock or make_clock(registry_settings.clock_offset_file)
    )
    if clock is None:
        # Authenticator apps know only the real time: second-factor codes are checked against it, also while the
        # demo's offset file moves the register's clock.
        context.second_factor_clock = system_clock
    mail_relay = MailRelay(session_factory, mailer, poll_seconds=registry_settings.mail_poll_seconds)
    runtime = RegistryRuntime(
        SERVICE_NAME,
        registry_settings,
        engine,
        session_factory,
        event_handlers=event_handlers(context, mail_relay),
        mail_relay=mail_relay,
        secrets=context.secrets,
    )

    def jobs_unit_of_work() -> RegistryUnitOfWork:
        # Through the runtime, so commits wake the relays it starts (they exist only after start()).
        return runtime.unit_of_work()

    jobs = ScheduledJobs(jobs_unit_of_work, context, batch_size=registry_settings.scheduled_jobs_batch_size)
    runtime.jobs = jobs
    if registry_settings.scheduled_jobs_enabled:
        runtime.job_timer = JobTimer(jobs, registry_settings.scheduled_jobs_interval_seconds)
    # Through the runtime, so commits wake the relays it starts.
    context.unit_of_work = runtime.unit_of_work
    runtime.rpc_handlers = rpc_handlers(context, jobs)
    return runtime
