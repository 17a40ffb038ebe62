"""Composition root of the accreditation service: the only place that reads settings and builds adapters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from accreditation.adapters.webhook_sender import WebhookSender
from accreditation.domain.webhooks import RetryPolicy
from accreditation.entrypoints.events import event_batch_handlers, event_handlers, event_order_key
from accreditation.entrypoints.rpc import rpc_handlers
from accreditation.service_layer import idempotency_store, webhook_delivery, webhooks
from accreditation.service_layer.context import AccreditationContext
from accreditation.settings import AccreditationSettings
from lklr_shared.kit.clock import Clock, make_clock
from lklr_shared.kit.db import make_engine, make_session_factory
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings
from lklr_shared.scheme import default_scheme_path, load_scheme_book

SERVICE_NAME = "accreditation"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ServiceSettings:
    return AccreditationSettings()


@dataclass
class AccreditationRuntime(ServiceRuntime):
    """The service's runtime plus its own background work: the webhook sender and the expiry announcements."""

    sender: WebhookSender | None = None
    background: list[PeriodicJob] = field(default_factory=list)

    async def start(self) -> None:
        await super().start()
        for job in self.background:
            job.start()

    async def stop(self) -> None:
        for job in self.background:
            await job.stop(self.settings.shutdown_grace_seconds)
        if self.sender is not None:
            await self.sender.close()
        await super().stop()


def build_runtime(settings: ServiceSettings, clock: Clock | None = None) -> ServiceRuntime:
    """Wire the accreditation process from its settings (plain ServiceSettings get the service's defaults).

    The clock is the system clock, shifted by the demo's offset file when ``clock_offset_file`` is set (time
    travel moves "today" for editions, posting windows and validity like in every other service); tests may pass
    their own.
    """
    own = (
        settings
        if isinstance(settings, AccreditationSettings)
        else AccreditationSettings.model_validate(settings.model_dump())
    )
    engine = make_engine(own.database_url)
    runtime = AccreditationRuntime(
        SERVICE_NAME,
        own,
        engine,
        make_session_factory(engine),
        event_handlers=event_handlers(),
        event_batch_size=own.event_batch_size,
        event_batch_handlers=event_batch_handlers(),
        event_order_key=event_order_key,
    )

    def unit_of_work() -> UnitOfWork:
        # Through the runtime, so a commit wakes the relay the runtime starts (it exists only after start()).
        return runtime.unit_of_work()

    context = AccreditationContext(
        unit_of_work=unit_of_work,
        scheme=load_scheme_book(own.scheme_path or default_scheme_path()),
        clock=clock or make_clock(own.clock_offset_file),
        idempotency_lease=timedelta(seconds=own.idempotency_lease_seconds),
        allow_demo_commands=own.allow_demo_commands,
        webhook_policy=RetryPolicy(
            first_delay=timedelta(seconds=own.webhook_first_retry_seconds),
            factor=own.webhook_retry_factor,
            max_delay=timedelta(seconds=own.webhook_max_retry_delay_seconds),
            give_up_after=timedelta(seconds=own.webhook_give_up_after_seconds),
            disable_after=own.webhook_disable_after_failures,
        ),
        webhooks_local=own.environment == "local",
        webhook_expiry_warning=timedelta(days=own.webhook_expiry_warning_days),
        objection_decision_weeks=own.objection_decision_weeks,
        objection_extension_weeks=own.objection_extension_weeks,
    )
    runtime.rpc_handlers = rpc_handlers(context)
    sender = WebhookSender(timeout_seconds=own.webhook_timeout_seconds, local=own.environment == "local")
    runtime.sender = sender

    async def deliver_webhooks() -> int:
        return await webhook_delivery.deliver_due(
            context,
            sender.post,
            limit=own.webhook_batch_size,
            claim_for=timedelta(seconds=own.webhook_timeout_seconds * 3),
        )

    async def announce_expiring() -> None:
        await webhooks.announce_expiring(context)

    runtime.background = [
        PeriodicJob("accreditation-webhooks", deliver_webhooks, own.webhook_poll_seconds),
        PeriodicJob("accreditation-webhook-expiry", announce_expiring, own.webhook_expiry_check_seconds),
    ]

    async def release_abandoned(message_id: uuid.UUID) -> None:
        await idempotency_store.release_abandoned(context, message_id)

    runtime.abandoned_requests = release_abandoned
    return runtime
