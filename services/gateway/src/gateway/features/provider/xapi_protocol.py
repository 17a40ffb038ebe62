"""The xAPI protocol of the /xapi Learning Record Store: versions, Basic credentials, its error format, the
alternate request syntax, and statement queries with their `more` tokens."""

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

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope

from gateway.service_layer.api_keys import ApiKeyAuthenticator, ApiKeyRejected
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError

PATH: Final = "/xapi"
VERSION_HEADER: Final = "X-Experience-API-Version"
CONSISTENT_HEADER: Final = "X-Experience-API-Consistent-Through"
SUPPORTED_VERSIONS: Final = ("1.0.3", "2.0.0")
LATEST: Final = "2.0.0"
REALM: Final = "LKLR xAPI"
VERSION_STATE: Final = "lklr_xapi_version"
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
        headers[VERSION_HEADER] = state.get(VERSION_STATE, LATEST)


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
                connection.scope["state"][VERSION_STATE] = answered_version(requested)
            return
        connection.scope["state"][VERSION_STATE] = answered_version(requested)
        key = basic_credentials_key(connection.headers.get("authorization"))
        connection.state[_IDENTITY] = await context.authenticator.authenticate(key)

    return guard


def key_identity(request: Request[Any, Any, Any]) -> contracts.ApiKeyIdentity:
    """The API key identity the guard found for this request."""
    identity = request.state.get(_IDENTITY)
    if not isinstance(identity, contracts.ApiKeyIdentity):
        raise ApiKeyRejected("missing_api_key", "This resource needs HTTP Basic authentication.", missing=True)
    return identity


def version(request: Request[Any, Any, Any]) -> str:
    """The xAPI version this request is answered in (set by the guard)."""
    return str(request.scope["state"].get(VERSION_STATE, LATEST))


def parse_json(content_type_header: str, body: bytes) -> Any:
    """A JSON body (of a JSON content type), or XapiError 400."""
    content_type = content_type_header.split(";")[0].strip().lower()
    if content_type != "application/json":
        raise XapiError(400, "Send statements as application/json (attachments are not accepted).")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise XapiError(400, "The body is not valid JSON.") from None


async def json_body(request: Request[Any, Any, Any]) -> Any:
    """The request's JSON body, or XapiError 400."""
    return parse_json(request.headers.get("content-type", ""), await request.body())


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
    request.scope["state"][VERSION_STATE] = version
    if version != "1.0.3":
        raise XapiError(
            400, "The alternate request syntax (?method=) was removed in xAPI 2.0.0; send an ordinary request."
        )
    key = basic_credentials_key(alternate.headers.get("authorization"))
    request.scope["state"][_IDENTITY] = await context.authenticator.authenticate(key)
    return alternate


def flag(value: str | None, name: str) -> bool:
    """A `true`/`false` query parameter; XapiError 400 for anything else."""
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


def uuid_param(value: str | None, name: str) -> uuid.UUID | None:
    """A UUID query parameter (None when absent); XapiError 400 when it is not one."""
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
    flag(params.get("attachments"), "attachments")
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
        statement_id=uuid_param(params.get("statementId"), "statementId"),
        voided_statement_id=uuid_param(params.get("voidedStatementId"), "voidedStatementId"),
        agent=agent,
        verb=params.get("verb"),
        activity=params.get("activity"),
        registration=uuid_param(params.get("registration"), "registration"),
        since=_moment(params.get("since"), "since"),
        until=_moment(params.get("until"), "until"),
        limit=int(limit_text),
        ascending=flag(params.get("ascending"), "ascending"),
    )


def more_token(query: contracts.QueryXapiStatements, after: int, fmt: str = "exact", attachments: bool = False) -> str:
    """The `more` link token that continues `query` after `after` statements."""
    payload = query.model_dump(mode="json", exclude={"provider_id"}) | {"after_sequence": after}
    payload |= {"format": fmt, "attachments": attachments}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def from_more_token(token: str, provider_id: uuid.UUID) -> tuple[contracts.QueryXapiStatements, str, bool]:
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
