"""The register office's pages (beheer): the application queue with decisions, the working total per year, and the
eligibility notices. The gateway keeps them to accounts with the `office` role; the registry checks the role
again on every request (and audits refusals), so these guards are the first line, not the only one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from gateway.features.office.forms import ApplicationDecisionForm, WorkingTotalForm
from gateway.service_layer.context import GatewayDep
from gateway.web.confirmation import confirmation_page, is_confirmed
from gateway.web.forms import FORM, FormErrors, problem_messages, translator
from gateway.web.rendering import page
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import client_ip, current_account, role_required
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

ROLES: Final = ("leerplichtambtenaar", "rmc_medewerker")
OFFICE_NAVIGATION: Final = (
    ("office.nav.applications", "/beheer/aanvragen"),
    ("office.nav.working_total", "/beheer/werkzame-professionals"),
    ("office.nav.notices", "/beheer/signaleringen"),
    ("office.nav.reviewers", "/beheer/beoordelaars"),
    ("office.rereg.link", "/beheer/herregistraties"),
    ("objection.office.nav", "/beheer/bezwaren"),
)


def office_page(request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any) -> Template:
    """Render an office page with the office's sub-navigation (`beheer/_nav.html`)."""
    path = request.url.path
    office_navigation = [
        {"label": key, "href": href, "current": path.startswith(href)} for key, href in OFFICE_NAVIGATION
    ]
    return page(request, template, status_code=status_code, office_navigation=office_navigation, **context)


class OfficeController(Controller):
    """The frame of the office's page controllers: HTML only (not in the OpenAPI document), for accounts with the
    `office` role."""

    include_in_schema = False
    guards = [role_required("office")]


class OfficePages(OfficeController):
    path = "/beheer"

    # --- Aanvragen ----------------------------------------------------------------------------------------------

    async def _queue(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        errors: dict[str, FormErrors] | None = None,
        reasons: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        account = current_account(request)
        queue = await ask(gateway.caller, contracts.ListPendingApplications(actor_account_id=account.account_id))
        return office_page(
            request,
            "beheer/aanvragen.html",
            status_code=status_code,
            applications=queue.applications,
            errors=errors or {},
            reasons=reasons or {},
            approved=request.query_params.get("goedgekeurd"),
            rejected=request.query_params.get("afgewezen") == "1",
            already_decided=request.query_params.get("al-besloten") == "1",
        )

    @get("/aanvragen", name="office_applications")
    async def applications(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._queue(request, gateway)

    @post("/aanvragen/{application_id:uuid}/besluit", name="office_decide")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        application_id: FromPath[uuid.UUID],
        data: Annotated[ApplicationDecisionForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        decision = data.decision
        reason = data.reason
        key = str(application_id)
        problem: FormErrors = {}
        if decision not in ("approve", "reject"):
            problem = {"_": t("office.decision.choose")}
        elif decision == "reject" and not reason:
            problem = {"reason": t("office.decision.reason_required")}
        if not problem and not is_confirmed(values):
            queue = await ask(gateway.caller, contracts.ListPendingApplications(actor_account_id=account.account_id))
            application = next((a for a in queue.applications if a.application_id == application_id), None)
            if application is None:
                return Redirect("/beheer/aanvragen?al-besloten=1", status_code=303)
            facts = [
                (t("office.confirm.applicant"), f"{application.applicant_initials} {application.applicant_surname}"),
                (t("application.field.employer"), application.employer_name),
                (t("application.field.hours"), t.number(application.hours_per_week)),
            ]
            if reason:
                facts.append((t("office.decision.reason"), reason))
            return confirmation_page(
                request,
                action=f"/beheer/aanvragen/{application_id}/besluit",
                values=values,
                title=t(f"confirm.office_{decision}.title"),
                consequence=t(f"confirm.office_{decision}.consequence"),
                confirm_label=t(f"confirm.office_{decision}.confirm"),
                cancel_href="/beheer/aanvragen",
                facts=facts,
            )
        if not problem:
            try:
                reply = await ask(
                    gateway.caller,
                    contracts.DecideApplication(
                        actor_account_id=account.account_id,
                        client_ip=client_ip(request),
                        application_id=application_id,
                        decision=decision,
                        reason=reason,
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.code == "already_decided":
                    return Redirect("/beheer/aanvragen?al-besloten=1", status_code=303)
                if exc.code == "invalid_decision":
                    problem = problem_messages(t, exc, {}) or {"reason": t("office.decision.reason_required")}
                elif exc.code in ("own_application", "already_registered", "struck_off", "not_found"):
                    problem = {"_": t(f"problem.{exc.code}")}
                else:
                    raise
            else:
                if reply.status == "approved":
                    return Redirect(f"/beheer/aanvragen?goedgekeurd={reply.registration_number or ''}", status_code=303)
                return Redirect("/beheer/aanvragen?afgewezen=1", status_code=303)
        return await self._queue(request, gateway, errors={key: problem}, reasons={key: reason}, status_code=422)

    # --- Werkzame professionals ---------------------------------------------------------------------------------

    async def _working_total_page(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        year: int,
        *,
        errors: FormErrors | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        statistics = await ask(gateway.caller, contracts.GetStatistics(year=year))
        if values is None:
            values = {
                "year": str(year),
                "total": str(statistics.working_total) if statistics.working_total is not None else "",
                **{role: str(statistics.working_total_per_role.get(role, "")) for role in ROLES},
            }
        saved = request.query_params.get("opgeslagen")
        return office_page(
            request,
            "beheer/werkzame_professionals.html",
            status_code=status_code,
            statistics=statistics,
            year=year,
            years=list(range(gateway.today().year + 1, gateway.today().year - 6, -1)),
            roles=ROLES,
            errors=errors or {},
            values=values,
            saved=saved,
        )

    @get("/werkzame-professionals", name="office_working_total")
    async def working_total(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, jaar: FromQuery[int | None] = None
    ) -> Template:
        return await self._working_total_page(request, gateway, jaar or gateway.today().year)

    @post("/werkzame-professionals", name="office_working_total_post")
    async def set_working_total(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[WorkingTotalForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        errors: FormErrors = {}

        def whole(name: str, *, required: bool) -> int | None:
            text = values.get(name, "").replace(".", "").replace(" ", "")
            if not text:
                if required:
                    errors[name] = t("office.working_total.required")
                return None
            if not text.isdigit():
                errors[name] = t("office.working_total.whole_number")
                return None
            return int(text)

        year = whole("year", required=True)
        total = whole("total", required=True)
        per_role = {role: count for role in ROLES if (count := whole(role, required=False)) is not None}
        if not errors and year is not None and total is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.SetWorkingTotal(
                        actor_account_id=account.account_id,
                        client_ip=client_ip(request),
                        year=year,
                        total=total,
                        per_role=per_role,
                    ),
                )
            except RpcError as exc:
                if exc.code not in ("invalid_working_total", "bad_request"):
                    raise
                errors = {"total": t("office.working_total.invalid", detail=exc.message)}
            else:
                return Redirect(f"/beheer/werkzame-professionals?jaar={year}&opgeslagen={year}", status_code=303)
        shown_year = year if year is not None else gateway.today().year
        return await self._working_total_page(
            request, gateway, shown_year, errors=errors, values=values, status_code=422
        )

    # --- Signaleringen ------------------------------------------------------------------------------------------

    @get("/signaleringen", name="office_notices")
    async def notices(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        account = current_account(request)
        reply = await ask(gateway.caller, contracts.ListEligibilityNotices(actor_account_id=account.account_id))
        return office_page(request, "beheer/signaleringen.html", notices=reply.notices)
