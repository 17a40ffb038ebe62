"""The portfolio process with its periodic housekeeping: the kit's runtime plus jobs run every N seconds
(`lklr_shared.kit.periodic.PeriodicJob`).

Today that is removing evidence attached to no entry (`service_layer.evidence.remove_unattached_evidence`). Every
replica runs the jobs; they lock what they change and skip what another holds, so that is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lklr_shared.kit.periodic import PeriodicJob
from lklr_shared.kit.runtime import ServiceRuntime
from portfolio.service_layer.common import PortfolioContext


@dataclass
class PortfolioRuntime(ServiceRuntime):
    """A `ServiceRuntime` that also runs periodic jobs."""

    jobs: list[PeriodicJob] = field(default_factory=list)
    # The use cases' dependencies (tests run the jobs' use cases through it directly).
    context: PortfolioContext | None = None

    async def start(self) -> None:
        if self.context is not None:
            # Before taking requests: a missing bucket or unreachable store stops the start with its reason.
            await self.context.blobs.open()
        await super().start()
        for job in self.jobs:
            job.start()

    async def stop(self) -> None:
        for job in self.jobs:
            await job.stop(self.settings.shutdown_grace_seconds)
        await super().stop()
        if self.context is not None:
            await self.context.blobs.close()
