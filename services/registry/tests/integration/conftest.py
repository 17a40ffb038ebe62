"""A registry process wired by its own composition root, on PostgreSQL and the real broker.

Tests talk to it only the way the gateway does: requests over RabbitMQ through `RpcClient`.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker, event_tap
from lklr_shared.kit.clock import ManualClock
from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from registry.adapters.security import TotpVerifier
from registry.bootstrap import MIGRATIONS_DIR, RegistryRuntime, build_runtime
from registry.settings import RegistrySettings

PASSWORD = "correct horse battery"


class MovableClock:
    """Real time plus an offset the test can move forward (expiries, lockouts, TOTP steps)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Registry:
    """A running registry and a client to it, with helpers for the flows tests repeat."""

    runtime: RegistryRuntime
    client: RpcClient
    broker: RabbitBroker
    topology: Topology
    database_url: str
    clock: MovableClock
    events: list[Envelope] = field(default_factory=list)
    # Set when the registry was started on a ManualClock (re-registration tests move it across cycle ends).
    manual_clock: ManualClock | None = None

    async def call(self, request: Message) -> Any:
        return await self.client.call("registry", request)

    async def rows(self, query: str, **params: Any) -> list[Any]:
        engine = make_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(sa.text(query), params)).all())
        finally:
            await engine.dispose()

    async def mail_to(self, address: str, subject_part: str) -> contracts.DevMail:
        """The newest mail to ``address`` whose subject contains ``subject_part``, waiting until the mail relay
        has written it."""
        found: list[contracts.DevMail] = []

        async def arrived() -> bool:
            mailbox = await self.call(contracts.ListDevMail(limit=500))
            found[:] = [mail for mail in mailbox.messages if address in mail.to and subject_part in mail.subject]
            return bool(found)

        await wait_until(arrived, message=f"{subject_part!r} mail to {address}")
        return found[0]

    async def token_mailed_to(self, address: str, subject_part: str) -> str:
        """The token in the newest mail to ``address`` whose subject contains ``subject_part``."""
        mail = await self.mail_to(address, subject_part)
        found = re.search(r"\?token=(\S+)", mail.body)
        assert found, mail.body
        return unquote(found.group(1))

    async def sign_up_and_confirm(
        self, *, initials: str = "T.", surname: str = "Tester", email: str | None = None
    ) -> tuple[uuid.UUID, str]:
        """A new confirmed professional account (a fresh e-mail address unless given); returns (account id,
        e-mail)."""
        email = email or f"{uuid.uuid4().hex[:12]}@example.nl"
        await self.call(contracts.SignUp(email=email, password=PASSWORD, initials=initials, surname=surname))
        token = await self.token_mailed_to(email, "Bevestig")
        confirmed = await self.call(contracts.ConfirmEmail(token=token))
        return confirmed.account_id, email

    async def staff(self, *roles: contracts.AccountRole) -> tuple[uuid.UUID, str, str]:
        """A staff account (via the demo command); returns (account id, e-mail, TOTP secret)."""
        email = f"staff-{uuid.uuid4().hex[:10]}@example.nl"
        secret = TotpVerifier.new_secret()
        ready = await self.call(
            contracts.CreateDemoAccount(
                email=email,
                password=PASSWORD,
                initials="S.",
                surname="Staff",
                account_roles=list(roles),
                totp_secret=secret,
            )
        )
        return ready.account_id, email, secret

    def totp_code(self, secret: str) -> str:
        """The current code; moves the clock a step on first so no code is ever used twice."""
        self.clock.advance(seconds=30)
        return TotpVerifier.code_at(secret, self.clock())

    async def apply(self, account_id: uuid.UUID, **overrides: Any) -> contracts.ApplicationView:
        fields: dict[str, Any] = {
            "actor_account_id": account_id,
            "roles": ["leerplichtambtenaar"],
            "employer_name": "Gemeente Testdorp",
            "employer_kind": "municipality",
            "hours_per_week": "24",
            "declaration_accepted": True,
        } | overrides
        return await self.call(contracts.ApplyForRegistration(**fields))

    async def registered_professional(self, office_id: uuid.UUID, **apply: Any) -> tuple[uuid.UUID, str, str]:
        """Sign up, apply and have the office approve; returns (account id, e-mail, registration number)."""
        account_id, email = await self.sign_up_and_confirm(
            **{k: apply.pop(k) for k in ("initials", "surname") if k in apply}
        )
        application = await self.apply(account_id, **apply)
        decided = await self.call(
            contracts.DecideApplication(
                actor_account_id=office_id, application_id=application.application_id, decision="approve"
            )
        )
        assert decided.registration_number
        return account_id, email, decided.registration_number


