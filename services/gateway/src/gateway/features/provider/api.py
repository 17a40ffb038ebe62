"""The provider API under /api/v1/provider: courses, editions and attendance, for training providers' systems.

Authentication: `Authorization: Bearer <api key>`, checked by a guard before anything else is read (an
unauthenticated request gets 401 with `WWW-Authenticate: Bearer`, whatever its body). Every call then acts as
the key's provider; the accreditation service scopes every object to that provider (another provider's course,
edition or attendance: 403; unknown: 404).

These paths and bodies are a contract for outside clients: add, never change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Final, TypeAlias

from litestar import Controller, Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from gateway.features.provider.models import (
    AttendanceListOut,
    AttendancePostIn,
    AttendancePostOut,
    AttendanceVoidIn,
    AttendanceVoidOut,
    CourseIn,
    CourseListOut,
    CourseOut,
    EditionIn,
    EditionOut,
    ProblemDetails,
)
from gateway.service_layer.api_keys import ApiKeyAuthenticator, ApiKeyRejected, bearer_token
from gateway.service_layer.context import GatewayDep
from gateway.web.errors import PROBLEM_JSON, problem, rpc_error_handler
from gateway.web.owners import PROVIDER_IDENTITY
from gateway.web.request_ids import idempotency_key_text, request_id_for_key, subject_of
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

PATH: Final = "/api/v1/provider"
SECURITY_SCHEME: Final = "providerApiKey"
REALM: Final = "LKLR provider API"
# A 5,000-row post is one transaction in the service; give it far longer than a page request. The service holds
# the key until this deadline plus a few seconds: a retry after a gateway timeout gets 409 (Retry-After) while the
# first may still finish, and takes the key over after that (a first attempt still running then cannot complete).
DEFAULT_ATTENDANCE_TIMEOUT_SECONDS: Final = 30.0
REPLAYED_HEADER: Final = "Idempotent-Replayed"


@dataclass(frozen=True)
class ProviderApiContext:
    """What the provider API needs besides the Gateway: the key check and its own timeouts."""

    authenticator: ApiKeyAuthenticator
    attendance_timeout: float = DEFAULT_ATTENDANCE_TIMEOUT_SECONDS
    # The register's public address, for the editions' xAPI activity ids (empty: the request's own address).
    public_base_url: str = ""

    def base_url(self, request: Request[Any, Any, Any]) -> str:
        return (self.public_base_url or str(request.base_url)).rstrip("/")


ProviderApiDep: TypeAlias = NamedDependency[ProviderApiContext]
ProviderDep: TypeAlias = NamedDependency[contracts.ApiKeyIdentity]
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
# The optional Idempotency-Key of the creating POSTs (courses, editions): the service carries the call out once.
CreatingIdempotencyKey: TypeAlias = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=MAX_IDEMPOTENCY_KEY_LENGTH,
        description=(
            "Optional; a unique value per new object (e.g. a UUID), per IETF httpapi Idempotency-Key draft; quoted "
            '(`"…"`) or bare. Retrying with the same key and body (after a timeout, a lost connection) creates '
            "nothing new and answers with the first response; the same key with another body is 422 "
            "`request_id_reused`. Keys are scoped to your organisation. Without the key every call creates."
        ),
    ),
]


def _problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(ProblemDetails, description=description, media_type=PROBLEM_JSON, generate_examples=False)


_AUTH_AND_SERVICE = {
    401: _problem_spec("No API key, or one that is unknown or revoked (`WWW-Authenticate: Bearer`)."),
    503: _problem_spec("The accreditation service cannot be reached (retry after `Retry-After`)."),
    504: _problem_spec("The accreditation service did not answer in time (retry after `Retry-After`)."),
}
# What a reused Idempotency-Key of a creating POST can be answered with (the service's request log).
_KEY_REFUSALS = {
    409: _problem_spec(
        "`request_already_applied`: a call with this Idempotency-Key was carried out, but its response cannot be "
        "repeated; look the result up."
    ),
    422: _problem_spec("`request_id_reused`: this Idempotency-Key came with another body."),
}
_NOT_YOURS = {
    403: _problem_spec("The object belongs to another provider (`not_your_course`, `not_your_attendance`)."),
    404: _problem_spec("No such object."),
}


@dataclass
class _AttendancePostOperation(Operation):
    """Documents Idempotency-Key as the required string it is (the handler reads it optionally, so that a missing
    key gets its own 400 `missing_idempotency_key` instead of a generic validation error)."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            if getattr(parameter, "name", None) == "Idempotency-Key":
                parameter.schema = Schema(type=OpenAPIType.STRING, min_length=1, max_length=255)  # type: ignore[union-attr]


