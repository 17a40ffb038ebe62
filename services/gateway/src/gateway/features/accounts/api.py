"""Account API: a bearer token for people's API use (`POST /api/v1/auth/token`) and who it belongs to
(`GET /api/v1/me`).

The token is the registry's API token (30 days by default, only its hash stored there); staff accounts must send
their current TOTP code as well. The API never reads the session cookie, which is why it needs no CSRF token.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from gateway.features.register.lookup import problem_spec
from gateway.service_layer.context import GatewayDep
from gateway.web.accounts_context import AccountsContextDep
from gateway.web.errors import problem
from gateway.web.web_session import client_ip
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

SECURITY_SCHEME: Final = "accountToken"
REALM: Final = "LKLR"


# No control characters (a NUL cannot even be stored in PostgreSQL text): refused as 400 at the door.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class TokenRequest(BaseModel):
    email: str = Field(max_length=254, pattern=_PRINTABLE)
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=12, description="Required for staff accounts.")
    label: str = Field(
        default="", max_length=100, pattern=_PRINTABLE, description="A name for the token, shown in your data export."
    )


class TokenOut(BaseModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`.")
    token_type: str = "Bearer"
    expires_at: datetime
    account_roles: list[contracts.AccountRole]


class MyRegistrationOut(BaseModel):
    registration_number: str
    status: contracts.RegistrationStatusName
    registered_since: date
    valid_until: date | None
    cycle_starts_on: date | None
    cycle_ends_on: date | None


class MeOut(BaseModel):
    account_id: uuid.UUID
    email: str
    initials: str
    surname: str
    account_roles: list[contracts.AccountRole]
    token_expires_at: datetime
    registration: MyRegistrationOut | None = Field(description="Null when the person is not registered.")


class BearerRejected(Exception):
    def __init__(self, code: str, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing


def bearer_rejected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """401 Problem Details with the RFC 6750 challenge."""
    assert isinstance(exc, BearerRejected)
    response = problem(401, exc.code, exc.message, request.url.path)
    challenge = f'Bearer realm="{REALM}"'
    if not exc.missing:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BearerRejected(
            "missing_token", "Send 'Authorization: Bearer <token>' (POST /api/v1/auth/token).", missing=True
        )
    return token.strip()


class AccountApi(Controller):
    path = "/api/v1"
    tags = ["account"]

    @post(
        "/auth/token",
        status_code=200,
        summary="Get a bearer token with e-mail and password (and TOTP code for staff)",
        responses={
            400: problem_spec("`bad_request`: the body is not JSON of the documented form."),
            401: problem_spec(
                "`invalid_credentials`, `invalid_totp`, or `totp_required` (a staff account sent no TOTP code)."
            ),
            403: problem_spec("`email_not_confirmed`."),
            429: problem_spec("`too_many_attempts`: sign-in is throttled for this address; see `Retry-After`."),
        },
    )
    async def issue_token(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: JSONBody[TokenRequest]
    ) -> TokenOut:
        """Same checks, throttling and logging as signing in on the site. The token is shown once; only its hash
        is stored."""
        reply = await ask(
            gateway.caller,
            contracts.IssueApiToken(
                email=data.email,
                password=data.password,
                totp_code=(data.totp_code or "").replace(" ", "") or None,
                client_ip=client_ip(request),
                label=data.label or "api",
            ),
        )
        return TokenOut(access_token=reply.token, expires_at=reply.expires_at, account_roles=reply.account_roles)

    @get(
        "/me",
        summary="The account behind the bearer token, and its registration",
        security=[{SECURITY_SCHEME: []}],
        responses={401: problem_spec("No token, or one that is unknown, expired or revoked.")},
    )
    async def me(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, accounts_context: AccountsContextDep
    ) -> MeOut:
        token = bearer_token(request.headers.get("authorization"))
        account = await accounts_context.security.authenticator.api_account(token)
        if account is None:
            raise BearerRejected("invalid_token", "The token is unknown, expired or revoked.", missing=False)
        registration: MyRegistrationOut | None = None
        try:
            view = await ask(gateway.caller, contracts.GetMyRegistration(actor_account_id=account.account_id))
        except RpcError as exc:
            if exc.code != "not_registered":
                raise
        else:
            cycle = view.current_cycle
            registration = MyRegistrationOut(
                registration_number=view.registration_number,
                status=view.status,
                registered_since=view.registered_since,
                valid_until=view.valid_until,
                cycle_starts_on=cycle.starts_on if cycle else None,
                cycle_ends_on=cycle.ends_on if cycle else None,
            )
        return MeOut(
            account_id=account.account_id,
            email=account.email,
            initials=account.initials,
            surname=account.surname,
            account_roles=account.account_roles,
            token_expires_at=account.expires_at,
            registration=registration,
        )
