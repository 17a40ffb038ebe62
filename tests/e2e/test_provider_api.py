"""The provider API end to end, through HTTP: the gateway app (its real broker wiring) served by uvicorn on a free
port, the accreditation and portfolio services as in-process runtimes on PostgreSQL, and the real RabbitMQ
between them. Everything shares the test's event loop (Litestar's AsyncTestClient would block it while a request
runs, and the services could not answer), so HTTP goes through a real socket.

Registrations reach both services the way the registry announces them: `registry.RegistrationGranted` and
`registry.CycleOpened` events on the exchange. Each test makes its own provider, courses and people, so tests do
not depend on each other. Events no consumer binds yet (`portfolio.*`, `CourseAccredited`) go to a sink queue
standing in for their future consumers, so the outboxes do not retry them as unroutable.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import uvicorn
from faststream.rabbit import RabbitBroker
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.engine import make_url

from accreditation.bootstrap import MIGRATIONS_DIR as ACCREDITATION_MIGRATIONS
from accreditation.bootstrap import build_runtime as build_accreditation
from accreditation.settings import AccreditationSettings
from gateway.app import build_app
from gateway.settings import GatewaySettings
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope, utcnow, wrap
from lklr_shared.kit import tracing
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker, event_tap
from lklr_shared.kit.db import run_migrations
from lklr_shared.kit.publisher import Publisher
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.topology import Topology
from lklr_shared.registration_numbers import registration_number_for
from portfolio.bootstrap import MIGRATIONS_DIR as PORTFOLIO_MIGRATIONS
from portfolio.bootstrap import build_runtime as build_portfolio
from portfolio.settings import PortfolioSettings
from tests.support.rpc_setup import provider_with_api_key

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

API = "/api/v1/provider"
D = Decimal
_sequences = itertools.count(1)
# Events without a consumer yet; a sink queue makes them routable (the kit publishes mandatory).
UNCONSUMED = ("portfolio.#", "accreditation.CourseAccredited", "accreditation.AccreditationWithdrawn")


def today() -> date:
    """The register's calendar day (the services judge dates in the Netherlands)."""
    return utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()


