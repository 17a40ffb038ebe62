"""Erasing one's account on request: `/mijn/account-verwijderen` explains what goes and what stays and asks for a
confirmation (a checked box and a POST); the registry refuses a person with a registration or a pending application,
and the page says why. After the erasure the session is gone: the browser is signed out and sent to a public page
that says it is done.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from gateway.features.mine.forms import ErasureForm
from gateway.service_layer.context import GatewayDep
from gateway.web.accounts_context import AccountsContextDep
from gateway.web.forms import FORM, FormErrors, translator
from gateway.web.rendering import page
from gateway.web.web_session import SignedInPages, client_ip, current_account, web_state
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)

REFUSALS = frozenset({"registration_running", "registration_kept", "application_pending", "staff_account"})


async def my_retention(gateway: GatewayDep, request: Request[Any, Any, Any]) -> contracts.RetentionSchedule | None:
    """What the register keeps of the signed-in person, or None when the registry does not answer now (the
    pages render without the table rather than failing)."""
    try:
        return await ask(gateway.caller, contracts.GetMyRetention(actor_account_id=current_account(request).account_id))
    except RpcError as exc:
        log.warning("page without the retention table: %s (%s)", exc.message, exc.code)
        return None


class ErasurePages(SignedInPages):
    async def _form(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        errors: FormErrors | None = None,
        refusal: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "mijn/verwijderen.html",
            status_code=status_code,
            errors=errors or {},
            refusal=refusal,
            retention=await my_retention(gateway, request),
        )

    @get("/mijn/account-verwijderen", name="mine_erase")
    async def confirm_page(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._form(request, gateway)

    @post("/mijn/account-verwijderen", name="mine_erase_post")
    async def erase(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[ErasureForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        if data.confirm != "yes":
            errors: FormErrors = {"confirm": t("erase.not_confirmed")}
            return await self._form(request, gateway, errors=errors, status_code=422)
        try:
            await ask(
                gateway.caller,
                contracts.EraseMyAccount(
                    actor_account_id=current_account(request).account_id, client_ip=client_ip(request), confirm=True
                ),
            )
        except RpcError as exc:
            codes = [problem.code for problem in exc.problems]
            if exc.code == "erasure_refused" and codes and codes[0] in REFUSALS:
                return await self._form(request, gateway, refusal=codes[0], status_code=409)
            raise
        security = accounts_context.security
        token = web_state(request).session_token
        if token:
            # The registry deleted every session of the account; this gateway forgets its cached answer too.
            security.authenticator.forget(token)
        return Redirect(
            "/account/verwijderd", status_code=303, cookies=[security.cleared_session_cookie(request.scope)]
        )


class ErasureDonePage(Controller):
    include_in_schema = False

    @get("/account/verwijderd", name="erased")
    async def done(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "mijn/verwijderd.html")
