"""The professional's own portfolio API under /api/v1/me: progress and activities, entering an activity with
evidence (multipart, streamed to the portfolio service as it arrives), confirming and disputing provider-placed
entries.

Authentication is the person's API token from `POST /api/v1/auth/token` (`Authorization: Bearer <token>`), as for
`GET /api/v1/me`; it is checked before any of the body is read. Every call acts for the token's own registration.
These paths and bodies are a contract for outside clients: add, never change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Literal

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Encoding, OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, Field

from gateway.features.accounts.api import SECURITY_SCHEME, BearerRejected, bearer_token
from gateway.features.portfolio.forms import activity_input
from gateway.features.portfolio.queries import get_portfolio
from gateway.features.register.lookup import problem_spec
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.accounts_context import AccountsContextDep
from gateway.web.errors import problem
from gateway.web.owners import PortfolioOwner, owner_of, request_origin
from gateway.web.request_ids import api_request_id, subject_of
from gateway.web.uploads import (
    EVIDENCE_FIELD,
    MAX_FILES_PER_REQUEST,
    MAX_REQUEST_BYTES,
    FormProblem,
    ReceivedForm,
    receive_form,
)
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.kit.requests import ask

PATH: Final = "/api/v1/me"


def _number(value: Decimal | None) -> float | None:
    # Points and hours are whole or half numbers: exact as JSON numbers.
    return None if value is None else float(value)


class ConstraintOut(BaseModel):
    constraint: Literal["total", "accredited", "a2"]
    label: str
    earned: float
    minimum: float
    missing: float
    met: bool


class ProgressOut(BaseModel):
    """Progress of the cycle against the norm of its scheme version."""

    scheme_version: str
    met: bool
    constraints: list[ConstraintOut]
    min_additional_points: float = Field(description="The fewest extra points that can meet the norm.")
    days_left: int = Field(description="Days left in the cycle.")
    buffer_points: float = Field(description="Self-entered points an audit sample may reject while the norm holds.")
    at_risk_points: float = Field(description="Self-entered points still to be checked.")
    disputed_points: float = Field(description="Points of disputed entries (not counting meanwhile).")


class CycleOut(BaseModel):
    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str
    frozen: bool = Field(description="True once a re-registration dossier froze the cycle.")


class EvidenceOut(BaseModel):
    evidence_id: uuid.UUID
    filename: str
    file_type: Literal["pdf", "jpeg", "png", "docx"] = Field(description="Judged from the content, not the name.")
    size_bytes: int
    sha256: str


class ActivityOut(BaseModel):
    """One entry of the portfolio."""

    activity_id: uuid.UUID
    version: int = Field(description="Goes up with every change; the history keeps every version.")
    source: Literal["self_entered", "provider_placed", "teaching"]
    category: Literal["A1", "A2"]
    activity_type: str = Field(description="`course` for A1, else the scheme's A2 type key.")
    title: str
    description: str
    completion_date: date
    points: float
    accredited: bool
    state: Literal["placed", "confirmed", "disputed", "voided", "to_be_checked", "approved", "rejected"]
    state_reason: str = Field(description="The reason given with the current state (void, dispute, rejection).")
    counts: bool = Field(description="Whether it counts towards the shown cycle's norm.")
    exclusion: str | None = Field(description="Why it does not count, when it does not.")
    is_new: bool = Field(description="Placed by a provider (or approved teaching) after your last visit.")
    awaiting_check: bool = Field(description="A provider-placed entry you can still confirm or dispute.")
    check_deadline: date | None
    editable: bool
    study_load_hours: float | None
    quantity: float | None
    hours_per_unit: float | None
    provider_name: str | None
    evidence: list[EvidenceOut]
    recorded_at: datetime
    updated_at: datetime


class PortfolioOut(BaseModel):
    registration_number: str
    name: str
    generated_at: datetime
    cycle: CycleOut | None = Field(description="The shown cycle; null while the registry has opened none.")
    cycles: list[CycleOut]
    progress: ProgressOut | None
    new_count: int
    awaiting_check_count: int
    activities: list[ActivityOut]


class DisputeIn(BaseModel):
    reason: str = Field(default="", description="Why the entry is wrong (required, at most 2,000 characters).")


def _cycle(cycle: contracts.CycleSummary) -> CycleOut:
    return CycleOut(
        cycle_id=cycle.cycle_id,
        sequence=cycle.sequence,
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        scheme_version=cycle.scheme_version,
        frozen=cycle.frozen,
    )


def activity_out(activity: contracts.PortfolioActivity) -> ActivityOut:
    return ActivityOut(
        activity_id=activity.activity_id,
        version=activity.version,
        source=activity.source,
        category=activity.category,
        activity_type=activity.activity_type,
        title=activity.title,
        description=activity.description,
        completion_date=activity.completion_date,
        points=float(activity.points),
        accredited=activity.accredited,
        state=activity.state,
        state_reason=activity.state_reason,
        counts=activity.counts,
        exclusion=activity.exclusion,
        is_new=activity.is_new,
        awaiting_check=activity.awaiting_check,
        check_deadline=activity.check_deadline,
        editable=activity.editable,
        study_load_hours=_number(activity.study_load_hours),
        quantity=_number(activity.quantity),
        hours_per_unit=_number(activity.hours_per_unit),
        provider_name=activity.provider_name,
        evidence=[
            EvidenceOut(
                evidence_id=file.evidence_id,
                filename=file.filename,
                file_type=file.file_type,
                size_bytes=file.size_bytes,
                sha256=file.sha256,
            )
            for file in activity.evidence
        ],
        recorded_at=activity.recorded_at,
        updated_at=activity.updated_at,
    )


def portfolio_out(portfolio: contracts.Portfolio) -> PortfolioOut:
    progress = portfolio.progress
    return PortfolioOut(
        registration_number=portfolio.registration_number,
        name=portfolio.name,
        generated_at=portfolio.generated_at,
        cycle=_cycle(portfolio.cycle) if portfolio.cycle else None,
        cycles=[_cycle(cycle) for cycle in portfolio.cycles],
        progress=None
        if progress is None
        else ProgressOut(
            scheme_version=progress.scheme_version,
            met=progress.met,
            constraints=[
                ConstraintOut(
                    constraint=c.constraint,
                    label=c.label,
                    earned=float(c.earned),
                    minimum=float(c.minimum),
                    missing=float(c.missing),
                    met=c.met,
                )
                for c in progress.constraints
            ],
            min_additional_points=float(progress.min_additional_points),
            days_left=progress.days_left,
            buffer_points=float(progress.buffer_points),
            at_risk_points=float(progress.at_risk_points),
            disputed_points=float(progress.disputed_points),
        ),
        new_count=portfolio.new_count,
        awaiting_check_count=portfolio.awaiting_check_count,
        activities=[activity_out(activity) for activity in portfolio.activities],
    )


# --- OpenAPI of the multipart body (the handler reads the stream itself, so Litestar cannot infer it) ---------

_TEXT = Schema(type=OpenAPIType.STRING)
_NUMBER = Schema(type=OpenAPIType.STRING, description="A number: `4`, `4.5` or `4,5`.")
_ACTIVITY_FORM = Schema(
    type=OpenAPIType.OBJECT,
    required=["category", "title", "completion_date"],
    properties={
        "category": Schema(type=OpenAPIType.STRING, enum=["A1", "A2"]),
        "title": Schema(type=OpenAPIType.STRING, max_length=200),
        "description": Schema(type=OpenAPIType.STRING, max_length=4000),
        "completion_date": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE),
        "study_load_hours": Schema(
            type=OpenAPIType.STRING, description="A1 only: study-load hours (points = the scheme's points per hour)."
        ),
        "a2_type": Schema(type=OpenAPIType.STRING, description="A2 only: the scheme's type key, e.g. `intervision`."),
        "quantity": Schema(type=OpenAPIType.STRING, description="A2 only: units of the type (activities, sessions …)."),
        "hours_per_unit": Schema(
            type=OpenAPIType.STRING, description="A2 only, where the type has a minimum duration per unit."
        ),
        EVIDENCE_FIELD: Schema(
            type=OpenAPIType.ARRAY,
            max_items=MAX_FILES_PER_REQUEST,
            items=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
            description="Evidence files: PDF, JPEG, PNG or DOCX (judged by their content), at most 10 MiB each.",
        ),
    },
)


@dataclass
class _ActivityFormOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="The activity as `multipart/form-data`; files are streamed to storage as they arrive.",
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=_ACTIVITY_FORM,
                    encoding={
                        EVIDENCE_FIELD: Encoding(
                            content_type="application/pdf, image/jpeg, image/png, "
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                        )
                    },
                )
            },
        )


# Text that is not blank once stripped, as Python strips it (which also strips the separators \x1c-\x1f).
NOT_BLANK_PATTERN: Final = r"[^\s\x1c-\x1f]"
_DISPUTE_BODY = Schema(
    type=OpenAPIType.OBJECT,
    required=["reason"],
    properties={
        "reason": Schema(
            type=OpenAPIType.STRING,
            pattern=NOT_BLANK_PATTERN,
            description="Why the entry is wrong (not blank; kept up to 2,000 characters).",
        )
    },
)


@dataclass
class _DisputeOperation(Operation):
    """Documents the reason as required. The handler reads the body optionally so that a missing or blank reason
    gets its own 422 `reason_required` instead of a generic validation error."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True, content={"application/json": OpenAPIMediaType(schema=_DISPUTE_BODY)}
        )


