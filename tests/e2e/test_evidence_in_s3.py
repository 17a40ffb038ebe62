"""Evidence in object storage, end to end: a 10 MB file uploaded through the gateway's API is stored by the portfolio
in an S3 bucket (moto's S3 server, spoken to over HTTP by aiobotocore) and downloaded again through the page, while
neither the gateway nor the portfolio ever holds the file: their peak memory during the transfer stays far below
its size (measured from the kernel's own figures, /proc/<pid>/status).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lklr_shared.kit.clock import register_today, system_clock
from tests.support.rpc_setup import registered_account
from tests.support.s3_server import object_names, s3_env, s3_server
from tests.support.system import RunningSystem, start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "s3-bewijs-wachtwoord-2026"
FILE_BYTES = 10 * 1024 * 1024  # the largest evidence file the register accepts
# Growth of peak memory above the baseline, per process, that still counts as "not holding the file".
MAX_GROWTH_BYTES = FILE_BYTES // 2


def _pdf(size: int) -> bytes:
    """`size` bytes that the portfolio judges a PDF (by its magic bytes), varied so a mix-up of ranges shows."""
    block = hashlib.sha256(b"evidence").digest() * 2048  # 64 KiB
    body = (block * (size // len(block) + 1))[: size - 9]
    return b"%PDF-1.7\n" + body


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {field}")


def _reset_peak(pid: int) -> None:
    # Writing 5 to clear_refs sets the peak resident set size (VmHWM) back to the current one (Linux 4.0+).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _registered_professional(system: RunningSystem, email: str) -> uuid.UUID:
    """A signed-up account with a registration, once the portfolio knows its cycle; returns the person id."""
    receipt = await registered_account(
        system.rpc,
        email,
        PASSWORD,
        initials="S.",
        surname="Drie",
        employer_id="gemeente-s3",
        registered_since=register_today(system_clock) - timedelta(days=400),
    )
    return receipt.person_id


async def _wait_for_cycle(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for _ in range(120):
        response = await client.get("/api/v1/me/portfolio", headers=headers)
        if response.status_code == 200 and response.json()["cycle"] is not None:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"the portfolio never showed the cycle: {response.status_code} {response.text[:300]}")


async def _upload(client: httpx.AsyncClient, headers: dict[str, str], name: str, data: bytes) -> dict[str, object]:
    fields = {
        "category": "A2",
        "title": f"Presentatie met {name}",
        "completion_date": (register_today(system_clock) - timedelta(days=10)).isoformat(),
        "a2_type": "presentation",
        "quantity": "1",
    }
    response = await client.post(
        "/api/v1/me/activities",
        headers=headers,
        data=fields,
        files=[("evidence", (name, data, "application/pdf"))],
        timeout=120,
    )
    assert response.status_code == 201, response.text
    (evidence,) = response.json()["evidence"]
    return dict(evidence)


async def _download_sha256(user: WebUser, evidence_id: object) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    async with user.client.stream("GET", f"/portfolio/bewijs/{evidence_id}", timeout=120) as response:
        assert response.status_code == 200, await response.aread()
        async for piece in response.aiter_bytes():
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size


async def test_a_10_mb_evidence_file_goes_through_the_gateway_to_s3_and_back_in_bounded_memory(
    amqp_url: str, databases, broker_names, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    with s3_server() as endpoint:
        async with start_system(
            amqp_url,
            databases,
            broker_names,
            tmp_path,
            services=("registry", "portfolio"),
            env=s3_env(endpoint, bucket),
        ) as system:
            email = f"s3-{uuid.uuid4().hex[:8]}@bewijs.example"
            await _registered_professional(system, email)
            async with WebUser(system.gateway_url) as user:
                await user.sign_in(email, PASSWORD)
                token = await user.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
                assert token.status_code in (200, 201), token.text
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                await _wait_for_cycle(user.client, headers)

                # A small file first, so that both processes have loaded every code path (and the S3 client its
                # service model) before the baseline is taken.
                small = await _upload(user.client, headers, "klein.pdf", _pdf(300 * 1024))
                assert (await _download_sha256(user, small["evidence_id"]))[1] == 300 * 1024

                pids = {name: system.pids[name] for name in ("gateway", "portfolio")}
                baseline = {name: _status_kib(pid, "VmRSS") * 1024 for name, pid in pids.items()}
                for pid in pids.values():
                    _reset_peak(pid)

                data = _pdf(FILE_BYTES)
                expected = hashlib.sha256(data).hexdigest()
                stored = await _upload(user.client, headers, "groot.pdf", data)
                del data
                assert stored["size_bytes"] == FILE_BYTES and stored["sha256"] == expected
                downloaded, size = await _download_sha256(user, stored["evidence_id"])
                assert (downloaded, size) == (expected, FILE_BYTES)

                peak = {name: _status_kib(pid, "VmHWM") * 1024 for name, pid in pids.items()}

        # The bytes are in the bucket, as the parts a manifest names, not in a folder of the portfolio.
        names = object_names(endpoint, bucket)
        key = uuid.UUID(str(stored["evidence_id"])).hex
        assert f"evidence/objects/{key}/manifest.json" in names
        assert sum(1 for name in names if name.startswith(f"evidence/objects/{key}/0")) == FILE_BYTES // (256 * 1024)
        assert not [name for name in names if "/staging/" in name]

    mib = 1024 * 1024
    report = ", ".join(
        f"{name}: baseline {baseline[name] / mib:.1f} MiB, peak {peak[name] / mib:.1f} MiB, "
        f"growth {(peak[name] - baseline[name]) / mib:.1f} MiB"
        for name in pids
    )
    print(f"\n10 MiB evidence up and down through the gateway with the S3 store: {report}")
    for name in pids:
        growth = peak[name] - baseline[name]
        assert growth < MAX_GROWTH_BYTES, f"{name} grew by {growth / mib:.1f} MiB while moving a 10 MiB file ({report})"
