"""The portfolio service on a real PostgreSQL and RabbitMQ, built by its own composition root.

One service process (in this test process) per module; every test registers its own people, so tests share no
data. Events go in through the broker, like the registry's and accreditation's would; requests go through the
same RpcClient the gateway uses. A probe queue bound to `portfolio.*` records what the service publishes (and
makes those events routable: the outbox treats an unroutable event as a failure).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope, utcnow, wrap
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker, event_tap
from lklr_shared.kit.clock import Clock, register_today, system_clock
from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.topology import Topology
from portfolio.bootstrap import MIGRATIONS_DIR, build_runtime
from portfolio.settings import PortfolioSettings
from tests.support.service_settings import local_test_settings
from tests.support.waiting import wait_for

PROBE = "probe"
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_numbers = itertools.count(1)


@dataclass
class Person:
    person_id: uuid.UUID
    registration_number: str
    registered_since: date

    @property
    def actor(self) -> contracts.Actor:
        return contracts.Actor(person_id=self.person_id, origin="203.0.113.7")


@dataclass
class Harness:
    runtime: ServiceRuntime
    topology: Topology
    client: RpcClient
    publisher: Publisher
    engine: Any
    published: list[Envelope] = field(default_factory=list)
    clock: Clock | None = None

    @property
    def today(self) -> date:
        """The service's "today": the register's day of its clock."""
        return register_today(self.clock or system_clock)

    async def call(self, request: Message, timeout: float = 15) -> Any:
        return await self.client.call("portfolio", request, timeout=timeout)

    async def publish(self, event: Message | Envelope) -> Envelope:
        envelope = event if isinstance(event, Envelope) else wrap(event)
        await self.publisher.publish(envelope.type, envelope)
        return envelope

    async def register(
        self,
        *,
        registered_since: date | None = None,
        employer_id: str = "gemeente-test",
        scheme_version: str = "2018.1",
    ) -> Person:
        """A registered person with an open first cycle, as the registry would announce them."""
        since = registered_since or self.today - timedelta(days=400)
        person = Person(uuid.uuid4(), f"9{next(_numbers):06d}", since)
        await self.publish(
            registry_events.RegistrationGranted(
                person_id=person.person_id,
                registration_number=person.registration_number,
                initials="T.",
                surname=f"Tester {person.registration_number}",
                roles=["leerplichtambtenaar"],
                employer_id=employer_id,
                registered_since=since,
            )
        )
        await self.publish(
            registry_events.CycleOpened(
                person_id=person.person_id,
                registration_number=person.registration_number,
                cycle_id=uuid.uuid4(),
                sequence=1,
                starts_on=since,
                ends_on=since.replace(year=since.year + 5) - timedelta(days=1),
                scheme_version=scheme_version,
            )
        )

        async def has_cycle() -> bool:
            try:
                portfolio = await self.portfolio(person)
            except RpcError as exc:
                if exc.code == "not_registered":
                    return False
                raise
            return portfolio.cycle is not None

        await wait_for(has_cycle, message="the registration and cycle to arrive")
        return person

    async def portfolio(self, person: Person, **options: Any) -> contracts.Portfolio:
        reply = await self.call(contracts.GetPortfolio(person_id=person.person_id, actor=person.actor, **options))
        assert isinstance(reply, contracts.Portfolio)
        return reply

    def attendance(
        self,
        people: Iterable[Person],
        *,
        points: str = "8",
        completion_date: date | None = None,
        category: str = "A1",
        provider_id: uuid.UUID | None = None,
        title: str = "Gespreksvoering met jongeren",
    ) -> accreditation_events.AttendanceRecorded:
        return accreditation_events.AttendanceRecorded(
            batch_id=uuid.uuid4(),
            provider_id=provider_id or uuid.uuid4(),
            provider_name="Opleidingen B.V.",
            course_id=uuid.uuid4(),
            course_title=title,
            edition_id=uuid.uuid4(),
            category=category,  # type: ignore[arg-type]
            completion_date=completion_date or utcnow().date() - timedelta(days=3),
            rows=[
                accreditation_events.AttendanceRow(
                    attendance_id=uuid.uuid4(),
                    registration_number=person.registration_number,
                    person_id=person.person_id,
                    hours=Decimal(points),
                    points=Decimal(points),
                )
                for person in people
            ],
        )

    async def count(self, query: Any) -> int:
        async with self.engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    def published_of(self, contract: type[Message]) -> list[Message]:
        return [envelope.open() for envelope in self.published if envelope.type == contract.wire_name]

    async def upload(
        self, person: Person, chunks: Iterable[bytes], *, filename: str = "bewijs.pdf", **begin: Any
    ) -> contracts.EvidenceStored:
        started = await self.call(
            contracts.BeginEvidenceUpload(person_id=person.person_id, actor=person.actor, filename=filename, **begin)
        )
        for seq, chunk in enumerate(chunks):
            await self.call(
                contracts.AppendEvidenceChunk(
                    person_id=person.person_id,
                    actor=person.actor,
                    upload_id=started.upload_id,
                    seq=seq,
                    data=base64.b64encode(chunk).decode(),
                )
            )
        stored = await self.call(
            contracts.CompleteEvidenceUpload(
                person_id=person.person_id, actor=person.actor, upload_id=started.upload_id
            )
        )
        assert isinstance(stored, contracts.EvidenceStored)
        return stored


async def _bind_probe(broker: RabbitBroker, topology: Topology, published: list[Envelope]) -> None:
    await event_tap(
        broker,
        topology,
        queue=topology.consumer_queue(PROBE),
        routing_key="portfolio.*",
        on_envelope=published.append,
        exclusive=False,
    )


@contextlib.asynccontextmanager
async def running_portfolio(
    databases: Any, broker_names: Any, amqp_url: str, blob_dir: Any, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Harness]:
    """A portfolio process on a fresh database and broker prefix (``clock`` None: the system clock); ``overrides``
    are further PortfolioSettings."""
    url = await databases.create("portfolio")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    topology = broker_names.topology(consumers={"portfolio", PROBE}, services={"portfolio"})
    settings = PortfolioSettings(
        **local_test_settings(url, amqp_url, topology),
        blob_dir=blob_dir,
        **overrides,
    )
    broker = await connect_broker(amqp_url, name="portfolio-tests")
    published: list[Envelope] = []
    await _bind_probe(broker, topology, published)
    runtime = build_runtime(settings, clock=clock)
    await runtime.start()
    publisher = Publisher(broker, topology.events_exchange, timeout=5)
    engine = make_engine(url)
    try:
        yield Harness(
            runtime,
            topology,
            RpcClient(broker, topology, timeout=15, credentials=operator_credentials()),
            publisher,
            engine,
            published,
            clock,
        )
    finally:
        await runtime.stop()
        await publisher.close()
        await broker.stop()
        await engine.dispose()


@pytest_asyncio.fixture(scope="module")
async def service(databases, broker_names, amqp_url, tmp_path_factory) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    async with running_portfolio(databases, broker_names, amqp_url, tmp_path_factory.mktemp("blobs")) as harness:
        yield harness


def rows_of(table: sa.Table, **where: Any) -> Any:
    query = sa.select(sa.func.count()).select_from(table)
    for name, value in where.items():
        column = table.c[name]
        query = query.where(column.in_(value) if isinstance(value, list | tuple | set) else column == value)
    return query