@dataclass
class _OptionalBodyOperation(Operation):
    """Documents the JSON body of a void as optional (the reason may come as `?reason=` instead)."""

    def __post_init__(self) -> None:
        if self.request_body is not None and hasattr(self.request_body, "required"):
            self.request_body.required = False


# --- Authentication --------------------------------------------------------------------------------------------


def api_key_guard(authenticator: ApiKeyAuthenticator) -> Any:
    """A guard that authenticates the bearer key and leaves the provider's identity on the connection."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        token = bearer_token(connection.headers.get("authorization"))
        connection.state[PROVIDER_IDENTITY] = await authenticator.authenticate(token)

    return guard


def api_key_rejected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """401 Problem Details with the RFC 6750 challenge (`error="invalid_token"` when a key was sent)."""
    assert isinstance(exc, ApiKeyRejected)
    response = problem(401, exc.code, exc.message, request.url.path)
    challenge = f'Bearer realm="{REALM}"'
    if not exc.missing:
        challenge += ', error="invalid_token", error_description="The API key is unknown or revoked."'
    response.headers["WWW-Authenticate"] = challenge
    return response


def provider_rpc_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The gateway's usual mapping (the service's status), plus Retry-After on a request still in flight."""
    response = rpc_error_handler(request, exc)
    if isinstance(exc, RpcError) and exc.status == 409 and exc.code == "request_in_flight":
        # The service says how soon (a few seconds at most); an older service says nothing: ask again at once.
        response.headers["Retry-After"] = str(exc.retry_after or 1)
    return response


# --- Helpers ---------------------------------------------------------------------------------------------------


def idempotency_key(header: str | None) -> str:
    """The Idempotency-Key of an attendance post as sent, quoted or bare (see `idempotency_key_text`); 400 without
    one."""
    text = idempotency_key_text(header)
    if not text:
        raise RpcError(
            "missing_idempotency_key",
            "An attendance post needs an Idempotency-Key header (a unique value per post, e.g. a UUID).",
            400,
        )
    return text


def provider_request_id(provider: contracts.ApiKeyIdentity, key: str | None) -> str:
    """The request id of a creating call: its Idempotency-Key scoped to the provider (two providers' keys never
    meet), else a fresh one."""
    return request_id_for_key(key, subject_of("provider", provider.provider_id))


def _hours(value: float | str | None) -> Decimal | str | None:
    # repr-based: 0.1 stays 0.1 (Decimal(0.1) would carry the binary fraction into the points).
    if value is None or isinstance(value, str):
        return value
    return Decimal(repr(value))


# --- Routes ----------------------------------------------------------------------------------------------------


