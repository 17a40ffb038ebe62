"""The second sign-in step for staff: setting up TOTP from the mailed link or during sign-in."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from gateway.features.accounts.forms import SecondFactorLinkForm, TotpEnrollmentForm

# Which form field each sign-up or password problem belongs to.
from gateway.features.accounts.pages import no_store, signed_in_response
from gateway.service_layer.context import GatewayDep
from gateway.web.accounts_context import AccountsContextDep
from gateway.web.forms import FORM, GENERAL, FormErrors, translator, wait_seconds
from gateway.web.rendering import page
from gateway.web.web_session import client_ip
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask


def _grouped(secret: str) -> str:
    """A base32 secret in groups of four, as people type it into an authenticator app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrollment_page(
    request: Request[Any, Any, Any],
    *,
    token: str,
    secret: str,
    uri: str,
    next_path: str,
    errors: FormErrors,
    status: int,
    retry_after: int | None = None,
) -> Template:
    """The TOTP enrollment step: the new secret (grouped, and as an otpauth:// URI) and a field for a code from it.

    The secret and the enrollment token travel in hidden fields only to show this page again after a wrong code;
    the registry checks the code against the secret it keeps pending, never against what the form says. No-store:
    the page holds a secret.
    """
    response = page(
        request,
        "account/tweede_stap_instellen.html",
        status_code=status,
        enrollment_token=token,
        secret=secret,
        secret_grouped=_grouped(secret),
        totp_uri=uri,
        next=next_path,
        errors=errors,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return no_store(response)


class SecondFactorPages(Controller):
    include_in_schema = False

    # --- Tweede inlogstap instellen, vanaf de gemailde link ---------------------------------------------------------

    @get("/account/tweede-stap", name="second_factor_link")
    async def second_factor_link(self, request: Request[Any, Any, Any], token: FromQuery[str] = "") -> Template:
        """The page the enrolment link opens: the password, then the secret (a link alone never shows one)."""
        errors: FormErrors = {} if token else {GENERAL: translator(request)("admin.enrol.link_invalid")}
        return no_store(page(request, "account/tweede_stap.html", token=token, errors=errors))

    @post("/account/tweede-stap", name="second_factor_link_post")
    async def start_second_factor(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[SecondFactorLinkForm, FORM]
    ) -> Template:
        """Check the link and the password with the registry; on success, the enrolment step with the new secret."""
        t = translator(request)
        token = data.token

        def again(
            errors: FormErrors, status: int, *, keep_token: bool = True, retry_after: int | None = None
        ) -> Template:
            response = page(
                request,
                "account/tweede_stap.html",
                status_code=status,
                token=token if keep_token else "",
                errors=errors,
            )
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return no_store(response)

        if not token:
            return again({GENERAL: t("admin.enrol.link_invalid")}, 400, keep_token=False)
        if not data.password:
            return again({"password": t("account.required.password")}, 422)
        try:
            reply = await ask(
                gateway.caller,
                contracts.StartSecondFactorEnrolment(token=token, password=data.password, client_ip=client_ip(request)),
            )
        except RpcError as exc:
            if exc.code == "invalid_credentials":
                return again({"password": t("account.login.invalid")}, 401)
            if exc.code in ("token_invalid", "bad_request"):
                return again({GENERAL: t("admin.enrol.link_invalid")}, 400, keep_token=False)
            if exc.code == "too_many_attempts":
                seconds = wait_seconds(exc)
                return again({GENERAL: t("account.login.throttled", seconds=seconds)}, 429, retry_after=seconds)
            raise
        if not (reply.totp_enrollment_required and reply.enrollment_token and reply.totp_secret):
            return again({GENERAL: t("admin.enrol.link_invalid")}, 400, keep_token=False)
        return _enrollment_page(
            request,
            token=reply.enrollment_token,
            secret=reply.totp_secret,
            uri=reply.totp_uri or "",
            next_path="",
            errors={},
            status=200,
        )

    @post("/inloggen/tweede-stap-instellen", name="login_totp_enrollment")
    async def confirm_totp_enrollment(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[TotpEnrollmentForm, FORM],
    ) -> Template | Redirect:
        """Confirm the enrollment with a code from the new secret; then signed in as after a normal staff sign-in."""
        t = translator(request)
        token, next_path = data.enrollment_token, data.next
        code = data.totp_code.replace(" ", "")

        def again(errors: FormErrors, status: int, retry_after: int | None = None) -> Template:
            return _enrollment_page(
                request,
                token=token,
                secret=data.secret,
                uri=data.totp_uri,
                next_path=next_path,
                errors=errors,
                status=status,
                retry_after=retry_after,
            )

        def start_over() -> Template:
            return no_store(
                page(
                    request,
                    "account/inloggen.html",
                    status_code=400,
                    step="password",
                    values={"email": ""},
                    next=next_path,
                    errors={GENERAL: t("admin.enrol.expired")},
                    notice=None,
                    resend=False,
                    already=None,
                )
            )

        if not token:
            return start_over()
        if not code:
            return again({"totp_code": t("account.totp.missing")}, 422)
        try:
            reply = await ask(
                gateway.caller,
                contracts.ConfirmTotpEnrollment(enrollment_token=token, totp_code=code, client_ip=client_ip(request)),
            )
        except RpcError as exc:
            if exc.code == "invalid_totp":
                return again({"totp_code": t("account.totp.invalid")}, 401)
            if exc.code in ("token_invalid", "bad_request"):
                return start_over()
            if exc.code == "too_many_attempts":
                seconds = wait_seconds(exc)
                return again({GENERAL: t("account.login.throttled", seconds=seconds)}, 429, retry_after=seconds)
            raise
        if not reply.authenticated or not reply.session_token:
            return start_over()
        return signed_in_response(request, accounts_context, reply.session_token, reply.account_roles, next_path)
