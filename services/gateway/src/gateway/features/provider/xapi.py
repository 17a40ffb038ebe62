"""The xAPI Learning Record Store under /xapi: the Statements resource, for providers' learning platforms.

Protocol only: versions, headers, HTTP Basic authentication, query parameters and `more` links. The statements
themselves (validation, storage, conflicts, voiding, and what an "attended" statement records) belong to the
accreditation service (`StoreXapiStatements`, `QueryXapiStatements`).

- Every request but `GET /xapi/about` must send `X-Experience-API-Version` 1.0.x or 2.0.x (400 otherwise); every
  response under /xapi carries the version answered (1.0.3 or 2.0.0).
- Authentication: HTTP Basic with a provider API key `lklr_<prefix>_<secret>` split at its last `_`: username
  `lklr_<prefix>` (the part the portal shows), password `<secret>`. A password that is the whole key works too.
- Each provider sees and affects only its own statements. The document resources (state, activity and agent
  profiles) and the activities/agents resources are not offered: they answer 501 Not Implemented.
- xAPI 1.0.3's alternate request syntax (Communication 1.3): `POST …?method=GET|PUT|POST|HEAD` and nothing else in
  the query, a form-encoded body whose header fields (Authorization, X-Experience-API-Version, Content-Type,
  Content-Length, If-Match, If-None-Match) count as headers, `content` as the body and every other field as a query
  parameter. It was removed in 2.0.0: a request that resolves to 2.0.x is refused with 400.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Final

from litestar import Request, Response, get, post, put, route

from gateway.domain.xapi_format import accepted_languages, formatted
from gateway.domain.xapi_iris import EDITION_PATH
from gateway.features.provider.xapi_protocol import (
    CONSISTENT_HEADER,
    PATH,
    SUPPORTED_VERSIONS,
    VERSION_STATE,
    XapiContext,
    XapiDep,
    XapiError,
    alternate_request,
    answered_version,
    flag,
    from_more_token,
    json_body,
    key_identity,
    more_token,
    parse_alternate,
    parse_json,
    statement_query,
    uuid_param,
    version,
)
from gateway.service_layer.context import GatewayDep
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.requests import ask


async def _store(
    request: Request[Any, Any, Any], gateway: GatewayDep, context: XapiContext, statements: list[Any]
) -> list[str]:
    identity = key_identity(request)
    if not all(isinstance(statement, dict) for statement in statements):
        raise XapiError(400, "Every statement must be a JSON object.")
    for statement in statements:
        statement.setdefault("id", str(uuid.uuid4()))
    base = context.base_url(request)
    reply = await ask(
        gateway.caller,
        contracts.StoreXapiStatements(
            provider_id=identity.provider_id,
            statements=statements,
            register_home_page=base,
            edition_iri_prefix=f"{base}{EDITION_PATH}",
            authority={
                "objectType": "Agent",
                "name": identity.provider_name,
                "account": {"homePage": base, "name": identity.actor},
            },
            default_version="2.0.0" if version(request) == "2.0.0" else "1.0.0",
            stored_by=identity.actor,
        ),
    )
    return [str(outcome.statement_id) for outcome in reply.outcomes]


def about_document() -> dict[str, Any]:
    """The About resource: the versions this LRS speaks."""
    return {"version": list(SUPPORTED_VERSIONS), "extensions": {}}


@get("/about", opt={"xapi_public": True}, sync_to_thread=False)
def about() -> dict[str, Any]:
    """The versions this LRS speaks."""
    return about_document()


@put("/statements", status_code=204)
async def put_statement(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiDep) -> None:
    """Store one statement under the id in `?statementId=` (204)."""
    params = {key: value for key, value in request.query_params.items()}
    await _put(request, gateway, xapi, params, await json_body(request))


async def _put(
    request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiContext, params: dict[str, str], body: Any
) -> None:
    statement_id = uuid_param(params.get("statementId"), "statementId")
    if statement_id is None:
        raise XapiError(400, "PUT needs ?statementId=.")
    if not isinstance(body, dict):
        raise XapiError(400, "PUT takes one statement.")
    if "id" in body and uuid_param(str(body["id"]), "id") != statement_id:
        raise XapiError(400, "The statement's id differs from statementId.")
    body["id"] = str(statement_id)
    await _store(request, gateway, xapi, [body])


@post("/statements", status_code=200, opt={"xapi_alternate": True})
async def post_statements(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiDep) -> Response[Any]:
    """Store one statement or a list of them, all or none; answers their ids in order. With `?method=`: a request
    in xAPI 1.0.3's alternate syntax (see the module docstring)."""
    if "method" in request.query_params:
        return await _alternate(request, gateway, xapi)
    body = await json_body(request)
    ids = await _store(request, gateway, xapi, body if isinstance(body, list) else [body])
    return Response(ids, media_type="application/json")


async def _alternate(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiContext) -> Response[Any]:
    """Carry out an alternate-syntax request on /statements as the ordinary request it stands for."""
    alternate = await alternate_request(request, xapi)
    content_type = alternate.headers.get("content-type", "application/json")
    if alternate.method == "POST":
        if alternate.params:
            raise XapiError(400, f"Unknown parameters: {', '.join(sorted(alternate.params))}.")
        body = parse_json(content_type, alternate.content)
        ids = await _store(request, gateway, xapi, body if isinstance(body, list) else [body])
        return Response(ids, media_type="application/json")
    if alternate.method == "PUT":
        await _put(request, gateway, xapi, alternate.params, parse_json(content_type, alternate.content))
        return Response(None, status_code=204)
    if alternate.method in ("GET", "HEAD"):
        body, headers, attachments = await _statements_answer(request, gateway, alternate.params)
        media_type = f"multipart/mixed; boundary={_MULTIPART_BOUNDARY}" if attachments else "application/json"
        if alternate.method == "HEAD":
            return Response(None, headers=headers, media_type=media_type)
        return Response(_multipart(body) if attachments else body, headers=headers, media_type=media_type)
    raise XapiError(405, f"{alternate.method} is not allowed on /xapi/statements.")


