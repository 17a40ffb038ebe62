"""The restore drill: a register with the demo data (the demo professional's portfolio with evidence in S3) is backed
up with `python -m scripts.backup`, its databases are dropped and its bucket emptied, `python -m scripts.restore`
puts everything back, and the professional's portfolio reads the same through the gateway, evidence files included.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from scripts.demo_data import DEMO_PASSWORD, load_demo_data
from tests.support.s3_server import empty_bucket, object_names, s3_env, s3_server
from tests.support.system import ROOT, RunningSystem, start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROFESSIONAL = "jansen@lklr.example"
# Differ between two reads of the same portfolio: when it was read, and what is new since the last visit.
VOLATILE = {"generated_at", "new_count", "is_new"}


class ExistingDatabases:
    """Hands `start_system` the restored databases instead of making new ones."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls

    async def create(self, label: str) -> str:
        return self.urls[label]


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_volatile(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    return value


async def _portfolio_as_seen(system: RunningSystem) -> dict[str, Any]:
    """The demo professional's portfolio from the API, with the SHA-256 of every evidence file as downloaded."""
    async with WebUser(system.gateway_url) as user:
        await user.sign_in(PROFESSIONAL, DEMO_PASSWORD)
        token = await user.client.post("/api/v1/auth/token", json={"email": PROFESSIONAL, "password": DEMO_PASSWORD})
        assert token.status_code in (200, 201), token.text
        response = await user.get(
            "/api/v1/me/portfolio", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert response.status_code == 200, response.text
        portfolio: dict[str, Any] = response.json()
        downloads = {}
        for activity in portfolio["activities"]:
            for evidence in activity["evidence"]:
                download = await user.get(f"/portfolio/bewijs/{evidence['evidence_id']}")
                assert download.status_code == 200, download.text[:300]
                downloads[evidence["evidence_id"]] = hashlib.sha256(download.content).hexdigest()
    return {"portfolio": _without_volatile(portfolio), "downloads": downloads}


async def _run(module: str, *args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{module} {' '.join(args)} exited with {process.returncode}:\n{text}"
    return text


async def _drop(urls: dict[str, str]) -> None:
    for url in urls.values():
        parsed = make_url(url)
        admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
        finally:
            await connection.close()


async def test_a_restored_backup_shows_the_demo_professionals_portfolio_as_it_was(
    amqp_url: str, databases, broker_names, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    backup_dir = tmp_path / "backup"
    with s3_server() as endpoint:
        settings = s3_env(endpoint, bucket)
        async with start_system(amqp_url, databases, broker_names, tmp_path / "before", env=settings) as system:
            await load_demo_data(system.amqp_url, system.topology.prefix)
            before = await _portfolio_as_seen(system)
            urls = system.database_urls
            env = dict(os.environ) | settings | {f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()}
            # Taken while the services run, as a nightly backup would be.
            print(await _run("scripts.backup", "--out", str(backup_dir), env=env))
        assert before["downloads"], "the demo portfolio has evidence files"

        await _drop(urls)
        assert empty_bucket(endpoint, bucket) > 0
        print(await _run("scripts.restore", "--from", str(backup_dir), env=env))
        assert object_names(endpoint, bucket)

        async with start_system(
            amqp_url, ExistingDatabases(urls), broker_names, tmp_path / "after", env=settings
        ) as restored:
            after = await _portfolio_as_seen(restored)

    assert after == before
    manifest = json.loads((backup_dir / "backup.json").read_text())
    assert set(manifest["databases"]) == {"registry", "portfolio", "accreditation", "audit"}
    assert manifest["evidence"]["kind"] == "s3"


async def test_restore_refuses_to_overwrite_a_database_that_holds_data(databases, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Without --replace, a restore into live data stops before it changes anything."""
    urls = {name: await databases.create(name) for name in ("registry", "portfolio", "accreditation", "audit")}
    env = dict(os.environ) | {f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()}
    env |= {"PORTFOLIO_BLOB_DIR": str(tmp_path / "blobs")}
    parsed = make_url(urls["registry"])
    connection = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await connection.execute("CREATE TABLE kept (id int)")
    finally:
        await connection.close()
    await _run("scripts.backup", "--out", str(tmp_path / "backup"), env=env)

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scripts.restore", "--from", str(tmp_path / "backup"), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 1
    assert "is not empty (1 tables); restore with --replace" in output.decode()
    await _run("scripts.restore", "--from", str(tmp_path / "backup"), "--replace", env=env)
