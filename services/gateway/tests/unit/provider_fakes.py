"""A fake accreditation service for the provider API and catalogue unit tests (no broker)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from litestar import Litestar

from gateway.app import build_app
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.errors import RpcError

from .conftest import make_settings
from .request_log_fake import FirstReplies

KEY = "lklr_testprov_" + "k" * 43
OTHER_KEY = "lklr_otherprv_" + "o" * 43
PROVIDER = contracts.ApiKeyIdentity(
    provider_id=uuid.UUID(int=1), provider_name="Aanbieder Een", key_id=uuid.UUID(int=11), actor="api-key:11"
)
# The scope of the request ids of `PROVIDER`'s API calls: an Idempotency-Key is this provider's own.
PROVIDER_SCOPE = f"provider:{PROVIDER.provider_id}"
OTHER = contracts.ApiKeyIdentity(
    provider_id=uuid.UUID(int=2), provider_name="Aanbieder Twee", key_id=uuid.UUID(int=22), actor="api-key:22"
)
NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
COURSE_ID = uuid.UUID(int=100)
EDITION_ID = uuid.UUID(int=200)

Answer = Message | Exception | Callable[[Any], Message]


@dataclass
class FakeAccreditation:
    """Answers by request type; an Exception answer is raised, a callable gets the request. API keys in `keys`
    authenticate, any other is refused as the service does (401 invalid_api_key)."""

    answers: dict[type[Message], Answer] = field(default_factory=dict)
    keys: dict[str, contracts.ApiKeyIdentity] = field(default_factory=lambda: {KEY: PROVIDER, OTHER_KEY: OTHER})
    calls: list[tuple[str, Message, float | None]] = field(default_factory=list)
    # The request id each call came with, in the order of `calls`.
    request_ids: list[str | None] = field(default_factory=list)
    first_replies: FirstReplies = field(default_factory=FirstReplies)

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        self.calls.append((service, request, timeout))
        self.request_ids.append(request_id)
        return await self.first_replies.once(request_id, lambda: self._answer(service, request))

    async def _answer(self, service: str, request: Message) -> Message:
        if isinstance(request, Ping):
            return Pong(service=service, database_ok=True, broker_ok=True)
        if isinstance(request, contracts.AuthenticateApiKey):
            identity = self.keys.get(request.api_key)
            if identity is None:
                raise RpcError("invalid_api_key", "The API key is not valid.", 401)
            return identity
        answer = self.answers.get(type(request))
        if answer is None:
            raise AssertionError(f"unexpected request {request.wire_name}")
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, Message):
            return answer(request)
        return answer

    def requests(self, contract: type[Message]) -> list[Any]:
        return [request for _service, request, _timeout in self.calls if isinstance(request, contract)]

    def request_ids_of(self, contract: type[Message]) -> list[str | None]:
        """The request ids the requests of ``contract`` were sent with, in order."""
        return [
            request_id
            for (_service, request, _timeout), request_id in zip(self.calls, self.request_ids, strict=True)
            if isinstance(request, contract)
        ]


def make_provider_app(fake: FakeAccreditation, **overrides: Any) -> Litestar:
    return build_app(make_settings(**overrides), service_caller=fake, today=lambda: date(2025, 6, 1))


def bearer(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def edition(**changes: Any) -> contracts.EditionDetails:
    values: dict[str, Any] = {
        "edition_id": EDITION_ID,
        "course_id": COURSE_ID,
        "start_date": date(2025, 3, 1),
        "end_date": date(2025, 3, 2),
        "location": "Utrecht",
        "created_at": NOW,
    }
    return contracts.EditionDetails(**(values | changes))


# The JSON body of a new course on the provider API, with one edition (the fields a course needs at the least).
COURSE_BODY: dict[str, Any] = {
    "title": "Verzuim aanpakken",
    "description": "Over schoolverzuim.",
    "category": "A1",
    "study_load_hours": 7.5,
    "editions": [{"start_date": "2025-03-01", "end_date": "2025-03-02", "location": "Utrecht"}],
}


def course(**changes: Any) -> contracts.CourseDetails:
    values: dict[str, Any] = {
        "course_id": COURSE_ID,
        "provider_id": PROVIDER.provider_id,
        "provider_name": PROVIDER.provider_name,
        "title": "Verzuim aanpakken",
        "description": "Over schoolverzuim.",
        "category": "A1",
        "study_load_hours": Decimal("8"),
        "trainers": ["T. Rainer"],
        "target_group": "Leerplichtambtenaren",
        "programme": "Ochtend en middag.",
        "allows_partial_attendance": True,
        "status": "approved",
        "points": Decimal("8.5"),
        "valid_from": date(2025, 1, 1),
        "valid_until": date(2027, 12, 31),
        "submitted_at": NOW,
        "objection_open": False,
        "editions": [edition()],
        "history": [
            contracts.CourseHistoryEntry(step="submitted", at=NOW, by="api-key:11", reason=""),
            contracts.CourseHistoryEntry(
                step="approved", at=NOW, by="account:committee-7", reason="Voldoet.", points=Decimal("8.5")
            ),
        ],
    }
    return contracts.CourseDetails(**(values | changes))


def submitted_course() -> contracts.CourseDetails:
    """A course a provider's account has just submitted: no points or validity yet, waiting for the committee."""
    return course(
        status="submitted",
        points=None,
        valid_from=None,
        valid_until=None,
        history=[contracts.CourseHistoryEntry(step="submitted", at=NOW, by="account:p", reason="")],
    )


def post_result(request: contracts.PostAttendance, *, replayed: bool = False) -> contracts.AttendancePostResult:
    """A result with one row per attendee: first recorded, second duplicate, the rest rejected."""
    rows = []
    for index, attendee in enumerate(request.attendees):
        if index == 0:
            row = contracts.AttendanceRowResult(
                index=index,
                registration_number=attendee.registration_number,
                outcome="recorded",
                attendance_id=uuid.UUID(int=1000 + index),
                hours=Decimal("3.5"),
                points=Decimal("3.5"),
            )
        elif index == 1:
            row = contracts.AttendanceRowResult(
                index=index,
                registration_number=attendee.registration_number,
                outcome="duplicate",
                attendance_id=uuid.UUID(int=999),
            )
        else:
            row = contracts.AttendanceRowResult(
                index=index,
                registration_number=attendee.registration_number,
                outcome="rejected",
                reason_code="mistyped_number",
                message="The check digit does not match: a digit was mistyped.",
            )
        rows.append(row)
    recorded = sum(r.outcome == "recorded" for r in rows)
    duplicate = sum(r.outcome == "duplicate" for r in rows)
    return contracts.AttendancePostResult(
        post_id=uuid.UUID(int=555),
        provider_id=request.provider_id,
        course_id=COURSE_ID,
        edition_id=request.edition_id,
        completion_date=date(2025, 3, 2),
        channel="api",
        idempotency_key=request.idempotency_key,
        received_at=NOW,
        replayed=replayed,
        counts=contracts.AttendanceCounts(
            received=len(rows), recorded=recorded, duplicate=duplicate, rejected=len(rows) - recorded - duplicate
        ),
        rows=rows,
    )