_MULTIPART_BOUNDARY: Final = "lklr-xapi-statements"


def _multipart(body: Any) -> bytes:
    """A multipart/mixed body with the statements as its only part (attachments=true; this LRS keeps none)."""
    part = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return (
        f"--{_MULTIPART_BOUNDARY}\r\nContent-Type: application/json\r\n\r\n{part}\r\n--{_MULTIPART_BOUNDARY}--\r\n"
    ).encode()


async def _statements_answer(
    request: Request[Any, Any, Any], gateway: GatewayDep, params: dict[str, str] | None = None
) -> tuple[Any, dict[str, str], bool]:
    """What GET (and HEAD) /xapi/statements answer: the body, its headers, and whether it goes out multipart.
    ``params`` are the query parameters (the form's, for the alternate syntax), else the request's."""
    identity = key_identity(request)
    if params is None:
        params = {key: value for key, value in request.query_params.items()}
    if "more" in params:
        if len(params) > 1:
            raise XapiError(400, "A more link takes no other parameters.")
        query, fmt, attachments = from_more_token(params["more"], identity.provider_id)
    else:
        query = statement_query(params, identity.provider_id)
        fmt, attachments = params.get("format", "exact"), flag(params.get("attachments"), "attachments")
    page = await ask(gateway.caller, query)
    headers = {CONSISTENT_HEADER: page.consistent_through.isoformat().replace("+00:00", "Z")}
    languages = accepted_languages(request.headers.get("accept-language"))
    if query.statement_id is not None or query.voided_statement_id is not None:
        if not page.statements:
            raise XapiError(404, "No such statement.")
        return formatted(page.statements[0].statement, fmt, languages), headers, attachments
    token = more_token(query, page.next_sequence, fmt, attachments) if page.next_sequence else ""
    more = f"{PATH}/statements?more={token}" if token else ""
    statements = [formatted(stored.statement, fmt, languages) for stored in page.statements]
    return {"statements": statements, "more": more}, headers, attachments


@get("/statements")
async def get_statements(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiDep) -> Response[Any]:
    """One statement by statementId/voidedStatementId, or a StatementResult with a `more` link, in the asked
    `format`; multipart/mixed when `attachments=true`."""
    body, headers, attachments = await _statements_answer(request, gateway)
    if attachments:
        media_type = f"multipart/mixed; boundary={_MULTIPART_BOUNDARY}"
        return Response(_multipart(body), headers=headers, media_type=media_type)
    return Response(body, headers=headers, media_type="application/json")


@route("/statements", http_method=["HEAD"])
async def head_statements(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiDep) -> Response[None]:
    """As GET, without the body (the standard asks HEAD of every resource)."""
    _body, headers, attachments = await _statements_answer(request, gateway)
    media_type = f"multipart/mixed; boundary={_MULTIPART_BOUNDARY}" if attachments else "application/json"
    return Response(None, headers=headers, media_type=media_type)


@route("/about", http_method=["HEAD"], opt={"xapi_public": True})
async def head_about() -> Response[None]:
    """As GET /about, without the body."""
    return Response(None, media_type="application/json")


@post("/about", status_code=200, opt={"xapi_public": True, "xapi_alternate": True})
async def post_about(request: Request[Any, Any, Any]) -> Response[Any]:
    """Only the alternate request syntax (`?method=GET|HEAD`): /about is public, so no credentials are needed."""
    if "method" not in request.query_params:
        raise XapiError(405, "POST is not allowed on /xapi/about.")
    query = {key: request.query_params.getall(key) for key in request.query_params}
    alternate = parse_alternate(query, dict(request.headers.items()), await request.body())
    requested = alternate.headers.get("x-experience-api-version")
    if requested:
        request.scope["state"][VERSION_STATE] = answered_version(requested)
        if request.scope["state"][VERSION_STATE] != "1.0.3":
            raise XapiError(400, "The alternate request syntax (?method=) was removed in xAPI 2.0.0.")
    if alternate.method not in ("GET", "HEAD"):
        raise XapiError(405, f"{alternate.method} is not allowed on /xapi/about.")
    if alternate.params:
        raise XapiError(400, f"Unknown parameters: {', '.join(sorted(alternate.params))}.")
    if alternate.method == "HEAD":
        return Response(None, media_type="application/json")
    return Response(about_document(), media_type="application/json")


@route(
    ["/activities", "/activities/state", "/activities/profile", "/agents", "/agents/profile"],
    http_method=["GET", "PUT", "POST", "DELETE"],
    opt={"xapi_alternate": True},
)
async def not_offered(request: Request[Any, Any, Any], xapi: XapiDep) -> None:
    """The resources this LRS does not offer (an alternate-syntax request is checked like any other first)."""
    if request.method == "POST" and "method" in request.query_params:
        await alternate_request(request, xapi)
    raise XapiError(501, f"{request.url.path} is not offered by this LRS: it stores statements only.")
