"""The development webhook receiver (/dev/webhooks): local runs only; checks the demo signature and lists. And the
provider documentation (OpenAPI, /aanbieders/koppelen) on the sandbox, test events and the alternate syntax."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from standardwebhooks.webhooks import Webhook

from lklr_shared.contracts.accreditation import DEMO_WEBHOOK_SECRET, SANDBOX_REGISTRATION_NUMBERS

from .conftest import FakeCaller, make_app


def signed(secret: str, message_id: str, body: str) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
    }


async def test_the_receiver_checks_signatures_and_lists_deliveries_in_local_runs_only(caller: FakeCaller) -> None:
    body = json.dumps({"type": "course.decided", "sandbox": True, "test": True, "data": {"title": "Voorbeeld"}})
    async with AsyncTestClient(app=make_app(caller, dev_pages=True)) as client:
        good = await client.post("/dev/webhooks", content=body, headers=signed(DEMO_WEBHOOK_SECRET, "msg_good", body))
        forged_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
        forged = await client.post("/dev/webhooks", content=body, headers=signed(forged_secret, "msg_forged", body))
        page = await client.get("/dev/webhooks")
    assert (good.status_code, forged.status_code) == (204, 400)
    assert page.status_code == 200
    assert page.text.count('data-testid="received-webhook"') == 2
    # Newest first: the forged one, then the good one.
    assert page.text.index('data-verified="no"') < page.text.index('data-verified="yes"')
    assert "msg_good" in page.text and "course.decided" in page.text

    async with AsyncTestClient(app=make_app(caller)) as client:
        assert (await client.get("/dev/webhooks")).status_code == 404


async def test_the_openapi_document_and_the_guide_describe_the_sandbox_test_events_and_alternate_syntax(
    client: AsyncTestClient[Litestar],
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/provider/webhooks/{endpoint_id}/test-events" in schema["paths"]
    for number in SANDBOX_REGISTRATION_NUMBERS:
        assert number in schema["info"]["description"]
    assert "alternate request syntax" in schema["info"]["description"]
    guide = (await client.get("/aanbieders/koppelen?lang=en")).text
    assert "/xapi/statements?method=GET" in guide and "test-events" in guide