class ProviderApi(Controller):
    """Mounted at /api/v1/provider behind the API-key guard (see `provider_router`)."""

    path = "/"
    tags = ["provider"]

    @get(
        "/courses",
        summary="Your courses",
        responses=_AUTH_AND_SERVICE,
    )
    async def list_courses(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, provider: ProviderDep, provider_api: ProviderApiDep
    ) -> CourseListOut:
        """Every course of your organisation, newest first, with editions, accreditation and decision history."""
        reply = await ask(gateway.caller, contracts.ListProviderCourses(provider_id=provider.provider_id))
        base = provider_api.base_url(request)
        return CourseListOut(courses=[CourseOut.of(c, base) for c in reply.courses])

    @post(
        "/courses",
        summary="Submit a course for accreditation",
        responses={
            **_AUTH_AND_SERVICE,
            400: _problem_spec(
                "The body is malformed, or a field is missing or too long (`<field>_required`, ...), or the "
                "Idempotency-Key is longer than 255 characters."
            ),
            **_KEY_REFUSALS,
        },
        response_headers=[
            ResponseHeader(name="Location", description="The new course.", documentation_only=True),
        ],
    )
    async def submit_course(
        self,
        request: Request[Any, Any, Any],
        provider_api: ProviderApiDep,
        gateway: GatewayDep,
        provider: ProviderDep,
        data: JSONBody[CourseIn],
        idempotency_key_header: CreatingIdempotencyKey = None,
    ) -> Response[CourseOut]:
        """The committee reviews it; it can be approved (points, validity), sent back for changes, or rejected.

        Answers 201 with the course in status `submitted`. Sent again with the same `Idempotency-Key` and body, it
        answers 201 with the same course and submits nothing new.
        """
        reply = await ask(
            gateway.caller,
            contracts.SubmitCourse(
                provider_id=provider.provider_id,
                submitted_by=provider.actor,
                title=data.title,
                description=data.description,
                category=data.category,
                study_load_hours=Decimal(repr(data.study_load_hours)),
                editions=[
                    contracts.EditionInput(start_date=e.start_date, end_date=e.end_date, location=e.location)
                    for e in data.editions
                ],
                trainers=data.trainers,
                target_group=data.target_group,
                programme=data.programme,
                allows_partial_attendance=data.allows_partial_attendance,
            ),
            request_id=provider_request_id(provider, idempotency_key_header),
        )
        course = CourseOut.of(reply, provider_api.base_url(request))
        return Response(course, status_code=201, headers={"Location": f"{PATH}/courses/{course.course_id}"})

    @get(
        "/courses/{course_id:uuid}",
        summary="One of your courses",
        responses={**_AUTH_AND_SERVICE, **_NOT_YOURS, 400: _problem_spec("`bad_request`: the id is not a UUID.")},
    )
    async def get_course(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        provider: ProviderDep,
        provider_api: ProviderApiDep,
        course_id: FromPath[uuid.UUID],
    ) -> CourseOut:
        """The course with its editions, accreditation and history; another provider's course is 403."""
        reply = await ask(gateway.caller, contracts.GetCourse(course_id=course_id, provider_id=provider.provider_id))
        return CourseOut.of(reply, provider_api.base_url(request))

    @post(
        "/courses/{course_id:uuid}/editions",
        summary="Add an edition to one of your courses",
        responses={
            **_AUTH_AND_SERVICE,
            **_NOT_YOURS,
            400: _problem_spec("Malformed body or impossible dates."),
            409: _problem_spec(
                "The course is rejected or withdrawn (`course_closed`), or `request_already_applied` (a call with "
                "this Idempotency-Key was carried out, but its response cannot be repeated: look the course up)."
            ),
            422: _KEY_REFUSALS[422],
        },
        response_headers=[
            ResponseHeader(name="Location", description="The course of the new edition.", documentation_only=True),
        ],
    )
    async def add_edition(
        self,
        request: Request[Any, Any, Any],
        provider_api: ProviderApiDep,
        gateway: GatewayDep,
        provider: ProviderDep,
        course_id: FromPath[uuid.UUID],
        data: JSONBody[EditionIn],
        idempotency_key_header: CreatingIdempotencyKey = None,
    ) -> Response[EditionOut]:
        """Answers 201 with the edition. Attendance can be posted from the day after its end date. Sent again with
        the same `Idempotency-Key` and body, it answers 201 with the same edition and adds nothing."""
        reply = await ask(
            gateway.caller,
            contracts.AddEdition(
                provider_id=provider.provider_id,
                course_id=course_id,
                added_by=provider.actor,
                start_date=data.start_date,
                end_date=data.end_date,
                location=data.location,
            ),
            request_id=provider_request_id(provider, idempotency_key_header),
        )
        edition = EditionOut.of(reply, provider_api.base_url(request))
        return Response(edition, status_code=201, headers={"Location": f"{PATH}/courses/{course_id}"})

    @get(
        "/editions/{edition_id:uuid}/attendance",
        summary="Attendance recorded on one of your editions",
        responses={**_AUTH_AND_SERVICE, **_NOT_YOURS, 400: _problem_spec("`bad_request`: the id is not a UUID.")},
    )
    async def list_attendance(
        self, gateway: GatewayDep, provider: ProviderDep, edition_id: FromPath[uuid.UUID]
    ) -> AttendanceListOut:
        """Every entry recorded on the edition, voided ones included (with when and why). With a sandbox key: the
        sandbox's entries (the test registration numbers), never the register's."""
        reply = await ask(
            gateway.caller, contracts.ListAttendance(provider_id=provider.provider_id, edition_id=edition_id)
        )
        return AttendanceListOut.of(reply)

    @post(
        "/attendance",
        status_code=200,
        summary="Post who completed an edition (idempotent)",
        responses={
            **_AUTH_AND_SERVICE,
            **_NOT_YOURS,
            400: _problem_spec(
                "`missing_idempotency_key`, `no_rows`, `too_many_rows` (over 5,000), or a malformed body."
            ),
            409: _problem_spec(
                "`request_in_flight`: a request with this Idempotency-Key is still being processed; retry after "
                "`Retry-After` seconds to get its response."
            ),
            422: _problem_spec(
                "`idempotency_key_reused` (this key came with another body), or the edition cannot take attendance: "
                "`course_not_approved`, `edition_not_ended`, `posting_window_closed`, "
                "`accreditation_not_valid_on_completion_date`."
            ),
        },
        response_headers=[
            ResponseHeader(
                name=REPLAYED_HEADER,
                description="`true` when this is the stored response of an earlier request with the same key.",
                documentation_only=True,
            ),
        ],
        # 5,000 rows of JSON are a few hundred kB; this leaves room for generous formatting, not for abuse.
        request_max_body_size=4 * 1024 * 1024,
        operation_class=_AttendancePostOperation,
    )
    async def post_attendance(
        self,
        gateway: GatewayDep,
        provider: ProviderDep,
        provider_api: ProviderApiDep,
        data: JSONBody[AttendancePostIn],
        idempotency_key_header: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=True,
                description=(
                    "A unique value per post (e.g. a UUID), per IETF httpapi Idempotency-Key draft; quoted "
                    '(`"…"`) or bare. Retrying with the same key and body returns the first response again and '
                    "records nothing; the same key with another body is 422; while the first is still processed, "
                    "409. Keys are scoped to your organisation."
                ),
            ),
        ] = None,
    ) -> Response[AttendancePostOut]:
        """Record, per row, who completed one edition of one of your approved courses.

        Answers **200** with one result per row (in the order sent) and the counts, also when some or all rows
        are rejected: every row is either `recorded`, `duplicate` or `rejected` with a reason. A replay answers
        200 with the identical body and `Idempotent-Replayed: true`. The whole post is refused (4xx, nothing
        recorded, the key not used up) only when the edition cannot take attendance at all.
        """
        key = idempotency_key(idempotency_key_header)
        if not data.attendees:
            raise RpcError("no_rows", "An attendance post needs at least one row.", 400)
        if len(data.attendees) > contracts.MAX_ATTENDEES_PER_POST:
            raise RpcError(
                "too_many_rows",
                f"An attendance post carries at most {contracts.MAX_ATTENDEES_PER_POST} rows; this one has "
                f"{len(data.attendees)}. Split it into several posts, each with its own Idempotency-Key.",
                400,
            )
        command = contracts.PostAttendance(
            provider_id=provider.provider_id,
            edition_id=data.edition_id,
            idempotency_key=key,
            attendees=[
                contracts.AttendeeInput(registration_number=row.registration_number, hours=_hours(row.hours))
                for row in data.attendees
            ],
            channel="api",
            posted_by=provider.actor,
        )
        result = await ask(gateway.caller, command, timeout=provider_api.attendance_timeout)
        headers = {REPLAYED_HEADER: "true"} if result.replayed else None
        return Response(AttendancePostOut.of(result), status_code=200, headers=headers)

    @delete(
        "/attendance/{attendance_id:uuid}",
        status_code=200,
        summary="Void one of your attendance entries",
        responses={
            **_AUTH_AND_SERVICE,
            **_NOT_YOURS,
            400: _problem_spec("`reason_required`: give the reason in the body or as `?reason=`."),
        },
        operation_class=_OptionalBodyOperation,
    )
    async def void_attendance(
        self,
        gateway: GatewayDep,
        provider: ProviderDep,
        attendance_id: FromPath[uuid.UUID],
        data: JSONBody[AttendanceVoidIn | None] = None,
        reason: Annotated[
            str | None,
            QueryParameter(name="reason", required=False, description="The reason, when no JSON body is sent."),
        ] = None,
    ) -> AttendanceVoidOut:
        """Void the entry with a reason: JSON body `{"reason": "..."}` or query `?reason=...` (the body wins when
        both are sent). The professional's portfolio shows the entry as voided with the reason. Voiding it again
        answers 200 with `newly_voided: false` and the first reason."""
        given = data.reason if data is not None and data.reason.strip() else (reason or "")
        reply = await ask(
            gateway.caller,
            contracts.VoidAttendance(
                provider_id=provider.provider_id,
                attendance_id=attendance_id,
                reason=given,
                voided_by=provider.actor,
            ),
        )
        receipt = reply
        return AttendanceVoidOut(
            attendance_id=receipt.attendance_id,
            voided_at=receipt.voided_at,
            reason=receipt.reason,
            newly_voided=receipt.newly_voided,
        )
