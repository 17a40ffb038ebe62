"""The public register (Registers raadplegen): the search page and `GET /api/v1/register`.

Both show exactly the public fields (registration number, name, roles, status, registered since, valid until).
The registry already answers with only those; the gateway copies them field by field into its own models too,
so a field added to the registry's reply can never leak out here by accident.

Lookups are rate limited per client address by the registry, which counts for every gateway process at once
(a per-process counter would allow the limit once per replica). Over the limit: 429 with Retry-After.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, PathParameter, QueryParameter
from litestar.response import Template
from pydantic import BaseModel, Field

from gateway.service_layer.context import GatewayDep
from gateway.web.forms import translator, wait_seconds
from gateway.web.rendering import page
from gateway.web.web_session import client_ip
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

MAX_QUERY_LENGTH: Final = 200
NO_CONTROL_CHARACTERS: Final = r"^[^\x00-\x1f\x7f]*$"
PROBLEM_JSON: Final = "application/problem+json"


class ApiProblem(BaseModel):
    """An error as RFC 9457 Problem Details (`application/problem+json`)."""

    type: str = Field(description="`urn:lklr:problem:<code>`.")
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable reason, e.g. `rate_limited`.")
    instance: str


def problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(ApiProblem, description=description, media_type=PROBLEM_JSON, generate_examples=False)


class RegisterEntryOut(BaseModel):
    """One person in the public register: only these fields are ever public."""

    registration_number: str = Field(description="Seven digits; the last is a check digit.")
    name: str = Field(description="Initials and surname.")
    roles: list[contracts.Role]
    status: contracts.RegistrationStatusName
    registered_since: date
    valid_until: date | None = Field(description="Last day of the current cycle; null once struck off.")


class RegisterSearchOut(BaseModel):
    """Search results by surname; `truncated` when more people matched than are shown."""

    entries: list[RegisterEntryOut]
    truncated: bool


def public_entry(entry: contracts.RegisterEntry) -> RegisterEntryOut:
    # Field by field on purpose (see the module docstring).
    return RegisterEntryOut(
        registration_number=entry.registration_number,
        name=entry.name,
        roles=list(entry.roles),
        status=entry.status,
        registered_since=entry.registered_since,
        valid_until=entry.valid_until,
    )


async def search(gateway: GatewayDep, q: str, client_key: str) -> RegisterSearchOut:
    reply = await ask(gateway.caller, contracts.SearchRegister(q=q, client_key=client_key or "unknown"))
    return RegisterSearchOut(entries=[public_entry(entry) for entry in reply.entries], truncated=reply.truncated)


class RegisterPage(Controller):
    include_in_schema = False

    @get("/register", name="register")
    async def register(self, request: Request[Any, Any, Any], gateway: GatewayDep, q: FromQuery[str] = "") -> Template:
        t = translator(request)
        query = q.strip()[:MAX_QUERY_LENGTH]
        results: RegisterSearchOut | None = None
        message: str | None = None
        status_code = 200
        retry_after: int | None = None
        if query:
            try:
                results = await search(gateway, query, client_ip(request))
            except RpcError as exc:
                if exc.code == "rate_limited":
                    retry_after = wait_seconds(exc)
                    message = t("register.rate_limited", seconds=retry_after)
                    status_code = 429
                elif exc.code == "invalid_search":
                    too_short = any(problem.code == "query_too_short" for problem in exc.problems)
                    message = t("register.query_too_short" if too_short else "register.query_invalid")
                    status_code = 422
                elif exc.code == "invalid_registration_number":
                    message = t("register.number_invalid")
                    status_code = 422
                else:
                    raise
        response = page(
            request,
            "register.html",
            status_code=status_code,
            q=query,
            results=results,
            message=message,
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response


_LOOKUP_ERRORS = {
    400: problem_spec("`bad_request`: the query or number is missing, too long or not of the documented form."),
    422: problem_spec("The query or number is not valid (`invalid_search`, `invalid_registration_number`)."),
    429: problem_spec("Too many lookups from this address (`rate_limited`); wait `Retry-After` seconds."),
    503: problem_spec("The registry cannot be reached."),
    504: problem_spec("The registry did not answer in time."),
}


class RegisterApi(Controller):
    path = "/api/v1/register"
    tags = ["register"]

    @get(
        "/",
        summary="Search the public register by name or registration number",
        responses=_LOOKUP_ERRORS,
    )
    async def search_register(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        q: Annotated[
            str,
            QueryParameter(
                description="A registration number (digits: exact match, check digit verified) or part of a name.",
                min_length=1,
                # No control characters: a NUL reached the database, which cannot hold it in text (500).
                pattern=NO_CONTROL_CHARACTERS,
                max_length=MAX_QUERY_LENGTH,
            ),
        ],
    ) -> RegisterSearchOut:
        """Rate limited per client address, across every gateway (429 `rate_limited` with `Retry-After`)."""
        return await search(gateway, q.strip(), client_ip(request))

    @get(
        "/{registration_number:str}",
        summary="One entry of the public register",
        responses={404: problem_spec("No registered person has this number."), **_LOOKUP_ERRORS},
    )
    async def register_entry(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        registration_number: Annotated[
            str, PathParameter(pattern=r"^[0-9]{7}$", description="Seven digits; the last is a check digit.")
        ],
    ) -> RegisterEntryOut:
        """A mistyped number (wrong check digit) is 422 `invalid_registration_number`, not 404."""
        reply = await ask(
            gateway.caller,
            contracts.GetRegisterEntry(
                registration_number=registration_number[:MAX_QUERY_LENGTH],
                client_key=client_ip(request) or "unknown",
            ),
        )
        return public_entry(reply)


__all__ = ["ApiProblem", "RegisterApi", "RegisterPage", "problem_spec"]