def mistype(number: str) -> str:
    """The same number with its check digit changed: a single-digit error the check digit catches."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Provider:
    provider_id: uuid.UUID
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class Person:
    person_id: uuid.UUID
    number: str


@dataclass
class System:
    http: httpx.AsyncClient
    rpc: RpcClient
    publisher: Publisher
    accreditation_dsn: str
    portfolio_dsn: str
    eventually: Any

    async def call(self, service: str, request: Message) -> Any:
        return await self.rpc.call(service, request, timeout=60)

    async def fetch(self, dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(dsn)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    # --- the domain around the API ----------------------------------------------------------------------------

    async def provider(self) -> Provider:
        provider_id, api_key = await provider_with_api_key(
            self.call, registered_by="office:e2e", label="e2e", created_by="e2e"
        )
        return Provider(provider_id, api_key)

    async def course(
        self,
        provider: Provider,
        *,
        ended_days_ago: int = 10,
        approve: bool = True,
        hours: float = 8,
        partial: bool = True,
        title: str | None = None,
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """A course submitted through the API (approved by the committee over RPC); returns (course, edition)."""
        end = today() - timedelta(days=ended_days_ago)
        response = await self.http.post(
            f"{API}/courses",
            json={
                "title": title or f"Cursus {uuid.uuid4().hex[:8]}",
                "description": "Een cursus voor de end-to-endtests.",
                "category": "A1",
                "study_load_hours": hours,
                "editions": [{"start_date": str(end - timedelta(days=1)), "end_date": str(end), "location": "Utrecht"}],
                "trainers": ["T. Rainer"],
                "target_group": "Leerplichtambtenaren",
                "allows_partial_attendance": partial,
            },
            headers=provider.auth,
        )
        assert response.status_code == 201, response.text
        course = response.json()
        if approve:
            await self.call(
                "accreditation",
                accreditation_contracts.ApproveCourse(
                    course_id=uuid.UUID(course["course_id"]),
                    decided_by="committee:e2e",
                    reason="Voldoet.",
                    points=D(str(hours)),
                    valid_from=end - timedelta(days=400),
                ),
            )
        return uuid.UUID(course["course_id"]), uuid.UUID(course["editions"][0]["edition_id"])

    async def register(self, count: int, *, since: date | None = None) -> list[Person]:
        """Announce `count` new registrations (with their first cycle) as the registry does, and wait until
        both services hold them in their read models."""
        since = since or today() - timedelta(days=365)
        people = [Person(uuid.uuid4(), registration_number_for(next(_sequences))) for _ in range(count)]
        events: list[Message] = []
        for person in people:
            events.append(
                registry_contracts.RegistrationGranted(
                    person_id=person.person_id,
                    registration_number=person.number,
                    initials="E.",
                    surname=f"Test {person.number}",
                    roles=["leerplichtambtenaar"],
                    employer_id="gemeente-e2e",
                    registered_since=since,
                )
            )
            events.append(
                registry_contracts.CycleOpened(
                    person_id=person.person_id,
                    registration_number=person.number,
                    cycle_id=uuid.uuid4(),
                    sequence=1,
                    starts_on=since,
                    ends_on=since.replace(year=since.year + 5) - timedelta(days=1),
                    scheme_version="2018.1",
                )
            )
        for chunk in range(0, len(events), 200):
            await asyncio.gather(
                *(self.publisher.publish(event.wire_name, wrap(event)) for event in events[chunk : chunk + 200])
            )
        numbers = [person.number for person in people]

        async def known_everywhere() -> bool:
            in_accreditation = await self.fetch(
                self.accreditation_dsn,
                "SELECT count(*) FROM registered_people WHERE registration_number = ANY($1::text[])",
                numbers,
            )
            in_portfolio = await self.fetch(
                self.portfolio_dsn,
                "SELECT count(*) FROM cycles c JOIN registered_people p USING (person_id) "
                "WHERE p.registration_number = ANY($1::text[])",
                numbers,
            )
            return in_accreditation[0][0] == count and in_portfolio[0][0] == count

        await self.eventually(known_everywhere, timeout=120, interval=0.2, message=f"{count} registrations")
        return people

    @staticmethod
    def unused_numbers(count: int) -> list[str]:
        """Well-formed numbers nobody is registered under."""
        return [registration_number_for(next(_sequences)) for _ in range(count)]

    async def post(
        self, provider: Provider, edition_id: uuid.UUID, rows: Sequence[dict[str, Any]], key: str | None
    ) -> Any:
        headers = dict(provider.auth)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post(
            f"{API}/attendance", json={"edition_id": str(edition_id), "attendees": list(rows)}, headers=headers
        )

    async def placed(self, edition_id: uuid.UUID) -> list[asyncpg.Record]:
        """The portfolio entries placed for an edition (what the professionals' portfolios show)."""
        return await self.fetch(
            self.portfolio_dsn,
            "SELECT attendance_id, person_id, state, state_reason FROM activities WHERE edition_id = $1",
            edition_id,
        )

    async def portfolio_of(self, person: Person) -> portfolio_contracts.Portfolio:
        reply = await self.call(
            "portfolio",
            portfolio_contracts.GetPortfolio(
                person_id=person.person_id,
                actor=portfolio_contracts.Actor(person_id=person.person_id),
                include_svg=False,
            ),
        )
        assert isinstance(reply, portfolio_contracts.Portfolio)
        return reply


def rows_of(numbers: Sequence[str], hours: Any = None) -> list[dict[str, Any]]:
    return [
        {"registration_number": n} if hours is None else {"registration_number": n, "hours": hours} for n in numbers
    ]


class _InProcessServer(uvicorn.Server):
    """uvicorn inside the test's event loop, leaving the test runner's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _start_sink(broker: RabbitBroker, topology: Topology) -> None:
    def discard(_envelope: Envelope) -> None:
        return None

    await event_tap(
        broker, topology, queue=f"{topology.prefix}.e2e-sink", routing_key=list(UNCONSUMED), on_envelope=discard
    )


@pytest.fixture(scope="module")
async def running_system(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    """One running system per module (starting it takes seconds); tests keep to their own providers."""
    topology = broker_names.topology(consumers={"accreditation", "portfolio"}, services={"accreditation", "portfolio"})
    accreditation_url = await databases.create("accreditation")
    portfolio_url = await databases.create("portfolio")
    # One after the other: Alembic's environment is process-global.
    await asyncio.to_thread(run_migrations, accreditation_url, ACCREDITATION_MIGRATIONS)
    await asyncio.to_thread(run_migrations, portfolio_url, PORTFOLIO_MIGRATIONS)
    broker = await connect_broker(amqp_url, name="e2e-provider-api")
    await _start_sink(broker, topology)
    common: dict[str, Any] = {
        "environment": "local",
        "amqp_url": amqp_url,
        "broker_prefix": topology.prefix,
        "health_port": 0,
        "outbox_poll_seconds": 0.5,
    }
    runtimes: list[ServiceRuntime] = [
        build_accreditation(AccreditationSettings(database_url=accreditation_url, **common)),
        build_portfolio(
            PortfolioSettings(database_url=portfolio_url, blob_dir=Path(tmp_path_factory.mktemp("blobs")), **common)
        ),
    ]
    for runtime in runtimes:
        await runtime.start()
    app = build_app(
        GatewaySettings(
            amqp_url=amqp_url,
            broker_prefix=topology.prefix,
            services=["accreditation", "portfolio"],
            secret_key="e2e-secret",
            environment="local",
        )
    )
    server = _InProcessServer(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_config=None))
    serving = asyncio.create_task(server.serve())
    try:
        for _attempt in range(300):
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _attempt in range(300):
                if (await http.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail(f"gateway not ready: {(await http.get('/readyz')).text}")
            yield System(
                http=http,
                rpc=RpcClient(broker, topology, timeout=60, credentials=operator_credentials()),
                publisher=Publisher(broker, topology.events_exchange, 10),
                accreditation_dsn=plain_dsn(accreditation_url),
                portfolio_dsn=plain_dsn(portfolio_url),
                eventually=None,  # set per test from the `eventually` fixture
            )
    finally:
        server.should_exit = True
        await serving
        for runtime in reversed(runtimes):
            await runtime.stop()
        await broker.stop()


@pytest.fixture
def system(running_system: System, eventually: Any) -> System:
    running_system.eventually = eventually
    return running_system


# --- Row outcomes ----------------------------------------------------------------------------------------------


async def test_every_row_outcome_is_answered_through_http_and_only_recorded_rows_reach_the_portfolio(
    system: System,
) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider, hours=8, partial=True)
    _strict_course, strict_edition = await system.course(provider, hours=8, partial=False)
    valid, already, partial, too_many, bad_hours, twice = await system.register(6)
    (late,) = await system.register(1, since=today())  # registered after the edition ended
    (stranger,) = system.unused_numbers(1)

    first = await system.post(provider, edition, rows_of([already.number]), key=uuid.uuid4().hex)
    assert first.status_code == 200, first.text
    response = await system.post(
        provider,
        edition,
        [
            {"registration_number": valid.number},
            {"registration_number": already.number},
            {"registration_number": "12-34"},
            {"registration_number": mistype(valid.number)},
            {"registration_number": stranger},
            {"registration_number": late.number},
            {"registration_number": partial.number, "hours": 3.5},
            {"registration_number": too_many.number, "hours": 9},
            {"registration_number": bad_hours.number, "hours": "veel"},
            {"registration_number": twice.number},
            {"registration_number": twice.number},
        ],
        key=uuid.uuid4().hex,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(row["outcome"], row["reason_code"]) for row in body["rows"]] == [
        ("recorded", None),
        ("duplicate", None),
        ("rejected", "malformed_number"),
        ("rejected", "mistyped_number"),
        ("rejected", "unknown_number"),
        ("rejected", "not_registered_on_date"),
        ("recorded", None),
        ("rejected", "hours_exceed_course"),
        ("rejected", "invalid_hours"),
        ("recorded", None),
        ("rejected", "duplicate_in_post"),
    ]
    assert body["counts"] == {"received": 11, "recorded": 3, "duplicate": 1, "rejected": 7}
    assert all(row["message"] for row in body["rows"] if row["outcome"] == "rejected")
    assert body["rows"][1]["attendance_id"] == first.json()["rows"][0]["attendance_id"]
    assert (body["rows"][6]["hours"], body["rows"][6]["points"]) == (3.5, 3.5)

    strict = await system.post(provider, strict_edition, rows_of([valid.number], hours=4), key=uuid.uuid4().hex)
    assert strict.json()["rows"][0]["reason_code"] == "partial_attendance_not_allowed"

    recorded = {row["attendance_id"] for row in body["rows"] if row["outcome"] == "recorded"}
    recorded.add(first.json()["rows"][0]["attendance_id"])

    async def all_placed() -> bool:
        return {str(r["attendance_id"]) for r in await system.placed(edition)} == recorded

    await system.eventually(all_placed, timeout=30, message="the recorded rows in the portfolios")
    portfolio = await system.portfolio_of(partial)
    (entry,) = [a for a in portfolio.activities if a.course_id == _course]
    assert (entry.source, entry.state, entry.points, entry.accredited) == ("provider_placed", "placed", D("3.5"), True)
    assert entry.provider_name and entry.provider_id == provider.provider_id
    assert await system.placed(strict_edition) == []


async def test_one_correlation_id_follows_a_post_through_the_rpc_and_every_event_it_causes(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider, hours=4, partial=False)
    (person,) = await system.register(1)
    correlation_id = uuid.uuid4()
    headers = {**provider.auth, "Idempotency-Key": uuid.uuid4().hex, "X-Correlation-ID": str(correlation_id)}
    response = await system.http.post(
        f"{API}/attendance",
        json={"edition_id": str(edition), "attendees": rows_of([person.number])},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-correlation-id"] == str(correlation_id)

    async def caused(dsn: str, message_type: str) -> bool:
        rows = await system.fetch(dsn, "SELECT body FROM kit_outbox WHERE message_type = $1", message_type)
        return any(json.loads(bytes(row["body"]))["correlation_id"] == str(correlation_id) for row in rows)

    async def recorded() -> bool:
        return await caused(system.accreditation_dsn, "accreditation.AttendanceRecorded")

    async def placed() -> bool:
        # Emitted by the portfolio while it consumed AttendanceRecorded: the same id, one hop further.
        return await caused(system.portfolio_dsn, "portfolio.ActivitiesPlaced")

    await system.eventually(recorded, timeout=30, message="AttendanceRecorded with the request's correlation id")
    await system.eventually(placed, timeout=30, message="ActivitiesPlaced with the request's correlation id")
    anonymous = await system.http.get("/api/v1/courses")
    assert uuid.UUID(anonymous.headers["x-correlation-id"]) != correlation_id  # a fresh one for every request


async def test_one_trace_follows_a_post_from_the_http_request_through_the_rpc_and_the_broker(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider, hours=4, partial=False)
    (person,) = await system.register(1)
    exporter = InMemorySpanExporter()
    recorder = TracerProvider()
    recorder.add_span_processor(SimpleSpanProcessor(exporter))

    def finished(name: str, kind: SpanKind) -> list[ReadableSpan]:
        return [span for span in exporter.get_finished_spans() if span.name == name and span.kind == kind]

    # The gateway, accreditation and portfolio run in this process: one provider records all their spans.
    with tracing.use_tracer_provider(recorder):
        response = await system.post(provider, edition, rows_of([person.number]), uuid.uuid4().hex)
        assert response.status_code == 200, response.text

        async def placed_and_published() -> bool:
            # The portfolio handled the event and its own relay published what that handling emitted.
            return bool(
                finished("accreditation.AttendanceRecorded process", SpanKind.CONSUMER)
                and finished("portfolio.ActivitiesPlaced publish", SpanKind.PRODUCER)
            )

        await system.eventually(placed_and_published, timeout=30, message="the portfolio's handling, traced")

    (http,) = finished("POST /api/v1/provider/attendance", SpanKind.SERVER)
    trace_id = http.context.trace_id
    spans = [span for span in exporter.get_finished_spans() if span.context.trace_id == trace_id]

    def only(name: str, kind: SpanKind) -> ReadableSpan:
        (span,) = [span for span in spans if span.name == name and span.kind == kind]
        return span

    def parent_of(span: ReadableSpan) -> ReadableSpan:
        assert span.parent is not None, span.name
        (parent,) = [candidate for candidate in spans if candidate.context.span_id == span.parent.span_id]
        return parent

    request = only("accreditation.PostAttendance", SpanKind.CLIENT)
    answered = only("accreditation.PostAttendance", SpanKind.SERVER)
    published = only("accreditation.AttendanceRecorded publish", SpanKind.PRODUCER)
    handled = only("accreditation.AttendanceRecorded process", SpanKind.CONSUMER)
    onwards = only("portfolio.ActivitiesPlaced publish", SpanKind.PRODUCER)
    # HTTP -> RPC client -> (AMQP headers) RPC server -> (outbox row) publish -> (AMQP headers) portfolio's handling
    # -> (the portfolio's outbox row) the publish of what it emitted: one unbroken chain of parents.
    assert parent_of(request) is http
    assert parent_of(answered) is request
    assert parent_of(published) is answered
    assert parent_of(handled) is published
    assert parent_of(onwards) is handled
    assert answered.attributes is not None and answered.attributes[tracing.SERVICE_ATTRIBUTE] == "accreditation"
    assert handled.attributes is not None and handled.attributes[tracing.SERVICE_ATTRIBUTE] == "portfolio"
    assert http.attributes is not None and http.attributes["http.response.status_code"] == 200


async def test_a_post_the_edition_cannot_take_is_refused_whole(system: System) -> None:
    provider = await system.provider()
    _pending, pending_edition = await system.course(provider, approve=False)
    _future, future_edition = await system.course(provider, ended_days_ago=-3)
    (person,) = await system.register(1)
    for edition, status, code in [
        (uuid.uuid4(), 404, "edition_not_found"),
        (pending_edition, 422, "course_not_approved"),
        (future_edition, 422, "edition_not_ended"),
    ]:
        response = await system.post(provider, edition, rows_of([person.number]), key="same-key-for-all")
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code


# --- Idempotency -----------------------------------------------------------------------------------------------


async def test_same_key_and_body_replays_the_first_response_and_adds_nothing(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    people = await system.register(3)
    rows = [*rows_of([p.number for p in people]), {"registration_number": "0000000"}]

    first = await system.post(provider, edition, rows, key="replay-1")
    # The same rows, formatted differently, are the same request.
    again = await system.http.post(
        f"{API}/attendance",
        content=json.dumps({"attendees": rows, "edition_id": str(edition)}, indent=2).encode(),
        headers=provider.auth | {"Idempotency-Key": '"replay-1"', "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert first.json()["counts"]["recorded"] == 3

    listing = await system.http.get(f"{API}/editions/{edition}/attendance", headers=provider.auth)
    assert len(listing.json()["entries"]) == 3
    await system.eventually(lambda: _count_placed(system, edition, 3), message="three placed entries")
    await asyncio.sleep(1)  # time for any (wrong) second batch to arrive
    assert len(await system.placed(edition)) == 3


async def _count_placed(system: System, edition: uuid.UUID, expected: int) -> bool:
    return len(await system.placed(edition)) == expected


async def test_same_key_with_another_body_is_422_and_records_nothing(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    first_person, second_person = await system.register(2)
    assert (await system.post(provider, edition, rows_of([first_person.number]), key="k-422")).status_code == 200
    response = await system.post(provider, edition, rows_of([second_person.number]), key="k-422")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    listing = await system.http.get(f"{API}/editions/{edition}/attendance", headers=provider.auth)
    assert [e["registration_number"] for e in listing.json()["entries"]] == [first_person.number]


async def test_a_missing_idempotency_key_is_400(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    (person,) = await system.register(1)
    response = await system.post(provider, edition, rows_of([person.number]), key=None)
    assert response.status_code == 400
    assert response.json()["code"] == "missing_idempotency_key"
    listing = await system.http.get(f"{API}/editions/{edition}/attendance", headers=provider.auth)
    assert listing.json()["entries"] == []


async def test_idempotency_keys_are_scoped_to_the_provider(system: System) -> None:
    one, other = await system.provider(), await system.provider()
    _c1, edition_one = await system.course(one)
    _c2, edition_other = await system.course(other)
    (person,) = await system.register(1)
    first = await system.post(one, edition_one, rows_of([person.number]), key="shared-key")
    second = await system.post(other, edition_other, rows_of([person.number]), key="shared-key")
    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    assert second.json()["counts"]["recorded"] == 1
    assert second.json()["post_id"] != first.json()["post_id"]


async def test_same_key_while_the_first_request_is_in_flight_is_409_then_replays(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    people = await system.register(2)
    rows = rows_of([people[0].number])
    # Hold the first request inside its transaction: its key is reserved (committed), but it cannot write its
    # post until this lock goes. That is a request genuinely in flight, not a simulated one.
    blocker = await asyncpg.connect(system.accreditation_dsn)
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE attendance_posts IN EXCLUSIVE MODE")
        first = asyncio.create_task(system.post(provider, edition, rows, key="k-409"))

        async def reserved() -> bool:
            found = await system.fetch(
                system.accreditation_dsn,
                "SELECT state FROM idempotency_keys WHERE provider_id = $1 AND idempotency_key = 'k-409'",
                provider.provider_id,
            )
            return bool(found) and found[0]["state"] == "in_flight"

        await system.eventually(reserved, timeout=20, message="the first request holding its key")
        concurrent = await system.post(provider, edition, rows, key="k-409")
        assert concurrent.status_code == 409, concurrent.text
        assert concurrent.json()["code"] == "request_in_flight"
        assert concurrent.headers["retry-after"] == "5"  # come back in a few seconds, not after the lease
        other_body = await system.post(provider, edition, rows_of([people[1].number]), key="k-409")
        assert other_body.status_code == 422
        assert not first.done()
    finally:
        await transaction.rollback()
        await blocker.close()
    original = await first
    assert original.status_code == 200, original.text
    assert original.json()["counts"]["recorded"] == 1
    retry = await system.post(provider, edition, rows, key="k-409")
    assert retry.status_code == 200
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == original.content


# --- The big post ----------------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_a_5000_row_mixed_post_leaves_exactly_the_recorded_rows_in_the_portfolios_once(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    registered = await system.register(2_300)
    late = await system.register(50, since=today())
    new, earlier = registered[:2_000], registered[2_000:]
    mistyped = [mistype(p.number) for p in new[:1_000]]
    strangers = system.unused_numbers(1_650)
    before = await system.post(provider, edition, rows_of([p.number for p in earlier]), key="big-earlier")
    assert before.json()["counts"]["recorded"] == 300

    numbers = (
        [p.number for p in new[:1_000]]
        + mistyped[:500]
        + [p.number for p in earlier]
        + strangers
        + [p.number for p in late]
        + mistyped[500:]
        + [p.number for p in new[1_000:]]
    )
    assert len(numbers) == 5_000
    response = await system.post(provider, edition, rows_of(numbers), key="big-1")
    assert response.status_code == 200, response.text[:2000]
    body = response.json()
    assert body["counts"] == {"received": 5_000, "recorded": 2_000, "duplicate": 300, "rejected": 2_700}
    reasons = [row["reason_code"] for row in body["rows"] if row["outcome"] == "rejected"]
    assert (reasons.count("mistyped_number"), reasons.count("unknown_number")) == (1_000, 1_650)
    assert reasons.count("not_registered_on_date") == 50
    assert [row["index"] for row in body["rows"]] == list(range(5_000))
    recorded = {row["attendance_id"] for row in body["rows"] if row["outcome"] == "recorded"}
    recorded |= {row["attendance_id"] for row in before.json()["rows"]}
    assert len(recorded) == 2_300

    async def exactly_the_recorded_rows() -> bool:
        return {str(r["attendance_id"]) for r in await system.placed(edition)} == recorded

    await system.eventually(exactly_the_recorded_rows, timeout=60, message="2,300 entries in the portfolios")
    placed = await system.placed(edition)
    assert len(placed) == 2_300  # once each
    expected_people = {p.person_id for p in registered}
    assert {r["person_id"] for r in placed} == expected_people
    # What a professional sees: one entry for this course, whoever posted it when.
    for person in (new[0], new[-1], earlier[0]):
        portfolio = await system.portfolio_of(person)
        assert len([a for a in portfolio.activities if a.course_id == _course]) == 1
    for person in late[:2]:
        portfolio = await system.portfolio_of(person)
        assert [a for a in portfolio.activities if a.course_id == _course] == []

    # The same rows again under a new key add nothing.
    again = await system.post(provider, edition, rows_of(numbers), key="big-2")
    assert again.status_code == 200
    assert again.json()["counts"] == {"received": 5_000, "recorded": 0, "duplicate": 2_300, "rejected": 2_700}
    await asyncio.sleep(2)
    assert len(await system.placed(edition)) == 2_300


# --- Scoping, voids, keys --------------------------------------------------------------------------------------


async def test_a_provider_cannot_post_for_read_or_void_another_providers_courses_or_attendance(
    system: System,
) -> None:
    owner, intruder = await system.provider(), await system.provider()
    course, edition = await system.course(owner)
    (person,) = await system.register(1)
    posted = await system.post(owner, edition, rows_of([person.number]), key="owner-1")
    attendance_id = posted.json()["rows"][0]["attendance_id"]

    attempts = [
        await system.post(intruder, edition, rows_of([person.number]), key="intruder-1"),
        await system.http.get(f"{API}/courses/{course}", headers=intruder.auth),
        await system.http.get(f"{API}/editions/{edition}/attendance", headers=intruder.auth),
        await system.http.post(
            f"{API}/courses/{course}/editions",
            json={"start_date": str(today()), "end_date": str(today())},
            headers=intruder.auth,
        ),
        await system.http.request(
            "DELETE", f"{API}/attendance/{attendance_id}", json={"reason": "Weg ermee."}, headers=intruder.auth
        ),
    ]
    assert [r.status_code for r in attempts] == [403] * 5, [r.text for r in attempts]
    assert {r.json()["code"] for r in attempts} <= {"not_your_course", "not_your_attendance"}
    own = await system.http.get(f"{API}/courses", headers=intruder.auth)
    assert own.json()["courses"] == []
    listing = await system.http.get(f"{API}/editions/{edition}/attendance", headers=owner.auth)
    assert [(e["attendance_id"], e["voided_at"]) for e in listing.json()["entries"]] == [(attendance_id, None)]
    unknown = await system.http.request(
        "DELETE", f"{API}/attendance/{uuid.uuid4()}", params={"reason": "Onbekend."}, headers=owner.auth
    )
    assert unknown.status_code == 404


async def test_a_void_through_http_voids_the_portfolio_entry_with_its_reason(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    voided_person, other_person = await system.register(2)
    posted = await system.post(provider, edition, rows_of([voided_person.number, other_person.number]), key="v-1")
    attendance_id, other_id = (row["attendance_id"] for row in posted.json()["rows"])

    no_reason = await system.http.delete(f"{API}/attendance/{other_id}", headers=provider.auth)
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "reason_required"
    voided = await system.http.request(
        "DELETE", f"{API}/attendance/{attendance_id}", json={"reason": "Niet aanwezig geweest."}, headers=provider.auth
    )
    assert voided.status_code == 200
    assert voided.json()["newly_voided"] is True
    repeat = await system.http.delete(
        f"{API}/attendance/{attendance_id}", params={"reason": "Nog eens."}, headers=provider.auth
    )
    assert repeat.status_code == 200
    assert (repeat.json()["newly_voided"], repeat.json()["reason"]) == (False, "Niet aanwezig geweest.")

    async def voided_in_portfolio() -> bool:
        states = {str(r["attendance_id"]): (r["state"], r["state_reason"]) for r in await system.placed(edition)}
        return states == {
            attendance_id: ("voided", "Niet aanwezig geweest."),
            other_id: ("placed", ""),
        }

    await system.eventually(voided_in_portfolio, timeout=30, message="the void in the portfolio")


async def test_unknown_and_revoked_keys_are_refused_with_a_bearer_challenge(system: System) -> None:
    provider = await system.provider()
    unknown = await system.http.get(f"{API}/courses", headers={"Authorization": "Bearer lklr_nobody00_" + "x" * 43})
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"].startswith('Bearer realm="LKLR provider API", error="invalid_token"')
    missing = await system.http.get(f"{API}/courses")
    assert (missing.status_code, missing.json()["code"]) == (401, "missing_api_key")

    assert (await system.http.get(f"{API}/courses", headers=provider.auth)).status_code == 200
    keys = await system.call("accreditation", accreditation_contracts.ListApiKeys(provider_id=provider.provider_id))
    await system.call(
        "accreditation",
        accreditation_contracts.RevokeApiKey(
            provider_id=provider.provider_id, key_id=keys.keys[0].key_id, revoked_by="e2e"
        ),
    )

    async def refused() -> bool:
        return (await system.http.get(f"{API}/courses", headers=provider.auth)).status_code == 401

    # The gateway may keep a successful check a few seconds; after that the revocation holds.
    await system.eventually(refused, timeout=10, interval=0.5, message="the revoked key refused")


# --- The public catalogue --------------------------------------------------------------------------------------


async def test_an_approved_course_appears_in_the_public_catalogue(system: System) -> None:
    provider = await system.provider()
    title = f"Catalogus {uuid.uuid4().hex[:10]}"
    await system.course(provider, title=title)
    await system.course(provider, approve=False, title=title + " (in behandeling)")
    response = await system.http.get("/api/v1/courses", params={"q": title})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["courses"][0]["title"] == title
    page = await system.http.get("/opleidingen", params={"q": title})
    assert page.status_code == 200
    assert title in page.text
    assert "(in behandeling)" not in page.text