async def rpc_error(registry: Registry, request: Message) -> RpcError:
    """The RpcError a request is refused with (fails the test when it succeeds)."""
    with pytest.raises(RpcError) as caught:
        await registry.call(request)
    return caught.value


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, timeout: float = 15.0, message: str = "condition"
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(0.05)


RegistryFactory = Callable[..., Awaitable[Registry]]


@pytest.fixture(scope="module")
async def start_registry(
    databases: Any, broker_names: Any, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RegistryFactory]:
    """Start registries (fresh database, own broker prefix) with setting overrides; all stop at module end."""
    started: list[tuple[RegistryRuntime, RabbitBroker]] = []

    async def start(*, manual_clock: ManualClock | None = None, **overrides: Any) -> Registry:
        url = await databases.create("registry")
        await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
        topology = broker_names.topology(consumers={"registry"}, services={"registry"})
        mail_dir: Path = tmp_path_factory.mktemp("mail")
        settings = RegistrySettings(
            **(
                {
                    "database_url": url,
                    "amqp_url": amqp_url,
                    "broker_prefix": topology.prefix,
                    "delivery_limit": topology.delivery_limit,
                    "health_port": 0,
                    "allow_demo_commands": True,
                    "environment": "local",
                    "mail_dir": mail_dir,
                    "dev_mailbox": True,
                    "mail_poll_seconds": 0.2,
                    "outbox_poll_seconds": 0.2,
                    # Backoff is unit-tested; here it would only make the lockout test wait.
                    "login_backoff_base_seconds": 0,
                    "register_lookups_per_window": 1000,
                    # Tests run the jobs with RunScheduledJobs, so counts are theirs alone; the timer has its own test.
                    "scheduled_jobs_enabled": False,
                }
                | overrides
            )
        )
        clock = MovableClock()
        runtime = build_runtime(settings, clock=manual_clock or clock)
        await runtime.start()
        broker = await connect_broker(amqp_url, name="registry-tests")
        started.append((runtime, broker))
        registry = Registry(
            runtime=runtime,
            client=RpcClient(broker, topology, timeout=15, credentials=operator_credentials()),
            broker=broker,
            topology=topology,
            database_url=url,
            clock=clock,
            manual_clock=manual_clock,
        )
        await _collect_events(registry)
        return registry

    yield start
    for runtime, broker in reversed(started):
        await broker.stop()
        await runtime.stop()


async def _collect_events(registry: Registry) -> None:
    """Bind a private queue to every registry event, so tests see what the relay actually published."""
    await event_tap(
        registry.broker,
        registry.topology,
        queue=f"{registry.topology.prefix}.registry-events-probe.{uuid.uuid4().hex}",
        routing_key="registry.#",
        on_envelope=registry.events.append,
    )


@pytest.fixture(scope="module")
async def registry(start_registry: RegistryFactory) -> Registry:
    """One registry shared by a module's tests (each test uses its own accounts and client keys)."""
    return await start_registry()


@pytest.fixture(scope="module")
async def office(registry: Registry) -> uuid.UUID:
    account_id, _email, _secret = await registry.staff("office")
    return account_id


async def raw_reply(registry: Registry, request: Message) -> dict[str, Any]:
    """The reply body exactly as it left the registry, before any contract parsing drops unknown fields."""
    return await registry.client.call_raw("registry", request, timeout=15)
