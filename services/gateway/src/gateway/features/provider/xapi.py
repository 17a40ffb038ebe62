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

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeAlias
from urllib.parse import parse_qsl

from litestar import Request, Response, get, post, put, route
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope

from gateway.domain.xapi_format import accepted_languages, formatted
from gateway.domain.xapi_iris import EDITION_PATH
from gateway.service_layer.api_keys import ApiKeyAuthenticator, ApiKeyRejected
from gateway.service_layer.context import GatewayDep
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.errors import RpcError
from lklr_shared.kit.requests import ask

PATH: Final = "/xapi"
VERSION_HEADER: Final = "X-Experience-API-Version"
CONSISTENT_HEADER: Final = "X-Experience-API-Consistent-Through"
SUPPORTED_VERSIONS: Final = ("1.0.3", "2.0.0")
LATEST: Final = "2.0.0"
REALM: Final = "LKLR xAPI"
_VERSION_STATE: Final = "lklr_xapi_version"
_IDENTITY: Final = "lklr_xapi_identity"
_FILTERS: Final = frozenset(
    {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending", "format", "attachments"}
)
_IGNORED: Final = frozenset({"related_agents", "related_activities"})
# The header fields xAPI 1.0.3's alternate request syntax takes from the form (Communication 1.3.s3.b6).
ALTERNATE_HEADERS: Final = frozenset(
    {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match", "if-none-match"}
)
ALTERNATE_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
MAX_ALTERNATE_BODY: Final = 5_000_000


class XapiError(Exception):
    """A request the LRS refuses: the status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def answered_version(requested: str | None) -> str:
    """The version an LRS answers a request's `X-Experience-API-Version` with; 400 for none or an unknown one."""
    if requested is None or not requested.strip():
        raise XapiError(400, f"Send the {VERSION_HEADER} header (1.0.3 or 2.0.0).")
    value = requested.strip()
    if re.fullmatch(r"1\.0(\.\d+)?", value):
        return "1.0.3"
    if re.fullmatch(r"2\.0(\.\d+)?", value):
        return "2.0.0"
    raise XapiError(400, f"{VERSION_HEADER} {value!r} is not supported; use one of {', '.join(SUPPORTED_VERSIONS)}.")


def basic_credentials_key(authorization: str | None) -> str:
    """The API key an `Authorization: Basic` header carries (username `lklr_<prefix>`, password the secret)."""
    missing = ApiKeyRejected("missing_api_key", "Send your API key with HTTP Basic authentication.", missing=True)
    if not authorization:
        raise missing
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise missing
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiKeyRejected("invalid_api_key", "The Basic credentials are not valid base64.", missing=False) from None
    username, separator, password = decoded.partition(":")
    if not separator or not password:
        raise ApiKeyRejected("invalid_api_key", "The API key is not valid.", missing=False)
    if password.startswith("lklr_"):
        return password
    return f"{username}_{password}"


@dataclass(frozen=True)
class XapiContext:
    """What the /xapi router needs: the key check and the register's public address (empty: the request's)."""

    authenticator: ApiKeyAuthenticator
    public_base_url: str = ""

    def base_url(self, request: Request[Any, Any, Any]) -> str:
        return (self.public_base_url or str(request.base_url)).rstrip("/")


XapiDep: TypeAlias = NamedDependency[XapiContext]


class XapiVersionHeader:
    """A `before_send` hook: every response under /xapi carries the version answered (errors and 404s too)."""

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or not str(scope.get("path", "")).startswith(PATH):
            return
        headers = MutableScopeHeaders.from_message(message)
        state = scope.get("state") or {}
        headers[VERSION_HEADER] = state.get(_VERSION_STATE, LATEST)


def _error(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status, media_type="application/json")


def xapi_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Refusals of this router, as JSON `{"error": ...}`; 401 with a Basic challenge."""
    if isinstance(exc, XapiError):
        return _error(request, exc.status, exc.message)
    if isinstance(exc, ApiKeyRejected):
        response = _error(request, 401, exc.message)
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response
    if isinstance(exc, RpcError):
        status = exc.status if 400 <= exc.status <= 599 else 502
        return _error(request, status, exc.message if status < 500 else "The register could not answer; retry.")
    if isinstance(exc, HTTPException):
        return _error(request, exc.status_code, str(exc.detail))
    raise exc


def xapi_guard(context: XapiContext) -> Any:
    """Checks the version header (400 first, as the standard wants), then the Basic credentials (401)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        posted = connection.scope.get("method") == "POST"
        if handler.opt.get("xapi_alternate") and posted and "method" in connection.query_params:
            # The alternate request syntax: its version and credentials are in the form, which the handler reads
            # and checks exactly as this guard checks headers (`alternate_request`).
            return
        requested = connection.headers.get(VERSION_HEADER)
        if handler.opt.get("xapi_public"):
            if requested:
                connection.scope["state"][_VERSION_STATE] = answered_version(requested)
            return
        connection.scope["state"][_VERSION_STATE] = answered_version(requested)
        key = basic_credentials_key(connection.headers.get("authorization"))
        connection.state[_IDENTITY] = await context.authenticator.authenticate(key)

    return guard


def _identity(request: Request[Any, Any, Any]) -> contracts.ApiKeyIdentity:
    identity = request.state.get(_IDENTITY)
    if not isinstance(identity, contracts.ApiKeyIdentity):
        raise ApiKeyRejected("missing_api_key", "This resource needs HTTP Basic authentication.", missing=True)
    return identity


def _version(request: Request[Any, Any, Any]) -> str:
    return str(request.scope["state"].get(_VERSION_STATE, LATEST))


def _parse_json(content_type_header: str, body: bytes) -> Any:
    content_type = content_type_header.split(";")[0].strip().lower()
    if content_type != "application/json":
        raise XapiError(400, "Send statements as application/json (attachments are not accepted).")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise XapiError(400, "The body is not valid JSON.") from None


async def _json_body(request: Request[Any, Any, Any]) -> Any:
    return _parse_json(request.headers.get("content-type", ""), await request.body())


@dataclass(frozen=True)
class AlternateRequest:
    """A request in xAPI 1.0.3's alternate syntax, unpacked: the intended method, the headers (the form's header
    fields over the HTTP headers), the query parameters (the form's other fields) and the content."""

    method: str
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    content: bytes = b""


def parse_alternate(query: dict[str, list[str]], http_headers: dict[str, str], body: bytes) -> AlternateRequest:
    """Unpack an alternate-syntax request (Communication 1.3); 400 for every rule it breaks."""
    if set(query) != {"method"} or len(query["method"]) != 1:
        raise XapiError(
            400, "The alternate request syntax takes no query parameter but method; send the others as form fields."
        )
    method = query["method"][0].upper()
    if method not in ALTERNATE_METHODS:
        raise XapiError(400, f"method must be one of {', '.join(sorted(ALTERNATE_METHODS))}.")
    # The body is read as a form whatever the HTTP Content-Type says: the syntax exists for clients (IE 8/9's
    # XDomainRequest) that cannot set it, so application/x-www-form-urlencoded is a SHOULD (1.3.s3.b9), no rule.
    if len(body) > MAX_ALTERNATE_BODY:
        raise XapiError(413, "The request is too large.")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise XapiError(400, "The form is not valid application/x-www-form-urlencoded UTF-8.") from None
    headers = {name.lower(): value for name, value in http_headers.items()}
    params: dict[str, str] = {}
    content = b""
    seen: set[str] = set()
    for name, value in fields:
        key = name.lower() if name.lower() in ALTERNATE_HEADERS else name
        if key in seen:
            raise XapiError(400, f"The form field {name} appears twice.")
        seen.add(key)
        if key in ALTERNATE_HEADERS:
            headers[key] = value
        elif name == "content":
            content = value.encode("utf-8")
        else:
            params[name] = value
    if "content-type" not in seen:
        # The HTTP Content-Type describes the form, not the content the form carries.
        headers.pop("content-type", None)
    return AlternateRequest(method=method, headers=headers, params=params, content=content)


async def alternate_request(request: Request[Any, Any, Any], context: XapiContext) -> AlternateRequest:
    """The alternate-syntax request, after the checks the guard makes of an ordinary one (version, then Basic
    credentials); refused with 400 when it resolves to xAPI 2.0.x, which removed this syntax."""
    query = {key: request.query_params.getall(key) for key in request.query_params}
    alternate = parse_alternate(query, dict(request.headers.items()), await request.body())
    version = answered_version(alternate.headers.get("x-experience-api-version"))
    request.scope["state"][_VERSION_STATE] = version
    if version != "1.0.3":
        raise XapiError(
            400, "The alternate request syntax (?method=) was removed in xAPI 2.0.0; send an ordinary request."
        )
    key = basic_credentials_key(alternate.headers.get("authorization"))
    request.scope["state"][_IDENTITY] = await context.authenticator.authenticate(key)
    return alternate


async def _store(
    request: Request[Any, Any, Any], gateway: GatewayDep, context: XapiContext, statements: list[Any]
) -> list[str]:
    identity = _identity(request)
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
            default_version="2.0.0" if _version(request) == "2.0.0" else "1.0.0",
            stored_by=identity.actor,
        ),
    )
    return [str(outcome.statement_id) for outcome in reply.outcomes]


