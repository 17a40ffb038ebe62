"""The provider API against a fake accreditation service: API-key authentication (and its short cache), the
mapping of requests and replies, Idempotency-Key handling, status mapping and the OpenAPI document."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from gateway.service_layer.api_keys import ApiKeyAuthenticator, ApiKeyRejected, bearer_token
from gateway.web.errors import public_server_detail
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.rpc import ServiceTimeout, ServiceUnavailable

from .provider_fakes import (
    COURSE_BODY,
    COURSE_ID,
    EDITION_ID,
    KEY,
    NOW,
    OTHER,
    OTHER_KEY,
    PROVIDER,
    FakeAccreditation,
    bearer,
    course,
    edition,
    make_provider_app,
    post_result,
)

pytestmark = pytest.mark.unit

ATTENDANCE_BODY: dict[str, Any] = {
    "edition_id": str(EDITION_ID),
    "attendees": [
        {"registration_number": "0000013", "hours": 3.5},
        {"registration_number": "0000021"},
        {"registration_number": "0000038", "hours": "3,5"},
    ],
}
ROUTES = [
    ("GET", "/api/v1/provider/courses"),
    ("POST", "/api/v1/provider/courses"),
    ("GET", f"/api/v1/provider/courses/{COURSE_ID}"),
    ("POST", f"/api/v1/provider/courses/{COURSE_ID}/editions"),
    ("GET", f"/api/v1/provider/editions/{EDITION_ID}/attendance"),
    ("POST", "/api/v1/provider/attendance"),
    ("DELETE", f"/api/v1/provider/attendance/{uuid.UUID(int=3)}"),
]


async def _client_call(
    fake: FakeAccreditation, method: str, path: str, **kwargs: Any
) -> Any:  # an httpx.Response; the type is not worth importing here
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        return await client.request(method, path, **kwargs)


# --- Authentication --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_provider_route_without_an_api_key_is_401_with_a_bearer_challenge(method: str, path: str) -> None:
    fake = FakeAccreditation()
    # A malformed body must not matter: authentication comes first.
    response = await _client_call(fake, method, path, content=b"{not json", headers={"Idempotency-Key": "k"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == 'Bearer realm="LKLR provider API"'
    body = response.json()
    assert (body["status"], body["code"]) == (401, "missing_api_key")
    assert "Authorization: Bearer" in body["detail"]
    assert fake.calls == []


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", KEY, "Token " + KEY])
async def test_an_authorization_header_that_is_not_a_bearer_key_is_401(header: str) -> None:
    fake = FakeAccreditation()
    response = await _client_call(fake, "GET", "/api/v1/provider/courses", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "missing_api_key"
    assert fake.calls == []


async def test_an_unknown_or_revoked_key_is_401_invalid_token() -> None:
    fake = FakeAccreditation()
    response = await _client_call(fake, "GET", "/api/v1/provider/courses", headers=bearer("lklr_revoked_" + "x" * 43))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="LKLR provider API", error="invalid_token"')
    assert len(fake.requests(contracts.AuthenticateApiKey)) == 1


async def test_the_bearer_scheme_is_case_insensitive() -> None:
    fake = FakeAccreditation(answers={contracts.ListProviderCourses: contracts.CourseList(courses=[])})
    response = await _client_call(fake, "GET", "/api/v1/provider/courses", headers={"Authorization": f"bearer {KEY}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("failure", "status"),
    [(ServiceUnavailable("accreditation has no request queue"), 503), (ServiceTimeout("too slow"), 504)],
)
async def test_a_key_check_that_cannot_reach_the_service_is_503_or_504_not_401(failure: RpcError, status: int) -> None:
    class Down(FakeAccreditation):
        async def call(
            self, service: str, request: Any, *, timeout: float | None = None, request_id: str | None = None
        ) -> Any:
            raise failure

    response = await _client_call(Down(), "GET", "/api/v1/provider/courses", headers=bearer())
    assert response.status_code == status
    assert response.headers["retry-after"] == "5"
    assert "www-authenticate" not in response.headers


async def test_each_key_acts_as_its_own_provider() -> None:
    fake = FakeAccreditation(answers={contracts.ListProviderCourses: contracts.CourseList(courses=[course()])})
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        mine = await client.get("/api/v1/provider/courses", headers=bearer(KEY))
        theirs = await client.get("/api/v1/provider/courses", headers=bearer(OTHER_KEY))
    assert mine.status_code == theirs.status_code == 200
    asked = [request.provider_id for request in fake.requests(contracts.ListProviderCourses)]
    assert asked == [PROVIDER.provider_id, OTHER.provider_id]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_successful_key_checks_are_kept_a_few_seconds_by_hash_and_refusals_never() -> None:
    fake = FakeAccreditation()
    clock = _Clock()
    authenticator = ApiKeyAuthenticator(fake, cache_seconds=5.0, clock=clock)

    assert await authenticator.authenticate(KEY) == PROVIDER
    clock.now += 4.9
    assert await authenticator.authenticate(KEY) == PROVIDER
    assert len(fake.requests(contracts.AuthenticateApiKey)) == 1
    # The cache holds digests, never the key itself.
    assert all(isinstance(digest, bytes) and len(digest) == 32 for digest in authenticator._cache)
    clock.now += 0.2  # past the cache time: a revoked key would be refused from here on
    await authenticator.authenticate(KEY)
    assert len(fake.requests(contracts.AuthenticateApiKey)) == 2

    for _ in range(2):
        with pytest.raises(ApiKeyRejected):
            await authenticator.authenticate("lklr_wrongkey_" + "w" * 43)
    assert len(fake.requests(contracts.AuthenticateApiKey)) == 4


async def test_a_revoked_key_is_refused_once_its_cache_time_has_passed() -> None:
    fake = FakeAccreditation()
    clock = _Clock()
    authenticator = ApiKeyAuthenticator(fake, cache_seconds=5.0, clock=clock)
    await authenticator.authenticate(KEY)
    del fake.keys[KEY]  # revoked in the accreditation service
    assert await authenticator.authenticate(KEY) == PROVIDER  # still within the cache time
    clock.now += 5.0
    with pytest.raises(ApiKeyRejected) as refused:
        await authenticator.authenticate(KEY)
    assert refused.value.code == "invalid_api_key"


async def test_without_a_cache_every_request_asks_the_service() -> None:
    fake = FakeAccreditation()
    authenticator = ApiKeyAuthenticator(fake, cache_seconds=0)
    for _ in range(3):
        await authenticator.authenticate(KEY)
    assert len(fake.requests(contracts.AuthenticateApiKey)) == 3


async def test_the_cache_is_bounded() -> None:
    keys = {f"lklr_key{n:05d}_" + "z" * 43: PROVIDER for n in range(10)}
    fake = FakeAccreditation(keys=keys)
    authenticator = ApiKeyAuthenticator(fake, max_entries=4)
    for key in keys:
        await authenticator.authenticate(key)
    assert len(authenticator._cache) == 4


async def test_absurd_keys_are_refused_without_a_round_trip() -> None:
    fake = FakeAccreditation()
    authenticator = ApiKeyAuthenticator(fake)
    for key in ("x" * 201, "lklr_\x00_abc"):
        with pytest.raises(ApiKeyRejected):
            await authenticator.authenticate(key)
    assert fake.calls == []


def test_bearer_token_reads_the_token_after_the_scheme() -> None:
    assert bearer_token(f"Bearer {KEY}") == KEY
    assert bearer_token(f"  BEARER   {KEY}  ") == KEY


# --- Courses and editions --------------------------------------------------------------------------------------


async def test_courses_are_listed_with_numbers_as_numbers_and_without_who_decided() -> None:
    fake = FakeAccreditation(answers={contracts.ListProviderCourses: contracts.CourseList(courses=[course()])})
    response = await _client_call(fake, "GET", "/api/v1/provider/courses", headers=bearer())
    assert response.status_code == 200
    (shown,) = response.json()["courses"]
    assert shown["course_id"] == str(COURSE_ID)
    assert (shown["study_load_hours"], shown["points"], shown["status"]) == (8, 8.5, "approved")
    assert shown["editions"][0]["edition_id"] == str(EDITION_ID)
    assert [step["step"] for step in shown["history"]] == ["submitted", "approved"]
    assert "by" not in shown["history"][1]
    assert "committee-7" not in response.text


async def test_submitting_a_course_answers_201_with_its_location() -> None:
    fake = FakeAccreditation(answers={contracts.SubmitCourse: course(status="submitted", points=None)})
    body = {
        **COURSE_BODY,
        "trainers": ["T. Rainer"],
        "allows_partial_attendance": True,
    }
    response = await _client_call(fake, "POST", "/api/v1/provider/courses", json=body, headers=bearer())
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/provider/courses/{COURSE_ID}"
    assert response.json()["status"] == "submitted"
    (sent,) = fake.requests(contracts.SubmitCourse)
    assert (sent.provider_id, sent.submitted_by) == (PROVIDER.provider_id, PROVIDER.actor)
    assert sent.study_load_hours == Decimal("7.5")
    assert sent.editions[0].location == "Utrecht"


async def test_adding_an_edition_answers_201() -> None:
    fake = FakeAccreditation(answers={contracts.AddEdition: edition()})
    response = await _client_call(
        fake,
        "POST",
        f"/api/v1/provider/courses/{COURSE_ID}/editions",
        json={"start_date": "2025-03-01", "end_date": "2025-03-02"},
        headers=bearer(),
    )
    assert response.status_code == 201
    assert response.json()["edition_id"] == str(EDITION_ID)
    (sent,) = fake.requests(contracts.AddEdition)
    assert (sent.course_id, sent.provider_id, sent.added_by) == (COURSE_ID, PROVIDER.provider_id, PROVIDER.actor)


async def test_another_providers_course_keeps_the_services_403() -> None:
    fake = FakeAccreditation(
        answers={contracts.GetCourse: RpcError("not_your_course", "This course belongs to another provider.", 403)}
    )
    response = await _client_call(fake, "GET", f"/api/v1/provider/courses/{COURSE_ID}", headers=bearer())
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_course"
    assert fake.requests(contracts.GetCourse)[0].provider_id == PROVIDER.provider_id


async def test_a_malformed_body_is_400_problem_details() -> None:
    fake = FakeAccreditation()
    response = await _client_call(
        fake, "POST", "/api/v1/provider/courses", json={"title": "Zonder de rest"}, headers=bearer()
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fake.requests(contracts.SubmitCourse) == []


# --- Attendance ------------------------------------------------------------------------------------------------


async def test_an_attendance_post_without_idempotency_key_is_400_and_reaches_no_service() -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    for headers in (bearer(), bearer() | {"Idempotency-Key": "  "}, bearer() | {"Idempotency-Key": '""'}):
        response = await _client_call(
            fake, "POST", "/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=headers
        )
        assert response.status_code == 400
        assert response.json()["code"] == "missing_idempotency_key"
    assert fake.requests(contracts.PostAttendance) == []


async def test_crash_finding_a_post_whose_key_is_in_flight_is_409_with_retry_after() -> None:
    fake = FakeAccreditation(
        answers={
            contracts.PostAttendance: RpcError(
                "request_in_flight",
                "A request with this Idempotency-Key is still being processed.",
                409,
                retry_after=42,
            )
        }
    )
    response = await _client_call(
        fake, "POST", "/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=bearer() | {"Idempotency-Key": "k"}
    )
    assert response.status_code == 409
    assert response.headers["retry-after"] == "42" and response.json()["retry_after"] == 42


async def test_an_attendance_post_passes_key_rows_and_actor_with_a_long_timeout() -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    response = await _client_call(
        fake,
        "POST",
        "/api/v1/provider/attendance",
        json=ATTENDANCE_BODY,
        headers=bearer() | {"Idempotency-Key": "post-2025-03-001"},
    )
    assert response.status_code == 200
    (sent,) = fake.requests(contracts.PostAttendance)
    assert (sent.provider_id, sent.edition_id, sent.idempotency_key) == (
        PROVIDER.provider_id,
        EDITION_ID,
        "post-2025-03-001",
    )
    assert (sent.channel, sent.posted_by) == ("api", PROVIDER.actor)
    assert [(a.registration_number, a.hours) for a in sent.attendees] == [
        ("0000013", Decimal("3.5")),
        ("0000021", None),
        ("0000038", "3,5"),  # the service judges text, so only this row is rejected if it is no number
    ]
    timeouts = [timeout for _s, request, timeout in fake.calls if isinstance(request, contracts.PostAttendance)]
    assert timeouts == [30.0]


async def test_a_structured_field_key_in_quotes_is_the_same_key_as_the_bare_one() -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        for key in ('"abc-123"', "abc-123"):
            await client.post(
                "/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=bearer() | {"Idempotency-Key": key}
            )
    assert [r.idempotency_key for r in fake.requests(contracts.PostAttendance)] == ["abc-123", "abc-123"]


async def test_an_attendance_post_answers_200_with_each_rows_result_and_the_counts() -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    response = await _client_call(
        fake, "POST", "/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=bearer() | {"Idempotency-Key": "k1"}
    )
    assert response.status_code == 200
    assert "idempotent-replayed" not in response.headers
    body = response.json()
    assert body["counts"] == {"received": 3, "recorded": 1, "duplicate": 1, "rejected": 1}
    assert body["rows"][0] == {
        "index": 0,
        "registration_number": "0000013",
        "outcome": "recorded",
        "attendance_id": str(uuid.UUID(int=1000)),
        "reason_code": None,
        "message": None,
        "hours": 3.5,
        "points": 3.5,
    }
    assert (body["rows"][1]["outcome"], body["rows"][1]["attendance_id"]) == ("duplicate", str(uuid.UUID(int=999)))
    assert (body["rows"][2]["outcome"], body["rows"][2]["reason_code"]) == ("rejected", "mistyped_number")
    assert body["rows"][2]["message"]
    assert (body["post_id"], body["edition_id"], body["course_id"]) == (
        str(uuid.UUID(int=555)),
        str(EDITION_ID),
        str(COURSE_ID),
    )
    assert (body["completion_date"], body["idempotency_key"]) == ("2025-03-02", "k1")
    assert "replayed" not in body


async def test_a_replay_has_the_identical_body_and_says_so_in_a_header() -> None:
    results: list[contracts.AttendancePostResult] = []

    def answer(request: contracts.PostAttendance) -> contracts.AttendancePostResult:
        if results:
            return results[0].model_copy(update={"replayed": True})
        results.append(post_result(request))
        return results[0]

    fake = FakeAccreditation(answers={contracts.PostAttendance: answer})
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        headers = bearer() | {"Idempotency-Key": "k-replay"}
        first = await client.post("/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=headers)
        again = await client.post("/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (RpcError("request_in_flight", "Still being processed; retry later.", 409), 409),
        (RpcError("idempotency_key_reused", "This key came with another request.", 422), 422),
        (RpcError("course_not_approved", "The course is not approved.", 422), 422),
        (RpcError("edition_not_ended", "The edition has not ended yet.", 422), 422),
        (RpcError("not_your_course", "Another provider's edition.", 403), 403),
        (RpcError("edition_not_found", "No such edition.", 404), 404),
        (ServiceUnavailable("accreditation has no request queue"), 503),
        (ServiceTimeout("accreditation did not answer within 30s"), 504),
    ],
)
async def test_attendance_refusals_keep_the_services_status_and_code(refusal: RpcError, status: int) -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: refusal})
    response = await _client_call(
        fake, "POST", "/api/v1/provider/attendance", json=ATTENDANCE_BODY, headers=bearer() | {"Idempotency-Key": "k"}
    )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    # A refusal explains itself; a failure's own text (queues, timeouts) stays in the log.
    detail = refusal.message if status < 500 else public_server_detail(status)
    assert (body["status"], body["code"], body["detail"]) == (status, refusal.code, detail)
    assert body["instance"] == "/api/v1/provider/attendance"
    if status == 409:
        assert response.headers["retry-after"] == "1"
    if status in (503, 504):
        assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize(("rows", "code"), [(0, "no_rows"), (contracts.MAX_ATTENDEES_PER_POST + 1, "too_many_rows")])
async def test_an_empty_or_oversized_post_is_400_without_a_round_trip(rows: int, code: str) -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    body = {"edition_id": str(EDITION_ID), "attendees": [{"registration_number": "0000013"}] * rows}
    response = await _client_call(
        fake, "POST", "/api/v1/provider/attendance", json=body, headers=bearer() | {"Idempotency-Key": "k"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert fake.requests(contracts.PostAttendance) == []


async def test_a_5000_row_post_is_passed_on_whole() -> None:
    fake = FakeAccreditation(answers={contracts.PostAttendance: post_result})
    body = {
        "edition_id": str(EDITION_ID),
        "attendees": [{"registration_number": f"{n:07d}"} for n in range(contracts.MAX_ATTENDEES_PER_POST)],
    }
    response = await _client_call(
        fake, "POST", "/api/v1/provider/attendance", json=body, headers=bearer() | {"Idempotency-Key": "big"}
    )
    assert response.status_code == 200
    assert response.json()["counts"]["received"] == 5_000
    assert len(fake.requests(contracts.PostAttendance)[0].attendees) == 5_000


# --- Voids and listing -----------------------------------------------------------------------------------------


def _receipt(request: contracts.VoidAttendance) -> contracts.AttendanceVoidReceipt:
    return contracts.AttendanceVoidReceipt(
        attendance_id=request.attendance_id, voided_at=NOW, reason=request.reason, newly_voided=True
    )


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"json": {"reason": "Niet aanwezig."}}, "Niet aanwezig."),
        ({"params": {"reason": "Verkeerde persoon."}}, "Verkeerde persoon."),
        ({"json": {"reason": "Uit de body."}, "params": {"reason": "Uit de query."}}, "Uit de body."),
        ({}, ""),
    ],
)
async def test_a_void_takes_its_reason_from_the_body_or_the_query(kwargs: dict[str, Any], reason: str) -> None:
    fake = FakeAccreditation(answers={contracts.VoidAttendance: _receipt})
    attendance_id = uuid.uuid4()
    response = await _client_call(
        fake, "DELETE", f"/api/v1/provider/attendance/{attendance_id}", headers=bearer(), **kwargs
    )
    assert response.status_code == 200
    (sent,) = fake.requests(contracts.VoidAttendance)
    assert (sent.attendance_id, sent.provider_id, sent.reason, sent.voided_by) == (
        attendance_id,
        PROVIDER.provider_id,
        reason,
        PROVIDER.actor,
    )
    assert response.json()["newly_voided"] is True


async def test_a_void_without_a_reason_gets_the_services_400() -> None:
    fake = FakeAccreditation(answers={contracts.VoidAttendance: RpcError("reason_required", "Give a reason.", 400)})
    response = await _client_call(fake, "DELETE", f"/api/v1/provider/attendance/{uuid.uuid4()}", headers=bearer())
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"


async def test_the_attendance_of_an_edition_is_listed() -> None:
    listing = contracts.AttendanceList(
        course_id=COURSE_ID,
        course_title="Verzuim aanpakken",
        edition_id=EDITION_ID,
        completion_date=NOW.date(),
        entries=[
            contracts.AttendanceEntry(
                attendance_id=uuid.UUID(int=7),
                post_id=uuid.UUID(int=8),
                registration_number="0000013",
                person_name="A. Jansen",
                hours=Decimal("8"),
                points=Decimal("8"),
                completion_date=NOW.date(),
                channel="api",
                recorded_at=NOW,
                voided_at=NOW,
                void_reason="Niet aanwezig.",
            )
        ],
    )
    fake = FakeAccreditation(answers={contracts.ListAttendance: listing})
    response = await _client_call(fake, "GET", f"/api/v1/provider/editions/{EDITION_ID}/attendance", headers=bearer())
    assert response.status_code == 200
    (entry,) = response.json()["entries"]
    assert (entry["registration_number"], entry["hours"], entry["void_reason"]) == ("0000013", 8, "Niet aanwezig.")
    assert fake.requests(contracts.ListAttendance)[0].provider_id == PROVIDER.provider_id


# --- OpenAPI ---------------------------------------------------------------------------------------------------


async def test_the_openapi_document_describes_the_provider_api() -> None:
    response = await _client_call(FakeAccreditation(), "GET", "/schema/openapi.json")
    document = response.json()
    paths = document["paths"]
    for path, method in [
        ("/api/v1/provider/courses", "get"),
        ("/api/v1/provider/courses", "post"),
        ("/api/v1/provider/courses/{course_id}", "get"),
        ("/api/v1/provider/courses/{course_id}/editions", "post"),
        ("/api/v1/provider/editions/{edition_id}/attendance", "get"),
        ("/api/v1/provider/attendance", "post"),
        ("/api/v1/provider/attendance/{attendance_id}", "delete"),
        ("/api/v1/courses", "get"),
    ]:
        assert method in paths[path], f"{method.upper()} {path} missing"

    schemes = document["components"]["securitySchemes"]
    assert schemes["providerApiKey"]["type"] == "http"
    assert schemes["providerApiKey"]["scheme"] == "bearer"
    post = paths["/api/v1/provider/attendance"]["post"]
    assert post["security"] == [{"providerApiKey": []}]
    assert "security" not in paths["/api/v1/courses"]["get"]

    (key_header,) = [p for p in post["parameters"] if p["in"] == "header"]
    assert (key_header["name"], key_header["required"]) == ("Idempotency-Key", True)
    request_schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["$ref"].endswith("/AttendancePostIn")
    schemas = document["components"]["schemas"]
    attendees = schemas["AttendancePostIn"]["properties"]["attendees"]
    assert (attendees["minItems"], attendees["maxItems"]) == (1, 5_000)
    assert set(post["responses"]) >= {"200", "400", "401", "403", "404", "409", "422", "503", "504"}
    assert "Idempotent-Replayed" in post["responses"]["200"]["headers"]
    row = schemas["AttendanceRowOut"]["properties"]
    assert set(row) >= {"index", "registration_number", "outcome", "attendance_id", "reason_code", "message"}
    assert set(schemas["AttendancePostOut"]["properties"]) >= {"post_id", "edition_id", "counts", "rows"}
    assert set(schemas["AttendanceCountsOut"]["properties"]) == {"received", "recorded", "duplicate", "rejected"}
    assert schemas["AttendeeIn"]["required"] == ["registration_number"]
