"""Account pages: create an account, confirm the address, sign in (the TOTP step for staff is in `second_factor.py`), sign out, and
reset a forgotten password. Every form posts with a CSRF token (see `web_session`); after a successful post the
browser is redirected (303), so reloading a result page never sends a form twice.

The registry answers sign-up, resend and reset requests the same whether or not an account exists, and these
pages keep it that way: their result pages never say whether an address is known.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from gateway.domain.web_security import safe_next
from gateway.features.accounts.forms import EmailForm, LoginForm, ResetPasswordForm, SignUpForm, TokenForm
from gateway.service_layer.context import GatewayDep
from gateway.web.accounts_context import AccountsContext, AccountsContextDep
from gateway.web.forms import FORM, GENERAL, FormErrors, problem_messages, translator, wait_seconds
from gateway.web.rendering import ROLE_LINKS, page, request_language
from gateway.web.web_session import client_ip, web_state
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

# Which form field each sign-up or password problem belongs to.
_ACCOUNT_FIELDS = {
    "email_invalid": "email",
    "password_too_short": "password",
    "password_too_long": "password",
    "password_is_email": "password",
    "initials_missing": "initials",
    "surname_missing": "surname",
    "name_too_long": "surname",
}


def no_store(response: Template) -> Template:
    """The page must not be kept by the browser or a proxy (it carries a secret or a one-time link)."""
    # Pages that echo credentials or one-time tokens must not stay in a cache or the back-forward history.
    response.headers["Cache-Control"] = "no-store"
    return response


def _default_landing(roles: list[contracts.AccountRole]) -> str:
    """Staff land on their work queue (the first of their roles in the header's order), everyone else on Mijn LKLR."""
    for role, _label, href in ROLE_LINKS:
        if role in roles:
            return href
    return "/mijn"


def signed_in_response(
    request: Request[Any, Any, Any],
    accounts_context: AccountsContext,
    session_token: str,
    roles: list[contracts.AccountRole],
    next_path: str,
) -> Redirect:
    """The session cookie, and on to where the sign-in was asked for (or the account's own landing page)."""
    cookie = accounts_context.security.session_cookie(request, session_token)
    return Redirect(safe_next(next_path, _default_landing(roles)), status_code=303, cookies=[cookie])


def mail_language(request: Request[Any, Any, Any]) -> contracts.MailLanguage:
    """The mail a person asks for on a page comes in that page's language (Dutch unless they chose English)."""
    return "en" if request_language(request)[0] == "en" else "nl"


class AccountPages(Controller):
    include_in_schema = False

    # --- Account aanmaken ---------------------------------------------------------------------------------------

    @get("/account/aanmaken", name="sign_up")
    async def sign_up_form(self, request: Request[Any, Any, Any], accounts_context: AccountsContextDep) -> Template:
        sent = request.query_params.get("verstuurd") == "1"
        return page(
            request,
            "account/aanmaken.html",
            errors={},
            values={},
            sent=sent,
            dev_pages=accounts_context.dev_pages,
        )

    @post("/account/aanmaken", name="sign_up_post")
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[SignUpForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        values = data.posted()
        errors: FormErrors = {}
        for name in ("initials", "surname", "email", "password"):
            if not values.get(name):
                errors[name] = t(f"account.required.{name}")
        if data.password and data.password != data.password_repeat:
            errors["password_repeat"] = t("problem.password_mismatch")
        if not errors:
            try:
                await ask(
                    gateway.caller,
                    contracts.SignUp(
                        email=data.email,
                        password=data.password,
                        initials=data.initials,
                        surname=data.surname,
                        client_ip=client_ip(request),
                        language=mail_language(request),
                    ),
                )
            except RpcError as exc:
                if exc.code == "invalid_sign_up":
                    errors = problem_messages(t, exc, _ACCOUNT_FIELDS)
                elif exc.code == "sign_up_in_progress":
                    errors = {GENERAL: t("account.sign_up_in_progress")}
                else:
                    raise
        if errors:
            values.pop("password", None)
            values.pop("password_repeat", None)
            return page(
                request,
                "account/aanmaken.html",
                status_code=422,
                errors=errors,
                values=values,
                sent=False,
                dev_pages=accounts_context.dev_pages,
            )
        return Redirect("/account/aanmaken?verstuurd=1", status_code=303)

    # --- E-mailadres bevestigen ---------------------------------------------------------------------------------

    @get("/account/bevestigen", name="confirm_email")
    async def confirm_form(
        self, request: Request[Any, Any, Any], accounts_context: AccountsContextDep, token: FromQuery[str] = ""
    ) -> Template:
        # Opening the link only shows a button: a GET must not use up the single-use token (mail scanners
        # follow links), so the confirmation itself is the POST below.
        state = "form"
        if request.query_params.get("bevestigd") == "1":
            state = "confirmed"
        elif request.query_params.get("opnieuw") == "1":
            state = "resent"
        return no_store(
            page(
                request,
                "account/bevestigen.html",
                state=state,
                token=token,
                errors={},
                dev_pages=accounts_context.dev_pages,
            )
        )

    @post("/account/bevestigen", name="confirm_email_post")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[TokenForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        token = data.token
        errors: FormErrors = {}
        if not token:
            errors["token"] = t("account.confirm.token_missing")
        else:
            try:
                await ask(gateway.caller, contracts.ConfirmEmail(token=token, client_ip=client_ip(request)))
            except RpcError as exc:
                if exc.code not in ("token_invalid", "bad_request"):
                    raise
                errors["token"] = t("account.confirm.token_invalid")
        if errors:
            return no_store(
                page(
                    request,
                    "account/bevestigen.html",
                    status_code=400,
                    state="form",
                    token=token,
                    errors=errors,
                    dev_pages=accounts_context.dev_pages,
                )
            )
        return Redirect("/account/bevestigen?bevestigd=1", status_code=303)

    @post("/account/bevestigen/opnieuw", name="resend_confirmation")
    async def resend_confirmation(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[EmailForm, FORM]
    ) -> Redirect:
        if data.email:
            await ask(
                gateway.caller,
                contracts.RequestEmailConfirmation(
                    email=data.email, client_ip=client_ip(request), language=mail_language(request)
                ),
            )
        return Redirect("/account/bevestigen?opnieuw=1", status_code=303)

    # --- Inloggen en uitloggen ----------------------------------------------------------------------------------

    @get("/inloggen", name="login")
    async def login_form(
        self, request: Request[Any, Any, Any], next_path: Annotated[str, QueryParameter(name="next")] = ""
    ) -> Template:
        notice = None
        if request.query_params.get("uitgelogd") == "1":
            notice = "account.logged_out"
        elif request.query_params.get("wachtwoord") == "gewijzigd":
            notice = "account.reset.done"
        elif next_path:
            notice = "account.login.needed"
        account = web_state(request).account
        return page(
            request,
            "account/inloggen.html",
            step="password",
            values={"email": ""},
            next=next_path,
            errors={},
            notice=notice,
            resend=False,
            already=account,
        )

    @post("/inloggen", name="login_post")
    async def login(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[LoginForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        email, password = data.email, data.password
        totp_code = data.totp_code.replace(" ", "") or None
        next_path = data.next
        step = "totp" if data.step == "totp" else "password"

        def again(
            step: str, errors: FormErrors, status: int, *, resend: bool = False, retry_after: int | None = None
        ) -> Template:
            response = page(
                request,
                "account/inloggen.html",
                status_code=status,
                step=step,
                # The password goes back only into the hidden field of the TOTP step (see the template).
                values={"email": email, "password": password if step == "totp" else ""},
                next=next_path,
                errors=errors,
                notice=None,
                resend=resend,
                already=None,
            )
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return no_store(response)

        if not email or not password:
            missing = {
                name: t(f"account.required.{name}")
                for name, value in (("email", email), ("password", password))
                if not value
            }
            return again("password", missing, 422)
        if step == "totp" and not totp_code:
            return again("totp", {"totp_code": t("account.totp.missing")}, 422)
        try:
            reply = await ask(
                gateway.caller,
                contracts.Login(email=email, password=password, totp_code=totp_code, client_ip=client_ip(request)),
            )
        except RpcError as exc:
            if exc.code == "invalid_credentials":
                return again("password", {GENERAL: t("account.login.invalid")}, 401)
            if exc.code == "invalid_totp":
                return again("totp", {"totp_code": t("account.totp.invalid")}, 401)
            if exc.code == "email_not_confirmed":
                return again("password", {GENERAL: t("account.login.not_confirmed")}, 403, resend=True)
            if exc.code == "too_many_attempts":
                seconds = wait_seconds(exc)
                return again(step, {GENERAL: t("account.login.throttled", seconds=seconds)}, 429, retry_after=seconds)
            raise
        if reply.totp_required:
            return again("totp", {}, 200)
        if not reply.authenticated or not reply.session_token:
            return again("password", {GENERAL: t("account.login.invalid")}, 401)
        return signed_in_response(request, accounts_context, reply.session_token, reply.account_roles, next_path)

    @post("/uitloggen", name="logout")
    async def logout(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, accounts_context: AccountsContextDep
    ) -> Redirect:
        security = accounts_context.security
        token = web_state(request).session_token
        if token:
            # Ends the session in the registry (for every gateway), not only this browser's cookie.
            await ask(gateway.caller, contracts.EndSession(session_token=token, client_ip=client_ip(request)))
            security.authenticator.forget(token)
        return Redirect(
            "/inloggen?uitgelogd=1", status_code=303, cookies=[security.cleared_session_cookie(request.scope)]
        )

    # --- Wachtwoord vergeten en herstellen ----------------------------------------------------------------------

    @get("/account/wachtwoord-vergeten", name="forgot_password")
    async def forgot_form(self, request: Request[Any, Any, Any], accounts_context: AccountsContextDep) -> Template:
        return page(
            request,
            "account/wachtwoord_vergeten.html",
            sent=request.query_params.get("verstuurd") == "1",
            errors={},
            values={},
            dev_pages=accounts_context.dev_pages,
        )

    @post("/account/wachtwoord-vergeten", name="forgot_password_post")
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[EmailForm, FORM],
    ) -> Template | Redirect:
        if not data.email:
            return page(
                request,
                "account/wachtwoord_vergeten.html",
                status_code=422,
                sent=False,
                errors={"email": translator(request)("account.required.email")},
                values=data.posted(),
                dev_pages=accounts_context.dev_pages,
            )
        await ask(
            gateway.caller,
            contracts.RequestPasswordReset(
                email=data.email, client_ip=client_ip(request), language=mail_language(request)
            ),
        )
        return Redirect("/account/wachtwoord-vergeten?verstuurd=1", status_code=303)

    @get("/account/wachtwoord-herstellen", name="reset_password")
    async def reset_form(self, request: Request[Any, Any, Any], token: FromQuery[str] = "") -> Template:
        return no_store(page(request, "account/wachtwoord_herstellen.html", token=token, errors={}))

    @post("/account/wachtwoord-herstellen", name="reset_password_post")
    async def reset(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[ResetPasswordForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        token = data.token
        errors: FormErrors = {}
        if not token:
            errors["token"] = t("account.confirm.token_missing")
        if not data.password:
            errors["password"] = t("account.required.password")
        elif data.password != data.password_repeat:
            errors["password_repeat"] = t("problem.password_mismatch")
        if not errors:
            try:
                await ask(
                    gateway.caller,
                    contracts.ResetPassword(token=token, new_password=data.password, client_ip=client_ip(request)),
                )
            except RpcError as exc:
                if exc.code == "invalid_password":
                    errors = problem_messages(t, exc, _ACCOUNT_FIELDS)
                elif exc.code in ("token_invalid", "bad_request"):
                    errors = {"token": t("account.reset.token_invalid")}
                else:
                    raise
        if errors:
            return no_store(
                page(request, "account/wachtwoord_herstellen.html", status_code=422, token=token, errors=errors)
            )
        return Redirect("/inloggen?wachtwoord=gewijzigd", status_code=303)
