"""The audit process: the kit's runtime plus a batching event consumer and the periodic deadline jobs.

The kit's `ServiceRuntime` runs the outbox relay, the RPC server and the health probes (and metrics); the audit adds
its case figures (`figures`) to both. The audit consumes its
events with `BatchEventConsumer` instead of the one-message-per-transaction consumer, because a cycle-end peak
brings tens of thousands of dossiers at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from audit.service_layer.context import AuditContext
from lklr_shared.contracts.base import Message
from lklr_shared.kit.batch_consumer import BatchEventConsumer, BatchHandler
from lklr_shared.kit.metrics import Metrics, process_metrics
from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.runtime import ServiceRuntime


@dataclass
class AuditRuntime(ServiceRuntime):
    """A `ServiceRuntime` that also runs a batch consumer and periodic jobs."""

    batch_handlers: Mapping[type[Message], BatchHandler] = field(default_factory=dict)
    jobs: list[PeriodicJob] = field(default_factory=list)
    max_batch: int = 500
    max_batch_wait_seconds: float = 0.02
    batch_consumer: BatchEventConsumer | None = None
    # The use cases' dependencies (tests run the deadline jobs or use cases through it directly).
    context: AuditContext | None = None

    def event_consumers(self) -> list[str]:
        """The batch consumer too (the kit's runtime knows only its own consumer)."""
        return super().event_consumers() + ([self.batch_consumer.name] if self.batch_consumer is not None else [])

    async def start(self) -> None:
        await super().start()
        assert self.broker is not None and self.relay is not None  # made by super().start()
        if self.batch_handlers:
            self.batch_consumer = BatchEventConsumer(
                self._consumer_wiring(),
                self.batch_handlers,
                max_batch=self.max_batch,
                max_wait_seconds=self.max_batch_wait_seconds,
                prefetch_count=max(self.settings.prefetch_count, 2 * self.max_batch),
            )
            await self.batch_consumer.start()
            if self.watchdog is not None:
                self.watchdog.watch(self.batch_consumer)
        for job in self.jobs:
            job.start()
        process_metrics().add_source("audit:cases", self._case_metrics)

    async def _case_metrics(self, metrics: Metrics) -> None:
        if self.figures is not None:
            for state, count in (await self.figures()).items():
                metrics.audit_cases.labels(state=state).set(count)

    async def stop(self) -> None:
        grace = self.settings.shutdown_grace_seconds
        process_metrics().remove_source("audit:cases")
        for job in self.jobs:
            await job.stop(grace)
        if self.batch_consumer is not None:
            await self.batch_consumer.stop(grace)
        await super().stop()
