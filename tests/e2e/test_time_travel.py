"""The demo's time travel against `./scripts/start` (scripts/run_local.py): every process reads one clock offset
file in the data folder; `python -m scripts.time_travel --days N` moves it and runs the registry's scheduled jobs,
so a registration whose cycle ended expires at once; `--reset` goes back to the real date.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from tests.support.calendar import add_years
from tests.support.local_run import read_output_until, start_run_local
from tests.support.rpc_setup import grant_registration

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "portfolio", "accreditation", "audit")
TRAVEL_DAYS = 200


@dataclass
class LocalRun:
    gateway_url: str
    data_dir: Path
    env: dict[str, str]
    topology: Topology
    output: list[str]

    async def time_travel(self, *args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.time_travel",
            *args,
            "--data-dir",
            str(self.data_dir),
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode is not None
        return process.returncode, out.decode()


@pytest.fixture
async def local_run(amqp_url: str, broker_names: Any, tmp_path: Path) -> AsyncIterator[LocalRun]:
    topology = broker_names.topology(consumers=set(SERVICES), services=set(SERVICES))
    data_dir = tmp_path / "data"
    # The registry's own timer is off, so the expiry this test sees is the time-travel command's doing.
    env = dict(
        os.environ,
        LKLR_AMQP_URL=amqp_url,
        LKLR_BROKER_PREFIX=topology.prefix,
        REGISTRY_SCHEDULED_JOBS_ENABLED="false",
    )
    process, port = await start_run_local(env, data_dir, "--no-demo")
    output: list[str] = []
    try:
        await read_output_until(process, "--reset", output)  # the last line of the start output
        yield LocalRun(f"http://127.0.0.1:{port}", data_dir, env, topology, output)
        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, "".join(output) + rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _call(client: RpcClient, service: str, request: Message) -> Any:
    return await client.call(service, request)


async def test_time_travel_moves_every_process_and_expires_a_cycle_that_ended(
    local_run: LocalRun, eventually: Any
) -> None:
    today = register_today(system_clock)
    start_output = "".join(local_run.output)
    assert f"the register's day is {today.isoformat()} (clock offset +0 days)" in start_output
    assert "uv run python -m scripts.time_travel --days 200" in start_output

    broker = await connect_broker(local_run.env["LKLR_AMQP_URL"])
    try:
        client = RpcClient(broker, local_run.topology, timeout=30, credentials=operator_credentials())
        # A professional whose cycle ends in 10 days and who does not apply.
        since = add_years(today + timedelta(days=11), -5)
        receipt = await grant_registration(
            client.call, initials="T.", surname="Reiziger", employer_id="gemeente-x", registered_since=since
        )
        # An accredited course valid for another 100 days only.
        provider = await _call(
            client,
            "accreditation",
            accreditation_contracts.RegisterProvider(name=f"Aanbieder {uuid.uuid4().hex[:8]}", registered_by="e2e"),
        )
        title = f"Tijdreis {uuid.uuid4().hex[:8]}"
        course = await _call(
            client,
            "accreditation",
            accreditation_contracts.SubmitCourse(
                provider_id=provider.provider_id,
                submitted_by="e2e",
                title=title,
                description="Cursus",
                category="A1",
                study_load_hours=Decimal(8),
            ),
        )
        await _call(
            client,
            "accreditation",
            accreditation_contracts.ApproveCourse(
                course_id=course.course_id,
                decided_by="e2e",
                reason="Voldoet.",
                points=Decimal(8),
                valid_from=today - timedelta(days=10),
                valid_until=today + timedelta(days=100),
            ),
        )
        person = portfolio_contracts.Actor(person_id=receipt.person_id)
        next_month = portfolio_contracts.RecordActivity(
            person_id=receipt.person_id,
            actor=person,
            activity=portfolio_contracts.ActivityInput(
                category="A2",
                a2_type="article",
                quantity=Decimal(1),
                title="Artikel",
                completion_date=today + timedelta(days=30),
            ),
        )

        async def portfolio_knows_the_person() -> bool:
            try:
                await _call(
                    client, "portfolio", portfolio_contracts.GetPortfolio(person_id=receipt.person_id, actor=person)
                )
            except RpcError:
                return False
            return True

        await eventually(portfolio_knows_the_person, timeout=30, interval=0.3, message="the portfolio's registration")
        with pytest.raises(RpcError) as in_future:
            await _call(client, "portfolio", next_month)
        assert in_future.value.code == "completion_in_future"

        async with httpx.AsyncClient(base_url=local_run.gateway_url, timeout=30) as http:
            before = (await http.get(f"/api/v1/register/{receipt.registration_number}")).json()
            listed = (await http.get("/api/v1/courses/", params={"q": title})).json()
            assert (before["status"], before["valid_until"]) == ("registered", (today + timedelta(days=10)).isoformat())
            assert listed["total"] == 1

            code, out = await local_run.time_travel("--days", str(TRAVEL_DAYS))
            # The register's day of the travelled-to moment (Dutch time: a summer date may already be the next day).
            moved = register_today(lambda: system_clock() + timedelta(days=TRAVEL_DAYS))
            assert code == 0, out
            assert f"Clock offset: +0 → +{TRAVEL_DAYS} days; the register's day is now {moved.isoformat()}" in out
            assert f"Scheduled jobs ran for {moved.isoformat()}: 1 registration(s) expired" in out
            assert (local_run.data_dir / "clock-offset-days").read_text().strip() == str(TRAVEL_DAYS)

            # Every service judges by the moved day: the registry expired the registration, the accreditation's
            # catalogue no longer lists the course, and the portfolio takes last month's activity.
            after = (await http.get(f"/api/v1/register/{receipt.registration_number}")).json()
            assert (after["status"], after["valid_until"]) == ("expired", (today + timedelta(days=10)).isoformat())
            assert (await http.get("/api/v1/courses/", params={"q": title})).json()["total"] == 0
            saved = await _call(client, "portfolio", next_month)
            assert saved.activity.completion_date == today + timedelta(days=30)

            code, out = await local_run.time_travel("--reset", "--no-jobs")
            assert code == 0, out
            assert f"Clock offset: +{TRAVEL_DAYS} → +0 days; the register's day is now {today.isoformat()}" in out

            async def listed_again() -> bool:
                return bool((await http.get("/api/v1/courses/", params={"q": title})).json()["total"] == 1)

            await eventually(listed_again, timeout=10, interval=0.3, message="the catalogue back at the real date")
            code, out = await local_run.time_travel()
            assert code == 0 and "Clock offset: +0 days" in out, out
    finally:
        await broker.stop()
