"""The demo's time travel moves the register's clock, not the time authenticator apps know: a registry whose clock
is shifted by the offset file still accepts the current TOTP code, and judges everything else by the moved day."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.db import run_migrations
from lklr_shared.kit.rpc import RpcClient
from registry.adapters.security import TotpVerifier
from registry.bootstrap import MIGRATIONS_DIR, build_runtime
from registry.settings import RegistrySettings

pytestmark = [pytest.mark.integration]

TRAVEL_DAYS = 200
PASSWORD = "correct horse battery"


async def test_staff_sign_in_with_the_real_time_code_after_time_travel(
    databases: Any, broker_names: Any, amqp_url: str, tmp_path: Path
) -> None:
    url = await databases.create("registry")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    topology = broker_names.topology(consumers={"registry"}, services={"registry"})
    offset_file = tmp_path / "clock-offset-days"
    offset_file.write_text(f"{TRAVEL_DAYS}\n")
    settings = RegistrySettings(
        database_url=url,
        amqp_url=amqp_url,
        broker_prefix=topology.prefix,
        delivery_limit=topology.delivery_limit,
        health_port=0,
        allow_demo_commands=True,
        environment="local",
        mail_dir=tmp_path / "mail",
        scheduled_jobs_enabled=False,
        clock_offset_file=offset_file,
    )
    runtime = build_runtime(settings)  # no injected clock: the process's own, as `python -m registry` runs
    await runtime.start()
    broker = await connect_broker(amqp_url)
    try:
        client = RpcClient(broker, topology, timeout=15, credentials=operator_credentials())
        secret = TotpVerifier.new_secret()
        email = f"office-{uuid.uuid4().hex[:8]}@example.nl"
        await client.call(
            "registry",
            contracts.CreateDemoAccount(
                email=email,
                password=PASSWORD,
                initials="O.",
                surname="Office",
                account_roles=["office"],
                totp_secret=secret,
            ),
        )
        code = TotpVerifier.code_at(secret, system_clock())  # what the authenticator app shows now
        signed_in = await client.call("registry", contracts.Login(email=email, password=PASSWORD, totp_code=code))
        jobs = await client.call("registry", contracts.RunScheduledJobs())
    finally:
        await broker.stop()
        await runtime.stop()

    assert isinstance(signed_in, contracts.LoginResult) and signed_in.authenticated
    assert isinstance(jobs, contracts.ScheduledJobsReport)
    # The register's day of the travelled-to moment (Dutch time: a summer date may already be the next day).
    assert jobs.register_day == register_today(lambda: system_clock() + timedelta(days=TRAVEL_DAYS))
    # The session is dated by the register's (moved) clock, like everything else the registry records.
    assert signed_in.session_expires_at is not None
    assert signed_in.session_expires_at > system_clock() + timedelta(days=TRAVEL_DAYS - 1)
