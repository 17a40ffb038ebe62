"""The audit service on a real PostgreSQL and RabbitMQ, built by its own composition root.

Each test starts its own audit (fresh database, own broker prefix, own scheme file with the sample share it needs,
a ManualClock), so tests share nothing. DossierFrozen events go in through the broker as the portfolio's would;
requests go through the RpcClient the gateway uses; a probe queue bound to `audit.#` records what the audit
publishes (and makes those events routable: the outbox treats an unroutable event as a failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker

from audit.bootstrap import MIGRATIONS_DIR, build_runtime
from audit.entrypoints.runtime import AuditRuntime
from audit.service_layer.deadlines import DeadlineRun, run_deadline_jobs
from audit.settings import AuditSettings
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.contracts.portfolio import DossierActivity, DossierFrozen
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker, event_tap
from lklr_shared.kit.clock import ManualClock, register_today
from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from lklr_shared.scheme import default_scheme_path
from tests.support.events import EventLog
from tests.support.waiting import wait_for

PROBE = "probe"
D = Decimal
_numbers = itertools.count(1)


def scheme_with_share(directory: Path, share: str) -> Path:
    """A copy of the register's scheme file with every version's sample share set to ``share``."""
    text = default_scheme_path().read_text()
    changed, count = re.subn(r"(?m)^sample_share = .*$", f"sample_share = {share}", text)
    assert count >= 1, "config/scheme.toml has no sample_share to change"
    target = directory / f"scheme-share-{share}.toml"
    target.write_text(changed)
    return target


@dataclass
class Audit:
    """One or more running audit processes (in this test process) on one database and broker prefix."""

    runtimes: list[AuditRuntime]
    client: RpcClient
    publisher: Publisher
    events: EventLog
    clock: ManualClock
    engine: Any
    database_url: str

    @property
    def today(self) -> date:
        return register_today(self.clock)

    async def call(self, request: Message, timeout: float = 20) -> Any:
        return await self.client.call("audit", request, timeout=timeout)

    async def refusal(self, request: Message) -> RpcError:
        with pytest.raises(RpcError) as refused:
            await self.call(request)
        return refused.value

    async def publish(self, event: Message | Envelope) -> Envelope:
        envelope = event if isinstance(event, Envelope) else wrap(event)
        await self.publisher.publish(envelope.type, envelope)
        return envelope

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(sa.text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as connection:
            return list(await connection.execute(sa.text(sql), params))

    async def run_deadline_jobs(self) -> DeadlineRun:
        context = self.runtimes[0].context
        assert context is not None
        return await run_deadline_jobs(context)

    async def reviewer(self, employer_id: str, *, person_id: uuid.UUID | None = None) -> uuid.UUID:
        reviewer_id = uuid.uuid4()
        await self.call(
            contracts.RegisterReviewer(
                reviewer_id=reviewer_id, person_id=person_id, employer_id=employer_id, name=f"Reviewer {employer_id}"
            )
        )
        return reviewer_id

    async def wait_for_dossiers(self, count: int, *, timeout: float = 60) -> None:
        await wait_for(
            lambda: self._count_at_least("SELECT count(*) FROM dossiers", count),
            timeout=timeout,
            message=f"{count} dossiers recorded",
        )

    async def _count_at_least(self, sql: str, count: int) -> bool:
        return int(await self.scalar(sql)) >= count

    async def case_of(self, dossier_id: uuid.UUID) -> contracts.CaseView:
        case_id, reviewer_id = (
            await self.rows("SELECT case_id, reviewer_id FROM review_cases WHERE dossier_id = :d", d=dossier_id)
        )[0]
        return await self.call(contracts.GetCase(case_id=case_id, reviewer_id=reviewer_id))

    async def sampled_case(self, **options: Any) -> tuple[DossierFrozen, contracts.CaseView, uuid.UUID]:
        """A dossier (5 self-entered A2 activities of 10 points, 10 points above the norm) published and under
        review: its event, its case and the case's reviewer (register one first)."""
        event = dossier(applied_on=self.today, **options)
        await self.publish(event)
        await wait_for(
            lambda: self.scalar(
                "SELECT count(*) FROM review_cases WHERE dossier_id = :d AND status = 'open'", d=event.dossier_id
            ),
            message="the case to be assigned",
        )
        case = await self.case_of(event.dossier_id)
        reviewer_id = (await self.rows("SELECT reviewer_id FROM review_cases WHERE case_id = :c", c=case.case_id))[0][0]
        return event, case, reviewer_id

    async def ask(
        self, case: contracts.CaseView, activity_id: uuid.UUID, reviewer_id: uuid.UUID, question: str
    ) -> contracts.CaseView:
        """The reviewer asks the professional for more information about a sampled activity."""
        return await self.call(
            contracts.JudgeActivity(
                case_id=case.case_id,
                activity_id=activity_id,
                reviewer_id=reviewer_id,
                verdict="more_information_needed",
                reason=question,
            )
        )

    async def answer(
        self,
        case: contracts.CaseView,
        activity_id: uuid.UUID,
        person_id: uuid.UUID,
        text: str,
        evidence_ids: Sequence[uuid.UUID] = (),
    ) -> Any:
        """The professional answers the open question about an activity (with files, when given)."""
        return await self.call(
            contracts.AnswerInformationRequest(
                case_id=case.case_id,
                activity_id=activity_id,
                person_id=person_id,
                text=text,
                evidence_ids=list(evidence_ids),
            )
        )

    async def concluded(self, dossier_id: uuid.UUID, *, count: int = 1) -> list[contracts.AuditConcluded]:
        return await wait_for(
            lambda: (
                (found := self.events.of(contracts.AuditConcluded, lambda e: e.dossier_id == dossier_id))
                and len(found) >= count
                and found
            ),
            message=f"AuditConcluded for {dossier_id}",
        )


