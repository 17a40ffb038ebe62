"""The administrator's page (`/beheer/accounts`): find an account by its e-mail address, see its roles and whether its
second factor (TOTP) is enrolled, set its staff roles with checkboxes, and the list of every staff account.

The registry decides (`FindAccount`, `SetAccountRoles`, `ListStaffAccounts`: administrator only, checked again there,
refusals audited; the last administrator cannot lose the role). A change of roles ends the account's sessions; a staff
role given to an account without TOTP mails it a one-time link to enrol one (`/account/tweede-stap` in
`features/accounts/second_factor.py`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.admin.forms import RolesForm
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM, GENERAL, FormErrors, translator
from gateway.web.rendering import page
from gateway.web.web_session import client_ip, current_account, role_required
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

STAFF_ROLES: Final[tuple[contracts.StaffRole, ...]] = (
    "office",
    "accreditation_committee",
    "assessment_committee",
    "administrator",
)
_MAX_EMAIL_LENGTH: Final = 254


class AdminAccountPages(Controller):
    path = "/beheer/accounts"
    include_in_schema = False
    guards = [role_required("administrator")]

    async def _render(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        email: str,
        found: contracts.AccountView | None = None,
        errors: FormErrors | None = None,
        saved: bool = False,
        status_code: int = 200,
    ) -> Template:
        actor = current_account(request)
        staff = await ask(gateway.caller, contracts.ListStaffAccounts(actor_account_id=actor.account_id))
        return page(
            request,
            "beheer/accounts.html",
            status_code=status_code,
            email=email,
            found=found,
            staff_roles=STAFF_ROLES,
            staff=staff.accounts,
            errors=errors or {},
            saved=saved,
        )

    async def _find(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, email: str
    ) -> contracts.AccountView | None:
        try:
            return await ask(
                gateway.caller, contracts.FindAccount(actor_account_id=current_account(request).account_id, email=email)
            )
        except RpcError as exc:
            if exc.code == "account_not_found":
                return None
            raise

    @get("", name="admin_accounts")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        t = translator(request)
        email = request.query_params.get("email", "").strip()[:_MAX_EMAIL_LENGTH]
        found = await self._find(request, gateway, email) if email else None
        errors: FormErrors = {}
        if email and found is None:
            errors["email"] = t("admin.accounts.not_found")
        return await self._render(
            request,
            gateway,
            email=email,
            found=found,
            errors=errors,
            saved=request.query_params.get("opgeslagen") == "1",
            status_code=404 if errors else 200,
        )

    @post("/{account_id:uuid}/rollen", name="admin_set_roles")
    async def set_roles(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        account_id: FromPath[uuid.UUID],
        data: Annotated[RolesForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        email = data.email[:_MAX_EMAIL_LENGTH]
        roles = data.roles
        unknown = [role for role in roles if role not in STAFF_ROLES]
        errors: FormErrors = {}
        status = 422
        if unknown:
            errors[GENERAL] = t("admin.accounts.problem.unknown_role")
        else:
            try:
                view = await ask(
                    gateway.caller,
                    contracts.SetAccountRoles(
                        actor_account_id=current_account(request).account_id,
                        account_id=account_id,
                        roles=sorted(set(roles)),
                        client_ip=client_ip(request),
                    ),
                )
            except RpcError as exc:
                if exc.code not in ("last_administrator", "account_not_found", "unknown_role"):
                    raise
                errors[GENERAL] = t(f"admin.accounts.problem.{exc.code}")
                status = exc.status
            else:
                query = urlencode({"email": view.email, "opgeslagen": "1"})
                return Redirect(f"/beheer/accounts?{query}", status_code=303)
        found = await self._find(request, gateway, email) if email else None
        return await self._render(request, gateway, email=email, found=found, errors=errors, status_code=status)