def form_problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, FormProblem)
    return problem(exc.status, exc.code, exc.message, request.url.path)


_AUTH = {401: problem_spec("No token, or one that is unknown, expired or revoked (`WWW-Authenticate: Bearer`).")}
_NOT_REGISTERED = {404: problem_spec("`not_registered`: the token's account holds no registration.")}
_SERVICE = {
    503: problem_spec("The portfolio cannot be reached (retry after `Retry-After`)."),
    504: problem_spec("The portfolio did not answer in time (retry after `Retry-After`)."),
}


class PortfolioApi(Controller):
    path = PATH
    tags = ["portfolio"]
    security = [{SECURITY_SCHEME: []}]
    # On this controller, not app-wide: FormProblem is an RpcError, and an app-wide handler for it would take the
    # pages' and the provider API's RpcErrors too.
    exception_handlers = {FormProblem: form_problem_handler}

    @staticmethod
    async def _owner(
        request: Request[Any, Any, Any], gateway: Gateway, accounts_context: AccountsContextDep
    ) -> PortfolioOwner:
        token = bearer_token(request.headers.get("authorization"))
        account = await accounts_context.security.authenticator.api_account(token)
        if account is None:
            raise BearerRejected("invalid_token", "The token is unknown, expired or revoked.", missing=False)
        # The owner is remembered with the token's answer for the same few seconds (see service_layer.sessions).
        person_id = await accounts_context.security.authenticator.registered_person(account)
        if person_id is None:
            raise FormProblem(404, "not_registered", "This account holds no registration, so no portfolio.")
        return owner_of(person_id, request_origin(request, "api"))

    @get(
        "/portfolio",
        summary="Your portfolio: progress against the norm and the activities of a cycle",
        responses={
            **_AUTH,
            400: problem_spec("`bad_request`: `cycle_id` is not a UUID, or `lang` is neither `nl` nor `en`."),
            **_NOT_REGISTERED,
            **_SERVICE,
        },
    )
    async def portfolio(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        cycle_id: FromQuery[uuid.UUID | None] = None,
        lang: FromQuery[Literal["nl", "en"]] = "nl",
    ) -> PortfolioOut:
        """`cycle_id` omitted: the cycle that contains today (else the latest). `lang` chooses the language of
        the constraint labels. Reading the portfolio here does not mark new entries as seen (the web page does)."""
        owner = await self._owner(request, gateway, accounts_context)
        return portfolio_out(await get_portfolio(gateway.caller, owner, lang, cycle_id, svg=False))

    @post(
        "/activities",
        status_code=201,
        summary="Enter a self-entered activity (A1 course without accreditation, or A2) with evidence files",
        operation_class=_ActivityFormOperation,
        request_max_body_size=MAX_REQUEST_BYTES,
        responses={
            **_AUTH,
            **_NOT_REGISTERED,
            400: problem_spec("`bad_multipart`: the body is not well-formed multipart/form-data."),
            409: problem_spec("`dossier_frozen`: the cycle of the completion date is frozen in a dossier."),
            413: problem_spec(
                "`evidence_too_large` (a file over 10 MiB), `storage_quota_exceeded` (your stored evidence would "
                "exceed your storage space), `too_many_files`, `field_too_large` or `request_too_large`."
            ),
            415: problem_spec(
                "`unsupported_evidence_type` (not PDF, JPEG, PNG or DOCX by content) or `multipart_required`."
            ),
            422: problem_spec(
                "`invalid_activity` (the fields; `errors` lists the problem per field), `completion_in_future`, "
                "`unknown_a2_type`, `condition_not_met`, `quantity_not_whole`, `*_required`, `fields_not_for_a1/a2`, "
                "`empty_evidence`."
            ),
            **_SERVICE,
        },
    )
    async def record_activity(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, accounts_context: AccountsContextDep
    ) -> Response[Any]:
        """Each `evidence` file is streamed to storage while the body arrives and judged on the way: by its first
        bytes (415) and its size (413, at the byte that crosses 10 MiB). Files stored before a refusal stay stored
        unattached. The activity is recorded with every file once the body is complete; it is "to be checked"
        until an audit judges it."""
        owner = await self._owner(request, gateway, accounts_context)
        received = ReceivedForm()
        await receive_form(request, gateway.caller, owner, received)
        entry, problems = activity_input(received.fields)
        if entry is None:
            return problem(
                422,
                "invalid_activity",
                "The activity is not complete or not valid; see problems.",
                request.url.path,
                problems=[{"code": code, "field": name, "message": code} for name, code in problems.items()],
            )
        saved = await ask(
            gateway.caller,
            contracts.RecordActivity(
                person_id=owner.person_id,
                actor=owner.actor,
                activity=entry,
                evidence_ids=[file.evidence_id for file in received.evidence],
            ),
            request_id=api_request_id(request, subject_of("person", owner.person_id)),
        )
        return Response(
            activity_out(saved.activity).model_dump(mode="json"),
            status_code=201,
            headers={"Location": f"{PATH}/portfolio#{saved.activity.activity_id}"},
        )

    @post(
        "/activities/{activity_id:uuid}/confirm",
        status_code=200,
        summary="Confirm a provider-placed entry",
        responses={
            **_AUTH,
            400: problem_spec("`bad_request`: the id is not a UUID."),
            404: problem_spec("`activity_not_found` or `not_registered`."),
            409: problem_spec("`check_window_closed`, `not_provider_placed`, `already_<state>`, `dossier_frozen`."),
            **_SERVICE,
        },
    )
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        activity_id: FromPath[uuid.UUID],
    ) -> ActivityOut:
        """Within the check window (30 days by default; silence counts as accepted). Confirming twice changes
        nothing."""
        owner = await self._owner(request, gateway, accounts_context)
        saved = await ask(
            gateway.caller,
            contracts.ConfirmActivity(person_id=owner.person_id, actor=owner.actor, activity_id=activity_id),
        )
        return activity_out(saved.activity)

    @post(
        "/activities/{activity_id:uuid}/dispute",
        status_code=200,
        summary="Dispute a provider-placed entry, with a reason",
        operation_class=_DisputeOperation,
        responses={
            **_AUTH,
            400: problem_spec("`bad_request`: the body is not JSON."),
            404: problem_spec("`activity_not_found` or `not_registered`."),
            409: problem_spec("`check_window_closed`, `not_provider_placed`, `already_<state>`, `dossier_frozen`."),
            422: problem_spec("`reason_required`: no reason, or an empty one."),
            **_SERVICE,
        },
    )
    async def dispute(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        activity_id: FromPath[uuid.UUID],
        data: JSONBody[DisputeIn | None] = None,
    ) -> ActivityOut:
        """Body: `{"reason": "..."}`. The entry stops counting until the provider corrects or voids it; the
        provider and the register office are told (ActivityDisputed)."""
        owner = await self._owner(request, gateway, accounts_context)
        reason = (data.reason if data is not None else "").strip()
        if not reason:
            raise FormProblem(422, "reason_required", 'Say why you dispute the entry: {"reason": "..."}.')
        saved = await ask(
            gateway.caller,
            contracts.DisputeActivity(
                person_id=owner.person_id, actor=owner.actor, activity_id=activity_id, reason=reason[:2000]
            ),
        )
        return activity_out(saved.activity)


__all__ = ["PortfolioApi"]