def _flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise XapiError(400, f"{name} must be true or false.")


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise XapiError(400, f"{name} must be an ISO 8601 timestamp.") from None
    if parsed.tzinfo is None:
        raise XapiError(400, f"{name} must carry a time zone.")
    return parsed


def _uuid(value: str | None, name: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise XapiError(400, f"{name} must be a UUID.") from None


def statement_query(params: dict[str, str], provider_id: uuid.UUID) -> contracts.QueryXapiStatements:
    """The query a GET /xapi/statements asks for; 400 for parameters the standard does not allow together."""
    unknown = set(params) - _FILTERS - _IGNORED - {"statementId", "voidedStatementId"}
    if unknown:
        raise XapiError(400, f"Unknown parameters: {', '.join(sorted(unknown))}.")
    if "statementId" in params and "voidedStatementId" in params:
        raise XapiError(400, "Send statementId or voidedStatementId, not both.")
    single = "statementId" in params or "voidedStatementId" in params
    if single and set(params) - {"statementId", "voidedStatementId", "format", "attachments"}:
        raise XapiError(400, "statementId and voidedStatementId take no filters.")
    _flag(params.get("attachments"), "attachments")
    if params.get("format", "exact") not in ("exact", "ids", "canonical"):
        raise XapiError(400, "format must be exact, ids or canonical.")
    agent: dict[str, Any] | None = None
    if "agent" in params:
        try:
            agent = json.loads(params["agent"])
        except ValueError:
            raise XapiError(400, "agent must be an Agent or Group as JSON.") from None
        if not isinstance(agent, dict):
            raise XapiError(400, "agent must be an Agent or Group as JSON.")
    limit_text = params.get("limit", "0")
    if not limit_text.isdigit():
        raise XapiError(400, "limit must be a non-negative integer.")
    return contracts.QueryXapiStatements(
        provider_id=provider_id,
        statement_id=_uuid(params.get("statementId"), "statementId"),
        voided_statement_id=_uuid(params.get("voidedStatementId"), "voidedStatementId"),
        agent=agent,
        verb=params.get("verb"),
        activity=params.get("activity"),
        registration=_uuid(params.get("registration"), "registration"),
        since=_moment(params.get("since"), "since"),
        until=_moment(params.get("until"), "until"),
        limit=int(limit_text),
        ascending=_flag(params.get("ascending"), "ascending"),
    )


def _more_token(query: contracts.QueryXapiStatements, after: int, fmt: str = "exact", attachments: bool = False) -> str:
    payload = query.model_dump(mode="json", exclude={"provider_id"}) | {"after_sequence": after}
    payload |= {"format": fmt, "attachments": attachments}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _from_more_token(token: str, provider_id: uuid.UUID) -> tuple[contracts.QueryXapiStatements, str, bool]:
    """The query of a `more` link, with the format and attachments flag the first page was asked in."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        fmt = str(payload.pop("format", "exact"))
        attachments = bool(payload.pop("attachments", False))
        query = contracts.QueryXapiStatements.model_validate(payload | {"provider_id": str(provider_id)})
    except (ValueError, binascii.Error, TypeError, AttributeError):
        raise XapiError(400, "The more link is not valid.") from None
    if fmt not in ("exact", "ids", "canonical"):
        raise XapiError(400, "The more link is not valid.")
    return query, fmt, attachments


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
    await _put(request, gateway, xapi, params, await _json_body(request))


async def _put(
    request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiContext, params: dict[str, str], body: Any
) -> None:
    statement_id = _uuid(params.get("statementId"), "statementId")
    if statement_id is None:
        raise XapiError(400, "PUT needs ?statementId=.")
    if not isinstance(body, dict):
        raise XapiError(400, "PUT takes one statement.")
    if "id" in body and _uuid(str(body["id"]), "id") != statement_id:
        raise XapiError(400, "The statement's id differs from statementId.")
    body["id"] = str(statement_id)
    await _store(request, gateway, xapi, [body])


@post("/statements", status_code=200, opt={"xapi_alternate": True})
async def post_statements(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiDep) -> Response[Any]:
    """Store one statement or a list of them, all or none; answers their ids in order. With `?method=`: a request
    in xAPI 1.0.3's alternate syntax (see the module docstring)."""
    if "method" in request.query_params:
        return await _alternate(request, gateway, xapi)
    body = await _json_body(request)
    ids = await _store(request, gateway, xapi, body if isinstance(body, list) else [body])
    return Response(ids, media_type="application/json")


async def _alternate(request: Request[Any, Any, Any], gateway: GatewayDep, xapi: XapiContext) -> Response[Any]:
    """Carry out an alternate-syntax request on /statements as the ordinary request it stands for."""
    alternate = await alternate_request(request, xapi)
    content_type = alternate.headers.get("content-type", "application/json")
    if alternate.method == "POST":
        if alternate.params:
            raise XapiError(400, f"Unknown parameters: {', '.join(sorted(alternate.params))}.")
        body = _parse_json(content_type, alternate.content)
        ids = await _store(request, gateway, xapi, body if isinstance(body, list) else [body])
        return Response(ids, media_type="application/json")
    if alternate.method == "PUT":
        await _put(request, gateway, xapi, alternate.params, _parse_json(content_type, alternate.content))
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
    identity = _identity(request)
    if params is None:
        params = {key: value for key, value in request.query_params.items()}
    if "more" in params:
        if len(params) > 1:
            raise XapiError(400, "A more link takes no other parameters.")
        query, fmt, attachments = _from_more_token(params["more"], identity.provider_id)
    else:
        query = statement_query(params, identity.provider_id)
        fmt, attachments = params.get("format", "exact"), _flag(params.get("attachments"), "attachments")
    page = await ask(gateway.caller, query)
    headers = {CONSISTENT_HEADER: page.consistent_through.isoformat().replace("+00:00", "Z")}
    languages = accepted_languages(request.headers.get("accept-language"))
    if query.statement_id is not None or query.voided_statement_id is not None:
        if not page.statements:
            raise XapiError(404, "No such statement.")
        return formatted(page.statements[0].statement, fmt, languages), headers, attachments
    token = _more_token(query, page.next_sequence, fmt, attachments) if page.next_sequence else ""
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
        request.scope["state"][_VERSION_STATE] = answered_version(requested)
        if request.scope["state"][_VERSION_STATE] != "1.0.3":
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
