"""Load through the gateway for fault tests and the soak benchmark, and the ledger of what clients were told.

Set-up (`Scenario.prepare`): a provider with an API key, people announced as the registry announces them
(`registry.RegistrationGranted` and `CycleOpened` on the events exchange) and known to accreditation and portfolio,
approved courses with ended editions (one edition per attendance post, so each post's rows are its own), and a few
professionals with an account, a registration and an API token.

Clients behave as a careful client should under faults:
- a provider posts attendance with an Idempotency-Key and repeats the same post under the same key until it gets a
  definitive answer: 200 (recorded) or a 4xx other than 409/429 (refused). A 409 `request_in_flight` or 429 means
  "ask again after Retry-After"; a 5xx or no answer at all (connection lost, timeout) is *indeterminate*: the
  client waits until the gateway says it is ready again and repeats the post under the same key, which resolves it;
- a professional enters a self-entered activity (no Idempotency-Key exists for those): after an indeterminate
  answer it waits for recovery and reads its portfolio; the activity is there (resolved: applied) or it enters it
  again (resolved: not applied), so it never enters one twice on purpose.

The `Ledger` keeps every attempt and the final outcome; `tests.support.ledger_check` compares it with the
databases and the broker once the system has settled.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import utcnow, wrap
from lklr_shared.errors import RpcError
from lklr_shared.kit.publisher import Publisher
from lklr_shared.registration_numbers import registration_number_for
from tests.support.rpc_setup import provider_with_api_key
from tests.support.system import RunningSystem

API = "/api/v1/provider"
PASSWORD = "wachtwoord-voor-de-fouttest"
# How long one client keeps trying for a definitive answer before it reports the request unresolved.
RESOLVE_TIMEOUT_SECONDS = 300.0
# Far from the sequences the registry hands out itself (its own grants start at 1); every rig has its own databases.
_numbers = itertools.count(500_000)


def today() -> date:
    """The register's calendar day (the services judge dates in the Netherlands)."""
    return utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()


def plain_dsn(url: str) -> str:
    """A libpq DSN (for asyncpg) from a service's SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def fetch(system: RunningSystem, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Query a service's own database (tests read it to check the effects; the services never do so)."""
    connection = await asyncpg.connect(plain_dsn(system.database_urls[service]), timeout=10)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


# --- The ledger ----------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One try of a request: when, and the status (None: no answer at all) or the error."""

    started: float
    ended: float
    status: int | None
    detail: str = ""


@dataclass
class Request:
    """One logical request a client wants done (an attendance post or a self-entered activity)."""

    kind: str  # "post" or "activity"
    ref: str  # the Idempotency-Key of a post, the unique title of an activity
    attempts: list[Attempt] = field(default_factory=list)
    outcome: str = "pending"  # "ok", "refused", "unresolved"
    indeterminate: bool = False  # some attempt got no definitive answer
    resolution: str = ""  # how an indeterminate request was resolved
    edition_id: uuid.UUID | None = None
    rows: int = 0
    recorded: set[str] = field(default_factory=set)  # attendance ids the 200 answer recorded
    person_id: uuid.UUID | None = None


