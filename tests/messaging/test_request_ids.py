"""Request ids over the real broker and PostgreSQL: a command sent again with the same id is carried out once.

A tiny command ("make a probe row") answered by a kit RpcServer whose handler commits through the kit's
UnitOfWork, like every service's handlers do.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lklr_shared.contracts.access import PUBLIC, Access
from lklr_shared.contracts.base import Message, MessageKind, Request
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import local_verifier, operator_credentials
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.request_log import prune_request_log, request_log_table
from lklr_shared.kit.rpc import RpcClient, RpcServer
from tests.messaging import harness

pytestmark = [pytest.mark.integration]


class ProbeMade(Message):
    """Test-only reply: the row the command made."""

    wire_name: ClassVar[str] = "tests.ProbeMade"
    kind: ClassVar[MessageKind] = "reply"
    owner: ClassVar[str] = "tests"

    row_id: int


class MakeProbe(Request[ProbeMade]):
    """Test-only command: insert a row for ``key`` (not idempotent by nature)."""

    wire_name: ClassVar[str] = "tests.MakeProbe"
    kind: ClassVar[MessageKind] = "command"
    access: ClassVar[Access] = PUBLIC
    owner: ClassVar[str] = "tests"

    key: str
    refuse: bool = False
    fail_after_commit: bool = False


@dataclass
class Service:
    client: RpcClient
    session_factory: async_sessionmaker[AsyncSession]
    # A key listed here makes its handler wait inside its transaction until the event is set.
    hold: dict[str, asyncio.Event] = field(default_factory=dict)
    entered: dict[str, asyncio.Event] = field(default_factory=dict)
    database: str = ""

    async def make(self, key: str, request_id: str | None, **options: Any) -> ProbeMade:
        reply = await self.client.call("probes", MakeProbe(key=key, **options), request_id=request_id, timeout=15)
        assert isinstance(reply, ProbeMade)
        return reply

    async def rows(self, key: str) -> int:
        return await harness.effect_count(self.session_factory, key)


@pytest.fixture
async def service(broker: RabbitBroker, broker_names: Any, databases: Any) -> AsyncIterator[Service]:
    async with harness.probe_database(databases, "requestids") as (url, session_factory):
        topology = broker_names.topology(services={"probes"})
        state = Service(
            RpcClient(broker, topology, timeout=15, credentials=operator_credentials()),
            session_factory,
            database=url.rsplit("/", 1)[-1],
        )

        async def make(command: MakeProbe, _envelope: Envelope) -> ProbeMade:
            async with UnitOfWork(session_factory) as uow:
                if command.refuse:
                    raise RpcError("refused", "not this one", 409)
                inserted = await uow.session.execute(
                    sa.insert(harness.effects).values(key=command.key).returning(harness.effects.c.id)
                )
                row_id = int(inserted.scalar_one())
                if command.key in state.hold:
                    state.entered.setdefault(command.key, asyncio.Event()).set()
                    await state.hold[command.key].wait()
                await uow.commit()
            if command.fail_after_commit:
                raise RuntimeError("the process dies after the commit")
            return ProbeMade(row_id=row_id)

        server = RpcServer("probes", broker, topology, {MakeProbe: make}, verifier=local_verifier())
        await server.start()
        yield state
        await server.stop()


async def test_request_id_retry_returns_the_first_reply_and_changes_nothing(service: Service) -> None:
    request_id = str(uuid.uuid4())
    first = await service.make("retried", request_id)
    again = await service.make("retried", request_id)
    assert again == first
    assert await service.rows("retried") == 1


async def test_request_id_a_new_id_makes_a_second_change(service: Service) -> None:
    first = await service.make("twice", str(uuid.uuid4()))
    second = await service.make("twice", str(uuid.uuid4()))
    assert first != second
    assert await service.rows("twice") == 2


async def test_request_id_without_one_the_command_runs_each_time(service: Service) -> None:
    await service.make("plain", None)
    await service.make("plain", None)
    assert await service.rows("plain") == 2


async def test_request_id_reused_for_another_payload_is_refused(service: Service) -> None:
    request_id = str(uuid.uuid4())
    await service.make("original", request_id)
    with pytest.raises(RpcError) as caught:
        await service.make("other", request_id)
    assert (caught.value.status, caught.value.code) == (422, "request_id_reused")
    assert await service.rows("other") == 0


async def test_request_id_second_while_the_first_is_still_running_waits_and_gets_its_reply(
    service: Service, eventually: Any
) -> None:
    request_id = str(uuid.uuid4())
    service.hold["slow"] = asyncio.Event()
    first = asyncio.create_task(service.make("slow", request_id))
    await eventually(lambda: "slow" in service.entered and service.entered["slow"].is_set(), message="first running")
    second = asyncio.create_task(service.make("slow", request_id))

    async def second_waits_on_the_claim() -> bool:
        # The second execution's claim waits on the first's uncommitted row: a lock wait in PostgreSQL.
        async with service.session_factory() as session:
            waiting = await session.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND wait_event_type = 'Lock'"),
                {"name": service.database},
            )
            return int(waiting.scalar_one()) >= 1

    await eventually(second_waits_on_the_claim, message="the second execution waiting on the claim")
    service.hold["slow"].set()
    assert await first == await second
    assert await service.rows("slow") == 1


async def test_request_id_a_refusal_is_not_remembered(service: Service) -> None:
    # A refused command committed nothing: the same id may carry the corrected request.
    request_id = str(uuid.uuid4())
    with pytest.raises(RpcError):
        await service.make("refused", request_id, refuse=True)
    made = await service.make("refused", request_id)
    assert made == await service.make("refused", request_id)
    assert await service.rows("refused") == 1


async def test_request_id_redelivered_after_commit_without_a_stored_reply_is_already_applied(
    service: Service,
) -> None:
    # The first execution committed and then died before its reply was stored (here: it fails after the commit):
    # the redelivered or retried request changes nothing and says the work was done.
    request_id = str(uuid.uuid4())
    with pytest.raises(RpcError) as first:
        await service.make("crashed", request_id, fail_after_commit=True)
    assert first.value.status == 500
    with pytest.raises(RpcError) as again:
        await service.make("crashed", request_id, fail_after_commit=True)
    assert (again.value.status, again.value.code) == (409, "request_already_applied")
    assert await service.rows("crashed") == 1


async def test_request_id_rows_are_pruned_after_the_retention(service: Service) -> None:
    await service.make("pruned", str(uuid.uuid4()))
    assert await prune_request_log(service.session_factory, retention=timedelta(days=1)) == 0
    pruned = await prune_request_log(service.session_factory, retention=timedelta(0))
    assert pruned >= 1
    async with service.session_factory() as session:
        left = await session.execute(sa.select(sa.func.count()).select_from(request_log_table))
        assert left.scalar_one() == 0
