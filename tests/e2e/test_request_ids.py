"""A professional's new activity, sent twice, is recorded once: through the form (the same rendered form posted
again, as a browser does on a retry after a timeout) and through the API (the same Idempotency-Key), on the real
processes. The retry uploads its evidence file again; it is still the same request."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from lklr_shared.kit.clock import register_today, system_clock
from tests.support.rpc_setup import registered_account
from tests.support.system import RunningSystem, start_system
from tests.support.web import WebUser, csrf_from

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
PDF = b"%PDF-1.4\n% verslag\n" + b"0" * 2_000 + b"\n%%EOF\n"
_REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path_factory: Any
) -> AsyncIterator[RunningSystem]:
    async with start_system(amqp_url, databases, broker_names, tmp_path_factory.mktemp("request-ids")) as running:
        yield running


async def _registered_professional(system: RunningSystem) -> str:
    """A professional registered two months ago whose portfolio knows them; returns their e-mail."""
    email = f"prof-{uuid.uuid4().hex[:10]}@gemeente.example"
    await registered_account(
        system.rpc,
        email,
        PASSWORD,
        initials="H.",
        surname="Herhaal",
        employer_id="gemeente-herhaal",
        registered_since=register_today(system_clock) - timedelta(days=60),
    )
    return email


async def _bearer(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    token = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _titles(client: httpx.AsyncClient, auth: dict[str, str], timeout: float = 30) -> list[str]:
    """The titles of the professional's activities, once the portfolio knows them (the registration arrives as an
    event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get("/api/v1/me/portfolio", headers=auth)
        if response.status_code == 200:
            return [activity["title"] for activity in response.json()["activities"]]
        assert asyncio.get_running_loop().time() < deadline, f"no portfolio: {response.status_code} {response.text}"
        await asyncio.sleep(0.3)


def _activity(title: str) -> dict[str, str]:
    return {
        "category": "A2",
        "title": title,
        "description": "Verslag van een intervisiebijeenkomst.",
        "completion_date": str(register_today(system_clock) - timedelta(days=10)),
        "a2_type": "collegial_feedback",
        "quantity": "2",
    }


async def test_request_id_the_new_activity_form_posted_twice_records_one_activity(system: RunningSystem) -> None:
    email = await _registered_professional(system)
    async with WebUser(system.gateway_url) as professional:
        await professional.sign_in(email, PASSWORD)
        auth = await _bearer(professional.client, email)
        assert await _titles(professional.client, auth) == []
        form = (await professional.get("/portfolio/nieuw")).text
        (request_id,) = _REQUEST_ID.findall(form)
        token = csrf_from(form)
        fields = {"csrf_token": token, "request_id": request_id, **_activity("Intervisie, eenmaal")}
        answers = []
        # The browser sends the same rendered form again (its first answer never arrived), files and all.
        for _attempt in range(2):
            answers.append(
                await professional.client.post(
                    "/portfolio/nieuw",
                    params={"csrf_token": token},
                    data=fields,
                    files=[("evidence", ("verslag.pdf", PDF, "application/pdf"))],
                )
            )
        first, again = answers
        assert first.status_code == again.status_code == 303, again.text[:500]
        assert again.headers["location"] == first.headers["location"]
        assert await _titles(professional.client, auth) == ["Intervisie, eenmaal"]

        # The form rendered anew is a new request: a second activity.
        form = (await professional.get("/portfolio/nieuw")).text
        (new_id,) = _REQUEST_ID.findall(form)
        assert new_id != request_id
        other = await professional.client.post(
            "/portfolio/nieuw",
            params={"csrf_token": csrf_from(form)},
            data={**fields, "csrf_token": csrf_from(form), "request_id": new_id},
            files=[("evidence", ("verslag.pdf", PDF, "application/pdf"))],
        )
        assert other.status_code == 303 and other.headers["location"] != first.headers["location"]
        assert sorted(await _titles(professional.client, auth)) == ["Intervisie, eenmaal"] * 2


async def test_request_id_an_activity_sent_twice_with_one_idempotency_key_is_recorded_once(
    system: RunningSystem,
) -> None:
    email = await _registered_professional(system)
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as client:
        auth = await _bearer(client, email)
        assert await _titles(client, auth) == []
        headers = auth | {"Idempotency-Key": f"activity-{uuid.uuid4()}"}
        answers = [
            await client.post(
                "/api/v1/me/activities",
                headers=headers,
                data=_activity("Via de API, eenmaal"),
                files=[("evidence", ("verslag.pdf", PDF, "application/pdf"))],
            )
            for _attempt in range(2)
        ]
        first, again = answers
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
        assert await _titles(client, auth) == ["Via de API, eenmaal"]

        # The same key with another activity is refused; nothing is recorded.
        reused = await client.post("/api/v1/me/activities", headers=headers, data=_activity("Iets anders"))
        assert reused.status_code == 422, reused.text
        assert reused.json()["code"] == "request_id_reused"
        # Another key: a second activity.
        other = await client.post(
            "/api/v1/me/activities",
            headers=auth | {"Idempotency-Key": f"activity-{uuid.uuid4()}"},
            data=_activity("Via de API, eenmaal"),
        )
        assert other.status_code == 201, other.text
        assert other.json()["activity_id"] != first.json()["activity_id"]
        assert await _titles(client, auth) == ["Via de API, eenmaal"] * 2
