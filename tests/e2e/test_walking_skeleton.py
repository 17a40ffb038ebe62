"""The walking skeleton, as separate processes on the real broker: the gateway answers HTTP by asking a service
over RabbitMQ, and an event written through one service's outbox lands in other services' databases.

Runs on PostgreSQL (as in production) and on SQLite (the embedded default of a local run).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.db import make_engine
from lklr_shared.kit.rpc import RpcClient
from tests.support.ports import free_port
from tests.support.rpc_setup import grant_registration
from tests.support.system import service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "portfolio", "accreditation", "audit")


class RunningSystem:
    def __init__(self, gateway_url: str, database_urls: dict[str, str], topology) -> None:  # type: ignore[no-untyped-def]
        self.gateway_url = gateway_url
        self.database_urls = database_urls
        self.topology = topology


@pytest.fixture(params=["postgresql", "sqlite"])
async def system(request, amqp_url, databases, broker_names, tmp_path) -> AsyncIterator[RunningSystem]:
    topology = broker_names.topology(consumers={"portfolio", "accreditation"}, services={*SERVICES})
    database_urls = {}
    for name in SERVICES:
        if request.param == "postgresql":
            database_urls[name] = await databases.create(name)
        else:
            database_urls[name] = f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    port = free_port()
    env = dict(
        os.environ,
        GATEWAY_AMQP_URL=amqp_url,
        GATEWAY_BROKER_PREFIX=topology.prefix,
        GATEWAY_PORT=str(port),
        REGISTRY_ALLOW_DEMO_COMMANDS="true",
        GATEWAY_ENVIRONMENT="local",
        REGISTRY_ENVIRONMENT="local",
    )
    for name in SERVICES:
        env |= service_env(name, database_urls[name], amqp_url, topology)
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []
    for name in (*SERVICES, "gateway"):
        log = (logs / f"{name}.log").open("wb")
        processes.append(
            (
                name,
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", name, env=env, cwd=ROOT, stdout=log, stderr=log
                ),
            )
        )
    gateway_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=5) as client:
            deadline = asyncio.get_running_loop().time() + 120
            while True:
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                for name, process in processes:
                    if process.returncode is not None:
                        pytest.fail(f"{name} exited: {(logs / f'{name}.log').read_text()[-3000:]}")
                if asyncio.get_running_loop().time() > deadline:
                    dump = "\n".join(f"--- {n}\n{(logs / f'{n}.log').read_text()[-1500:]}" for n, _ in processes)
                    pytest.fail(f"system not ready in 120s\n{dump}")
                await asyncio.sleep(0.3)
        yield RunningSystem(gateway_url, database_urls, topology)
    finally:
        for _name, process in processes:
            if process.returncode is None:
                process.terminate()
        for name, process in processes:
            try:
                code = await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                pytest.fail(f"{name} did not stop gracefully on SIGTERM")
            assert code == 0, f"{name} exited with {code} on SIGTERM: {(logs / f'{name}.log').read_text()[-2000:]}"


async def test_gateway_readiness_reports_the_broker_and_every_service(system):
    async with httpx.AsyncClient(base_url=system.gateway_url) as client:
        body = (await client.get("/readyz")).json()
    text = str(body)
    for name in ("broker", *SERVICES):
        assert name in text


async def test_an_http_request_is_answered_by_a_service_and_an_event_lands_in_other_databases(
    system, amqp_url, eventually
):
    broker = await connect_broker(amqp_url)
    try:
        client = RpcClient(broker, system.topology, timeout=10, credentials=operator_credentials())
        receipt = await grant_registration(
            client.call,
            initials="T.",
            surname="Skeleton",
            roles=["rmc_medewerker"],
            employer_id="gemeente-test",
            registered_since=date(2026, 1, 2),
        )
    finally:
        await broker.stop()

    async with httpx.AsyncClient(base_url=system.gateway_url) as client:
        response = await client.get("/api/v1/statistics")
    assert response.status_code == 200
    assert response.json()["registered"] == 1

    for service in ("portfolio", "accreditation"):
        engine = make_engine(system.database_urls[service])
        try:

            async def landed(engine=engine) -> bool:
                async with engine.connect() as conn:
                    rows = (
                        (await conn.execute(sa.text("SELECT registration_number FROM registered_people")))
                        .scalars()
                        .all()
                    )
                return rows == [receipt.registration_number]

            await eventually(landed, timeout=20, message=f"RegistrationGranted in {service}'s database")
        finally:
            await engine.dispose()
