"""Request ids the gateway sends with creating commands, against fakes that keep a request log like the services
do: the provider API's Idempotency-Key on courses and editions, and the forms that decide or create something."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from gateway.web.request_ids import idempotency_key_text, request_id_for_key, scoped_request_id
from lklr_shared.contracts import accreditation as contracts

from .accreditation_web_helpers import Both, signed_in_client
from .provider_fakes import (
    COURSE_BODY,
    COURSE_ID,
    OTHER_KEY,
    PROVIDER_SCOPE,
    FakeAccreditation,
    bearer,
    course,
    edition,
    make_provider_app,
    submitted_course,
)
from .web_helpers import csrf_from

pytestmark = pytest.mark.unit

REQUEST_ID_IN_FORM = re.compile(r'name="request_id" value="([^"]+)"')


def _creating_courses(fake: FakeAccreditation) -> list[uuid.UUID]:
    """Answer SubmitCourse as the service does: each execution creates a course with a new id; return the ids."""
    created: list[uuid.UUID] = []
    numbers = itertools.count(1)

    def submit(request: contracts.SubmitCourse) -> contracts.CourseDetails:
        created.append(uuid.UUID(int=1_000 + next(numbers)))
        return course(course_id=created[-1], provider_id=request.provider_id, status="submitted", points=None)

    fake.answers[contracts.SubmitCourse] = submit
    return created


# --- Provider API ------------------------------------------------------------------------------------------------


async def test_request_id_a_course_submitted_twice_with_one_idempotency_key_creates_one_course() -> None:
    fake = FakeAccreditation()
    created = _creating_courses(fake)
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        headers = bearer() | {"Idempotency-Key": "course-2025-001"}
        first = await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=headers)
        again = await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert len(created) == 1
    one, other = fake.request_ids_of(contracts.SubmitCourse)
    assert one == other == scoped_request_id(PROVIDER_SCOPE, "course-2025-001")


async def test_request_id_a_course_with_another_key_or_without_one_creates_another_course() -> None:
    fake = FakeAccreditation()
    created = _creating_courses(fake)
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=bearer() | {"Idempotency-Key": "a"})
        await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=bearer() | {"Idempotency-Key": "b"})
        await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=bearer())
        await client.post("/api/v1/provider/courses", json=COURSE_BODY, headers=bearer())
    assert len(created) == 4


async def test_request_id_two_providers_with_the_same_key_each_create_their_course() -> None:
    fake = FakeAccreditation()
    created = _creating_courses(fake)
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        for key in (bearer(), bearer(OTHER_KEY)):
            response = await client.post(
                "/api/v1/provider/courses", json=COURSE_BODY, headers=key | {"Idempotency-Key": "shared-key"}
            )
            assert response.status_code == 201
    assert len(created) == 2
    one, other = fake.request_ids_of(contracts.SubmitCourse)
    assert one != other


async def test_request_id_an_edition_added_twice_with_one_idempotency_key_adds_one_edition() -> None:
    added: list[contracts.AddEdition] = []

    def add(request: contracts.AddEdition) -> contracts.EditionDetails:
        added.append(request)
        return edition(edition_id=uuid.uuid4())

    fake = FakeAccreditation(answers={contracts.AddEdition: add})
    path = f"/api/v1/provider/courses/{COURSE_ID}/editions"
    body = {"start_date": "2025-03-01", "end_date": "2025-03-02"}
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        # Quoted (a structured-field string) or bare: the same key.
        first = await client.post(path, json=body, headers=bearer() | {"Idempotency-Key": '"edition-7"'})
        again = await client.post(path, json=body, headers=bearer() | {"Idempotency-Key": "edition-7"})
    assert first.status_code == again.status_code == 201
    assert again.json()["edition_id"] == first.json()["edition_id"]
    assert len(added) == 1


async def test_request_id_an_idempotency_key_over_255_characters_is_400_and_reaches_no_service() -> None:
    fake = FakeAccreditation()
    created = _creating_courses(fake)
    async with AsyncTestClient(app=make_provider_app(fake)) as client:
        response = await client.post(
            "/api/v1/provider/courses", json=COURSE_BODY, headers=bearer() | {"Idempotency-Key": "k" * 256}
        )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert created == []


async def test_request_id_the_creating_provider_posts_document_an_optional_idempotency_key() -> None:
    async with AsyncTestClient(app=make_provider_app(FakeAccreditation())) as client:
        document = (await client.get("/schema/openapi.json")).json()
    for path in ("/api/v1/provider/courses", "/api/v1/provider/courses/{course_id}/editions"):
        operation = document["paths"][path]["post"]
        (key,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert (key["name"], key["required"], key["schema"]["maxLength"]) == ("Idempotency-Key", False, 255)
        assert "first response" in key["description"]
        assert "request_id_reused" in operation["responses"]["422"]["description"]


def test_request_id_a_key_quoted_or_bare_is_one_key_and_a_blank_one_is_none() -> None:
    assert idempotency_key_text('"abc"') == idempotency_key_text("abc") == "abc"
    assert idempotency_key_text('""') == idempotency_key_text("  ") == idempotency_key_text(None) == ""
    assert request_id_for_key("abc", "provider:1") == request_id_for_key('"abc"', "provider:1")
    assert request_id_for_key(None, "provider:1") != request_id_for_key(None, "provider:1")


# --- Committee decisions on a course -------------------------------------------------------------------------------


@pytest.fixture
def committee() -> Both:
    both = Both()
    both.registry.add("commissie@example.nl", "C.", "Ommissie", "accreditation_committee")
    submitted = submitted_course()
    both.answer(contracts.GetCourse, submitted)
    both.answer(contracts.ListCoursesForReview, contracts.CourseList(courses=[submitted]))
    both.answer(contracts.ListTeachingClaimsForReview, contracts.TeachingClaimList(claims=[]))
    return both


@pytest.mark.parametrize(
    ("decision", "contract", "fields"),
    [
        ("approve", contracts.ApproveCourse, {"points": "8"}),
        ("changes", contracts.RequestCourseChanges, {}),
        ("reject", contracts.RejectCourse, {}),
    ],
)
async def test_request_id_a_committee_decision_posted_twice_is_sent_with_one_request_id(
    committee: Both, decision: str, contract: type[Any], fields: dict[str, str]
) -> None:
    committee.answer(contract, course(status="approved"))
    member = committee.registry.accounts["commissie@example.nl"]
    async with signed_in_client(committee, member, staff=True) as client:
        page = (await client.get(f"/commissie/opleidingen/{COURSE_ID}")).text
        request_ids = REQUEST_ID_IN_FORM.findall(page)
        assert len(set(request_ids)) == len(request_ids) >= 3  # one per decision form, each its own
        form = {
            "csrf_token": csrf_from(page),
            "request_id": request_ids[0],
            "decision": decision,
            "reason": "Besproken in de vergadering.",
        } | fields
        for _attempt in range(2):  # a double click, or a retry after a timeout
            response = await client.post(
                f"/commissie/opleidingen/{COURSE_ID}/besluit", data=form, follow_redirects=False
            )
            assert response.status_code == 303
        another = await client.post(
            f"/commissie/opleidingen/{COURSE_ID}/besluit",
            data=form | {"request_id": request_ids[1]},
            follow_redirects=False,
        )
        assert another.status_code == 303
    first, retried, other = committee.accreditation.request_ids_of(contract)
    assert first is not None and first == retried
    assert other is not None and other != first
