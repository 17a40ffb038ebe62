"""The whole register on servers of its own, for fault tests and the soak benchmark.

    async with fault_rig(tmp_path, cut_off="portfolio") as rig:
        await rig.scenario.prepare(people=500, editions=10)
        await rig.system.kill("accreditation"); await rig.system.restart("accreditation")
        await rig.rabbit.kill(); await rig.rabbit.start()
        await rig.postgres.stop(); await rig.postgres.start()
        await rig.proxy.cut(); await rig.proxy.restore()          # only with cut_off=<process>

A private RabbitMQ node and a private PostgreSQL server (never the machine's shared ones, which other tests use),
the five processes of the register on them, and a `Scenario` (an HTTP client on the gateway with the ledger).
`cut_off` puts a `TcpProxy` between that one process and the broker, so a test can cut its network alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.load import Scenario
from tests.support.postgres_node import PrivatePostgres, private_postgres
from tests.support.rabbit_node import PrivateRabbitNode, private_rabbit_node
from tests.support.system import RunningSystem, start_system
from tests.support.tcp_proxy import TcpProxy

# Settings that make recovery observable within a test's time: a broken connection is noticed fast, and the
# idempotency lease stays at its production value (the crash scenario is about exactly that lease).
FAULT_ENV: Mapping[str, str] = {}


@dataclass
class FaultRig:
    system: RunningSystem
    rabbit: PrivateRabbitNode
    postgres: PrivatePostgres
    scenario: Scenario
    proxy: TcpProxy | None = None


@contextlib.asynccontextmanager
async def fault_rig(
    tmp_path: Path, *, cut_off: str | None = None, env: Mapping[str, str] | None = None
) -> AsyncIterator[FaultRig]:
    """Start the private servers and the register; stop everything afterwards (see the module docstring)."""
    async with private_rabbit_node() as rabbit, private_postgres() as postgres, contextlib.AsyncExitStack() as stack:
        proxy = None
        amqp_urls = {}
        if cut_off is not None:
            proxy = await stack.enter_async_context(TcpProxy("127.0.0.1", rabbit.port))
            amqp_urls[cut_off] = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
        system = await stack.enter_async_context(
            start_system(
                rabbit.amqp_url,
                None,
                None,
                tmp_path,
                postgres_url=postgres.url,
                process_amqp_urls=amqp_urls,
                env={**FAULT_ENV, **(env or {})},
            )
        )
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=system.gateway_url, timeout=60))
        yield FaultRig(system, rabbit, postgres, Scenario(system, http), proxy)