def dossier(
    *,
    self_entered: int = 5,
    a2_points_each: str = "10",
    accredited_points: str = "120",
    employer_id: str = "gemeente-utrecht",
    person_id: uuid.UUID | None = None,
    applied_on: date | None = None,
    round_number: int = 1,
    dossier_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    extra_points: str = "0",
) -> DossierFrozen:
    """A frozen dossier: one accredited course of ``accredited_points`` (A1) plus ``self_entered`` A2 activities.

    Defaults: 120 accredited + 5 × 10 A2 = 170 points; the norm (160 / 40 / 40) holds with a 10-point buffer.
    """
    applied_on = applied_on or date.today()
    activities = [
        DossierActivity(
            activity_id=uuid.uuid4(),
            category="A1",
            activity_type="accredited_course",
            points=D(accredited_points),
            accredited=True,
            self_entered=False,
            completion_date=applied_on - timedelta(days=300),
            title="Geaccrediteerde cursus",
        )
    ]
    activities += [
        DossierActivity(
            activity_id=uuid.uuid4(),
            category="A2",
            activity_type="article",
            points=D(a2_points_each),
            accredited=False,
            self_entered=True,
            completion_date=applied_on - timedelta(days=100 + i),
            title=f"Artikel {i}",
            description="Gepubliceerd in een vakblad",
            evidence=[],
        )
        for i in range(self_entered)
    ]
    if D(extra_points):
        activities.append(
            DossierActivity(
                activity_id=uuid.uuid4(),
                category="A1",
                activity_type="course",
                points=D(extra_points),
                accredited=False,
                self_entered=True,
                completion_date=applied_on - timedelta(days=20),
                title="Aanvullende cursus",
            )
        )
    total = sum((a.points for a in activities), start=D(0))
    accredited = sum((a.points for a in activities if a.accredited), start=D(0))
    a2 = sum((a.points for a in activities if a.category == "A2"), start=D(0))
    number = next(_numbers)
    return DossierFrozen(
        dossier_id=dossier_id or uuid.uuid4(),
        person_id=person_id or uuid.uuid4(),
        registration_number=f"8{number:06d}",
        cycle_id=cycle_id or uuid.uuid4(),
        employer_id=employer_id,
        total_points=total,
        accredited_points=accredited,
        a2_points=a2,
        norm_met=total >= 160 and accredited >= 40 and a2 >= 40,
        activities=activities,
        round=round_number,
        applied_on=applied_on,
        registered_since=applied_on - timedelta(days=5 * 365),
        scheme_version="2018.1",
        cycle_starts_on=applied_on - timedelta(days=5 * 365 - 60),
        cycle_ends_on=applied_on + timedelta(days=60),
    )


async def _bind_probe(broker: RabbitBroker, topology: Topology, log: EventLog) -> None:
    await event_tap(
        broker,
        topology,
        queue=topology.consumer_queue(PROBE),
        routing_key="audit.#",
        on_envelope=log.envelopes.append,
        exclusive=False,
    )


AuditStarter = Callable[..., contextlib.AbstractAsyncContextManager[Audit]]


@pytest.fixture
def start_audit(databases: Any, broker_names: Any, amqp_url: str, tmp_path: Path) -> AuditStarter:
    """Start ``workers`` audit processes on one fresh database and prefix, with sample share ``share``."""

    @contextlib.asynccontextmanager
    async def start(
        *, share: str = "0.10", workers: int = 1, start: datetime | None = None, **settings: Any
    ) -> AsyncIterator[Audit]:
        url = await databases.create("audit")
        await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
        topology = broker_names.topology(consumers={"audit", PROBE}, services={"audit"})
        broker = await connect_broker(amqp_url, name="audit-tests")
        log = EventLog()
        await _bind_probe(broker, topology, log)
        clock = ManualClock(start or datetime.now(UTC))
        options: dict[str, Any] = {
            "environment": "local",
            "database_url": url,
            "amqp_url": amqp_url,
            "broker_prefix": topology.prefix,
            "health_port": 0,
            "outbox_poll_seconds": 0.5,
            "scheme_path": scheme_with_share(tmp_path, share),
            "deadline_job_interval_seconds": 3600,
        } | settings
        runtimes = [build_runtime(AuditSettings(**options), clock=clock) for _ in range(workers)]
        for runtime in runtimes:
            await runtime.start()
        publisher = Publisher(broker, topology.events_exchange, timeout=5)
        engine = make_engine(url)
        try:
            yield Audit(
                runtimes,
                RpcClient(broker, topology, timeout=20, credentials=operator_credentials()),
                publisher,
                log,
                clock,
                engine,
                url,
            )
        finally:
            for runtime in runtimes:
                await runtime.stop()
            await publisher.close()
            await broker.stop()
            await engine.dispose()

    return start


def ids(events: Sequence[Any]) -> list[uuid.UUID]:
    return [event.dossier_id for event in events]