@dataclass
class Ledger:
    """Everything the clients asked for and were told, for the check after the faults."""

    requests: list[Request] = field(default_factory=list)
    reads: Counter[int | None] = field(default_factory=Counter)
    # Seconds per successful attempt, per kind of request ("post", "activity", "read").
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def new(self, kind: str, ref: str, **values: Any) -> Request:
        request = Request(kind, ref, **values)
        self.requests.append(request)
        return request

    def took(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def statuses(self) -> Counter[str]:
        """Every attempt's answer: the HTTP status, or `no answer`."""
        counts: Counter[str] = Counter()
        for request in self.requests:
            counts.update(str(a.status) if a.status is not None else "no answer" for a in request.attempts)
        counts.update(
            f"{status} (read)" if status is not None else "no answer (read)" for status in self.reads.elements()
        )
        return counts

    def of(self, kind: str, outcome: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.kind == kind and (outcome is None or r.outcome == outcome)]


# --- Waiting for the system ----------------------------------------------------------------------------------


async def wait_until_ready(http: httpx.AsyncClient, timeout: float = RESOLVE_TIMEOUT_SECONDS) -> None:
    """Wait until the gateway's /readyz answers 200 (broker up, every service answers with its database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await http.get("/readyz", timeout=5)).status_code == 200:
                return
        except httpx.TransportError:
            pass  # the gateway itself is down (killed, restarting): that is what we are waiting out
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the gateway was not ready within {timeout:.0f}s")


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.2, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


# --- The set-up ----------------------------------------------------------------------------------------------


@dataclass
class Professional:
    email: str
    person_id: uuid.UUID
    token: str = ""


@dataclass
class Scenario:
    """The data one fault scenario works with, and its clients (see the module docstring)."""

    system: RunningSystem
    http: httpx.AsyncClient
    ledger: Ledger = field(default_factory=Ledger)
    api_key: str = ""
    numbers: list[str] = field(default_factory=list)
    editions: asyncio.Queue[uuid.UUID] = field(default_factory=asyncio.Queue)
    professionals: list[Professional] = field(default_factory=list)
    # (message id, routing key) of every event the scenario published itself, for the inbox check.
    published: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    async def call(self, service: str, request: Message) -> Any:
        return await self.system.rpc(service, request, timeout=60)

    async def prepare(self, *, people: int, editions: int, professionals: int = 0) -> None:
        """Provider, `people` registered people, `editions` approved ended editions, the professionals."""
        _, self.api_key = await provider_with_api_key(
            self.call, registered_by="office:faults", label="faults", created_by="faults"
        )
        await self.announce_people(people)
        await asyncio.gather(*(self.add_edition() for _ in range(editions)))
        self.professionals = list(await asyncio.gather(*(self.professional(i) for i in range(professionals))))

    async def announce_people(self, count: int) -> None:
        """Announce `count` registrations as the registry does; wait until accreditation and portfolio know them."""
        since = today() - timedelta(days=365)
        numbers = [registration_number_for(next(_numbers)) for _ in range(count)]
        events: list[Message] = []
        for number in numbers:
            person_id = uuid.uuid4()
            events.append(
                registry_contracts.RegistrationGranted(
                    person_id=person_id,
                    registration_number=number,
                    initials="F.",
                    surname=f"Fout {number}",
                    roles=["leerplichtambtenaar"],
                    employer_id="gemeente-fouttest",
                    registered_since=since,
                )
            )
            events.append(
                registry_contracts.CycleOpened(
                    person_id=person_id,
                    registration_number=number,
                    cycle_id=uuid.uuid4(),
                    sequence=1,
                    starts_on=since,
                    ends_on=since.replace(year=since.year + 5) - timedelta(days=1),
                    scheme_version="2018.1",
                )
            )
        await self.publish(events)
        deadline = time.monotonic() + 180
        while True:
            known_a = await fetch(
                self.system,
                "accreditation",
                "SELECT count(*) FROM registered_people WHERE registration_number = ANY($1::text[])",
                numbers,
            )
            known_p = await fetch(
                self.system,
                "portfolio",
                "SELECT count(*) FROM cycles c JOIN registered_people p USING (person_id) "
                "WHERE p.registration_number = ANY($1::text[])",
                numbers,
            )
            if known_a[0][0] == known_p[0][0] == count:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} registrations not known in time ({known_a[0][0]}, {known_p[0][0]})")
            await asyncio.sleep(0.3)
        self.numbers.extend(numbers)

    async def publish(self, events: list[Message]) -> None:
        """Publish events on the events exchange as their owner would (persistent, confirmed), and note them."""
        publisher = Publisher(await self.system.broker(), self.system.topology.events_exchange, 10)
        envelopes = [wrap(event) for event in events]
        self.published.extend(
            (envelope.message_id, event.wire_name) for envelope, event in zip(envelopes, events, strict=True)
        )
        for chunk in range(0, len(events), 200):
            await asyncio.gather(
                *(
                    publisher.publish(event.wire_name, envelope)
                    for event, envelope in zip(events[chunk : chunk + 200], envelopes[chunk : chunk + 200], strict=True)
                )
            )

    async def add_edition(self, *, keep: bool = True) -> uuid.UUID:
        """An approved course with one edition that ended ten days ago (its own, for one post).

        Made while faults happen too: a step without a definitive answer is tried again after the system is ready
        (a course made twice that way is only an unused course; the ledger does not count courses). `keep` puts
        the edition in the pool posts take theirs from."""
        end = today() - timedelta(days=10)
        course: dict[str, Any] | None = None
        while course is None:
            try:
                response = await self.http.post(
                    f"{API}/courses",
                    json={
                        "title": f"Fouttest {uuid.uuid4().hex[:8]}",
                        "description": "Een cursus voor de fouttests.",
                        "category": "A1",
                        "study_load_hours": 4,
                        "editions": [
                            {"start_date": str(end - timedelta(days=1)), "end_date": str(end), "location": "Zwolle"}
                        ],
                        "trainers": ["T. Rainer"],
                        "target_group": "Leerplichtambtenaren",
                        "allows_partial_attendance": True,
                    },
                    headers=self.auth,
                )
            except httpx.TransportError:
                await wait_until_ready(self.http)
                continue
            if response.status_code >= 500:
                await wait_until_ready(self.http)
                continue
            assert response.status_code == 201, response.text
            course = response.json()
        approve = accreditation_contracts.ApproveCourse(
            course_id=uuid.UUID(course["course_id"]),
            decided_by="committee:faults",
            reason="Voldoet.",
            points=Decimal(4),
            valid_from=end - timedelta(days=400),
        )
        while True:
            try:
                await self.call("accreditation", approve)
                break
            except RpcError as exc:
                if exc.code == "decision_not_allowed":
                    break  # approving an approved course is refused: an attempt without an answer was applied
                if exc.status < 500:
                    raise
                await wait_until_ready(self.http)
        edition = uuid.UUID(course["editions"][0]["edition_id"])
        if keep:
            self.editions.put_nowait(edition)
        return edition

    async def professional(self, index: int) -> Professional:
        """A professional with an account, a registration (with a cycle) and an API token."""
        email = f"prof{index}-{uuid.uuid4().hex[:8]}@fouttest.example"
        account = await self.call(
            "registry",
            registry_contracts.CreateDemoAccount(
                email=email, password=PASSWORD, initials="P.", surname=f"Prof {index}"
            ),
        )
        await self.call(
            "registry",
            registry_contracts.GrantDemoRegistration(
                initials="P.",
                surname=f"Prof {index}",
                roles=["leerplichtambtenaar"],
                employer_id="gemeente-fouttest",
                registered_since=today() - timedelta(days=365),
                person_id=account.account_id,
            ),
        )
        professional = Professional(email, account.account_id)
        deadline = time.monotonic() + 120
        while not professional.token:
            token = await self.http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            assert token.status_code == 200, token.text
            professional.token = token.json()["access_token"]
            # The portfolio knows the person once it consumed the registration: until then the API says 404.
            mine = await self.http.get(
                "/api/v1/me/portfolio", headers={"Authorization": f"Bearer {professional.token}"}
            )
            if mine.status_code != 200:
                professional.token = ""
                if time.monotonic() > deadline:
                    raise AssertionError(f"portfolio of {email} not there: {mine.status_code} {mine.text[:300]}")
                await asyncio.sleep(0.5)
        return professional

    # --- Clients ---------------------------------------------------------------------------------------------

    async def post_attendance(self, rows: int, *, key: str | None = None) -> Request:
        """Post `rows` registered people for a fresh edition and repeat under the same key until definitive."""
        try:
            edition = self.editions.get_nowait()
        except asyncio.QueueEmpty:
            edition = await self.add_edition(keep=False)
        numbers = self.numbers[:rows]
        key = key or f"fault-{next(self._keys)}-{uuid.uuid4().hex[:8]}"
        request = self.ledger.new("post", key, edition_id=edition, rows=len(numbers))
        body = {"edition_id": str(edition), "attendees": [{"registration_number": n} for n in numbers]}
        headers = self.auth | {"Idempotency-Key": key}
        deadline = time.monotonic() + RESOLVE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = await self.http.post(f"{API}/attendance", json=body, headers=headers, timeout=90)
            except httpx.TransportError as exc:
                request.attempts.append(Attempt(started, time.monotonic(), None, repr(exc)))
                request.indeterminate = True
                await wait_until_ready(self.http)
                continue
            ended = time.monotonic()
            request.attempts.append(Attempt(started, ended, response.status_code, response.text[:200]))
            if response.status_code == 200:
                answer = response.json()
                request.recorded = {r["attendance_id"] for r in answer["rows"] if r["outcome"] == "recorded"}
                request.outcome = "ok"
                if request.indeterminate:
                    request.resolution = "replayed" if response.headers.get("idempotent-replayed") else "completed"
                self.ledger.took("post", ended - started)
                return request
            if response.status_code in (409, 429) and response.headers.get("retry-after"):
                await asyncio.sleep(_retry_after(response))
                continue
            if response.status_code >= 500:
                request.indeterminate = True
                await wait_until_ready(self.http)
                continue
            request.outcome = "refused"
            return request
        request.outcome = "unresolved"
        return request

    async def enter_activity(self, professional: Professional) -> Request:
        """Enter a self-entered A1 activity with a unique title; resolve an indeterminate answer by reading."""
        title = f"Zelf ingevoerd {uuid.uuid4().hex[:12]}"
        request = self.ledger.new("activity", title, person_id=professional.person_id)
        headers = {"Authorization": f"Bearer {professional.token}"}
        fields = {"category": "A1", "title": title, "completion_date": str(today()), "study_load_hours": "2"}
        deadline = time.monotonic() + RESOLVE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = await self.http.post("/api/v1/me/activities", data=fields, headers=headers, timeout=30)
                status: int | None = response.status_code
                detail = response.text[:200]
            except httpx.TransportError as exc:
                status, detail = None, repr(exc)
            ended = time.monotonic()
            request.attempts.append(Attempt(started, ended, status, detail))
            if status == 201:
                request.outcome = "ok"
                self.ledger.took("activity", ended - started)
                return request
            if status is not None and status < 500 and status != 429:
                request.outcome = "refused"
                return request
            if status == 429:
                await asyncio.sleep(1)
                continue
            request.indeterminate = True
            await wait_until_ready(self.http)
            # Without an Idempotency-Key for activities, only reading tells whether the lost attempt was applied.
            if await self.has_activity(professional, title):
                request.outcome, request.resolution = "ok", "found applied on reading"
                return request
            request.resolution = "not applied; entered again"
        request.outcome = "unresolved"
        return request

    async def has_activity(self, professional: Professional, title: str) -> bool:
        """Whether the professional's portfolio (read through the API) lists an activity with this title."""
        while True:
            try:
                response = await self.http.get(
                    "/api/v1/me/portfolio", headers={"Authorization": f"Bearer {professional.token}"}, timeout=30
                )
            except httpx.TransportError:
                self.ledger.reads[None] += 1
                await wait_until_ready(self.http)
                continue
            self.ledger.reads[response.status_code] += 1
            if response.status_code == 200:
                return any(a["title"] == title for a in response.json()["activities"])
            await wait_until_ready(self.http)

    async def read_portfolio(self, professional: Professional) -> int | None:
        """One portfolio read (load for the soak): the status, or None without an answer."""
        started = time.monotonic()
        try:
            response = await self.http.get(
                "/api/v1/me/portfolio", headers={"Authorization": f"Bearer {professional.token}"}, timeout=30
            )
        except httpx.TransportError:
            self.ledger.reads[None] += 1
            return None
        self.ledger.reads[response.status_code] += 1
        if response.status_code == 200:
            self.ledger.took("read", time.monotonic() - started)
        return response.status_code


class PostStream:
    """Clients posting attendance one post after the other until stopped (the load a fault hits)."""

    def __init__(self, scenario: Scenario, *, clients: int, rows: int, activity_every: int = 0) -> None:
        self.scenario = scenario
        self.rows = rows
        self.activity_every = activity_every
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self._client(index)) for index in range(clients)]

    async def _client(self, index: int) -> None:
        for count in itertools.count(1):
            if self._stop.is_set():
                return
            await self.scenario.post_attendance(self.rows)
            professionals = self.scenario.professionals
            if self.activity_every and professionals and count % self.activity_every == 0:
                await self.scenario.enter_activity(professionals[(index + count) % len(professionals)])

    async def posts_done(self, count: int, timeout: float = 300) -> None:
        """Wait until `count` posts have a definitive outcome (load is flowing)."""
        deadline = time.monotonic() + timeout
        while len([r for r in self.scenario.ledger.of("post") if r.outcome != "pending"]) < count:
            self._raise_failures()
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} posts answered within {timeout:.0f}s")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        """Let every client finish its current request (resolving it), then end; raise what a client raised."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def _raise_failures(self) -> None:
        for task in self._tasks:
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
