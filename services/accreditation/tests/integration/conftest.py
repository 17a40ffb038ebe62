"""A running accreditation service on PostgreSQL and the real RabbitMQ, called the way the gateway calls it.

One service (database, runtime, broker prefix) per test module; every test makes its own provider, courses
and people, so tests never depend on each other. A test queue bound to `accreditation.#` records every event
the service publishes (and makes them routable: the kit's publishes are mandatory).
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker

from accreditation.bootstrap import MIGRATIONS_DIR, build_runtime
from accreditation.service_layer import registrations
from accreditation.service_layer.context import REGISTER_TIME_ZONE
from accreditation.settings import AccreditationSettings
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import utcnow, wrap
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker, event_tap
from lklr_shared.kit.db import make_engine, make_session_factory, run_migrations
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.topology import Topology
from lklr_shared.registration_numbers import registration_number_for
from tests.support.events import EventLog
from tests.support.service_settings import local_test_settings

# Registration numbers are unique per database; each call hands out sequences no other test uses.
_sequences = itertools.count(1)


def today() -> date:
    """The service's "today" (Dutch calendar day)."""
    return utcnow().astimezone(REGISTER_TIME_ZONE).date()


@dataclass
class Service:
    """The running service and what tests need around it."""

    runtime: ServiceRuntime
    rpc: RpcClient
    database_url: str
    topology: Topology
    events: EventLog
    broker: RabbitBroker

    async def call(self, request: Message, *, timeout: float = 60) -> Any:
        return await self.rpc.call("accreditation", request, timeout=timeout)

    async def refusal(self, request: Message) -> RpcError:
        """Call and expect a refusal; return it."""
        with pytest.raises(RpcError) as refused:
            await self.call(request)
        return refused.value

    async def scalar(self, sql: str, **params: Any) -> Any:
        engine = make_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(sa.text(sql), params)).scalar()
        finally:
            await engine.dispose()

    async def execute(self, statement: Any) -> None:
        engine = make_engine(self.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(statement)
        finally:
            await engine.dispose()

    # --- fixtures of the domain ---------------------------------------------------------------------------------

    async def provider(self, name: str | None = None) -> contracts.ProviderDetails:
        return await self.call(
            contracts.RegisterProvider(name=name or f"Aanbieder {uuid.uuid4().hex[:8]}", registered_by="office:test")
        )

    async def approved_course(
        self,
        provider_id: uuid.UUID,
        *,
        ended_days_ago: int = 10,
        valid_from: date | None = None,
        hours: Decimal = Decimal(8),
        points: Decimal = Decimal(8),
        partial: bool = True,
    ) -> tuple[contracts.CourseDetails, uuid.UUID]:
        """An approved course with one edition that ended ``ended_days_ago`` days ago; returns (course, edition)."""
        end = today() - timedelta(days=ended_days_ago)
        course = await self.submitted_course(provider_id, end=end, hours=hours, partial=partial)
        approved = await self.call(
            contracts.ApproveCourse(
                course_id=course.course_id,
                decided_by="committee:test",
                reason="Voldoet.",
                points=points,
                valid_from=valid_from or end - timedelta(days=400),
            )
        )
        return approved, course.editions[0].edition_id

    async def submitted_course(
        self, provider_id: uuid.UUID, *, end: date | None = None, hours: Decimal = Decimal(8), partial: bool = True
    ) -> contracts.CourseDetails:
        end = end or today() - timedelta(days=10)
        return await self.call(
            contracts.SubmitCourse(
                provider_id=provider_id,
                submitted_by="account:provider",
                title=f"Cursus {uuid.uuid4().hex[:6]}",
                description="Een cursus voor de tests.",
                category="A1",
                study_load_hours=hours,
                editions=[contracts.EditionInput(start_date=end - timedelta(days=1), end_date=end, location="Utrecht")],
                trainers=["T. Rainer"],
                target_group="Leerplichtambtenaren",
                programme="Programma.",
                allows_partial_attendance=partial,
            )
        )

    async def register_people(self, count: int, *, since: date = date(2020, 1, 1)) -> list[str]:
        """Register ``count`` people in the read model through the consumer's own use case (one transaction)."""
        numbers = [registration_number_for(next(_sequences)) for _ in range(count)]
        session_factory = make_session_factory(engine := make_engine(self.database_url))
        try:
            async with UnitOfWork(session_factory) as uow:
                for number in numbers:
                    event = registry_contracts.RegistrationGranted(
                        person_id=uuid.uuid4(),
                        registration_number=number,
                        initials="T.",
                        surname=f"Persoon {number}",
                        roles=["leerplichtambtenaar"],
                        employer_id="gemeente-test",
                        registered_since=since,
                    )
                    await registrations.record_registration(uow, event, wrap(event))
                await uow.commit()
        finally:
            await engine.dispose()
        return numbers

    def unused_numbers(self, count: int) -> list[str]:
        """Well-formed numbers nobody in the read model has."""
        return [registration_number_for(next(_sequences)) for _ in range(count)]

    async def post(
        self,
        provider_id: uuid.UUID,
        edition_id: uuid.UUID,
        rows: list[tuple[str, Decimal | str | None]],
        *,
        key: str | None = None,
        channel: str = "api",
    ) -> contracts.AttendancePostResult:
        return await self.call(self.post_request(provider_id, edition_id, rows, key=key, channel=channel))

    @staticmethod
    def post_request(
        provider_id: uuid.UUID,
        edition_id: uuid.UUID,
        rows: list[tuple[str, Decimal | str | None]],
        *,
        key: str | None = None,
        channel: str = "api",
    ) -> contracts.PostAttendance:
        return contracts.PostAttendance(
            provider_id=provider_id,
            edition_id=edition_id,
            idempotency_key=key or uuid.uuid4().hex,
            attendees=[contracts.AttendeeInput(registration_number=n, hours=h) for n, h in rows],
            channel=channel,  # type: ignore[arg-type]
            posted_by="account:provider",
        )

    async def attendance_count(self, edition_id: uuid.UUID, *, active_only: bool = True) -> int:
        where = " AND voided_at IS NULL" if active_only else ""
        return int(await self.scalar(f"SELECT count(*) FROM attendance WHERE edition_id = :e{where}", e=edition_id))


@pytest.fixture(scope="module")
def service_overrides() -> dict[str, Any]:
    """Settings a test module changes for its service (a module redefines this fixture, e.g. short webhook delays)."""
    return {}


@pytest.fixture(scope="module")
async def service(
    amqp_url: str, databases: Any, broker_names: Any, service_overrides: dict[str, Any]
) -> AsyncIterator[Service]:
    async with running_service(amqp_url, databases, broker_names, **service_overrides) as running:
        yield running


@asynccontextmanager
async def running_service(amqp_url: str, databases: Any, broker_names: Any, **overrides: Any) -> AsyncIterator[Service]:
    """An accreditation process on a fresh database and broker prefix; ``overrides`` are further settings."""
    url = await databases.create("accreditation")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    topology = broker_names.topology(consumers={"accreditation"}, services={"accreditation"})
    broker = await connect_broker(amqp_url, name="accreditation-tests")
    events = EventLog()
    # Exclusive: gone with the connection; bound before the service starts so no event is unroutable.
    await event_tap(
        broker,
        topology,
        queue=f"{topology.prefix}.events-probe",
        routing_key="accreditation.#",
        on_envelope=events.envelopes.append,
    )
    settings = AccreditationSettings(
        **local_test_settings(url, amqp_url, topology),
        rpc_timeout_seconds=60,
        allow_demo_commands=True,
        **overrides,
    )
    runtime = build_runtime(settings)
    await runtime.start()
    try:
        yield Service(
            runtime,
            RpcClient(broker, topology, timeout=60, credentials=operator_credentials()),
            url,
            topology,
            events,
            broker,
        )
    finally:
        await runtime.stop()
        await broker.stop()
