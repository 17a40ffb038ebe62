"""The JSON API, error mapping, health probes and the generated OpenAPI document."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.web.errors import public_server_detail
from lklr_shared.contracts.registry import Statistics
from lklr_shared.contracts.system import Pong
from lklr_shared.errors import RpcError
from lklr_shared.kit.rpc import ServiceTimeout, ServiceUnavailable

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit


async def test_statistics_api_maps_the_registry_reply() -> None:
    caller = FakeCaller(
        statistics=Statistics(
            registered=1500,
            working_total=4000,
            percentage=37.5,
            per_role={"leerplichtambtenaar": 1100, "rmc_medewerker": 400},
        )
    )
    async with AsyncTestClient(app=make_app(caller)) as client:
        response = await client.get("/api/v1/statistics")
    assert response.status_code == 200
    assert response.json() == {
        "registered": 1500,
        "working_total": 4000,
        "percentage": 37.5,
        "per_role": {"leerplichtambtenaar": 1100, "rmc_medewerker": 400},
    }
    assert caller.calls[0][:2] == ("registry", "registry.GetStatistics")


async def test_statistics_api_keeps_unknown_totals_null() -> None:
    caller = FakeCaller(statistics=Statistics(registered=7, working_total=None, percentage=None))
    async with AsyncTestClient(app=make_app(caller)) as client:
        response = await client.get("/api/v1/statistics")
    assert response.json() == {"registered": 7, "working_total": None, "percentage": None, "per_role": {}}


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (ServiceUnavailable("registry has no request queue"), 503, "service_unavailable"),
        (ServiceTimeout("registry did not answer registry.GetStatistics within 5.0s"), 504, "service_timeout"),
        (RpcError("not_found", "no such thing", 404), 404, "not_found"),
    ],
)
async def test_service_failures_become_problem_details_with_their_status(
    failure: RpcError, status: int, code: str
) -> None:
    async with AsyncTestClient(app=make_app(FakeCaller(statistics=failure))) as client:
        response = await client.get("/api/v1/statistics")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    # A service's own text is shown for a refusal, never for a failure (that goes to the log).
    assert body["detail"] == (failure.message if status < 500 else public_server_detail(status))
    assert body["instance"] == "/api/v1/statistics"
    assert body["title"]


async def test_livez_answers_while_the_process_runs(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/livez")
    assert response.status_code == 200


async def test_readyz_is_ok_when_every_service_answers(client: AsyncTestClient[Litestar], caller: FakeCaller) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert set(body["checks"]) == {"broker", "registry", "portfolio", "accreditation", "audit"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    pinged = {service for service, wire_name, _ in caller.calls if wire_name == "system.Ping"}
    assert pinged == {"registry", "portfolio", "accreditation", "audit"}
    # Probes use the short readiness timeout, not the page timeout.
    assert all(timeout == 2.0 for _, _, timeout in caller.calls)


async def test_readyz_reports_each_failing_service_and_logs_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    caller = FakeCaller(
        ping={
            "portfolio": ServiceTimeout("portfolio did not answer system.Ping within 2.0s"),
            "audit": Pong(service="audit", database_ok=False, broker_ok=True),
            "accreditation": ServiceUnavailable("accreditation has no request queue"),
        }
    )
    async with AsyncTestClient(app=make_app(caller)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["registry"] == {"status": "ok"}
    assert checks["broker"]["status"] == "ok"
    assert checks["portfolio"] == {"status": "failing"}
    assert checks["accreditation"] == {"status": "failing"}
    assert checks["audit"] == {"status": "failing"}
    logged = caplog.text
    assert "did not answer" in logged
    assert "no request queue" in logged
    assert "audit reports database not reachable" in logged


async def test_readyz_reports_the_broker_of_a_caller_that_owns_a_connection() -> None:
    class DisconnectedCaller(FakeCaller):
        async def broker_ok(self) -> tuple[bool, str]:
            return False, "cannot connect: ConnectionRefusedError()"

    caller = DisconnectedCaller(ping={s: ServiceUnavailable("broker down") for s in ("registry", "portfolio")})
    async with AsyncTestClient(app=make_app(caller, services=["registry", "portfolio"])) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert set(checks) == {"broker", "registry", "portfolio"}
    assert checks["broker"] == {"status": "failing"}


async def test_openapi_document_is_served_with_the_api_title(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "LKLR API"
    assert document["info"]["version"] == "1"
    assert "/api/v1/statistics" in document["paths"]
    assert "/readyz" in document["paths"]
    assert "/vragen" not in document["paths"]  # pages are not API

    page = await client.get("/schema")
    assert page.status_code == 200
    assert "/api/v1/statistics" in page.text
    assert "cdn" not in page.text.lower()


async def test_api_errors_stay_problem_details_even_when_a_browser_asks() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller(statistics=ServiceTimeout("slow")))) as client:
        response = await client.get("/api/v1/statistics", headers={"Accept": "text/html"})
    assert response.status_code == 504
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "5"
