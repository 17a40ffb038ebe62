"""The office's overview of re-registration applications and decisions, with cycle extensions for illness or
pregnancy (`/beheer/herregistraties`), and the public anonymised audit statistics (`/statistieken/audit`).

The office pages are kept to accounts with the `office` role; the registry checks the role again on every request.
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from gateway.features.office.forms import CycleExtensionForm
from gateway.features.office.pages import OfficeController, office_page
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM, FormAgain, FormErrors, shown_on_form, translator
from gateway.web.recorded_words import reason_words
from gateway.web.rendering import page
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import client_ip, current_account
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

STATUSES: Final = ("pending", "awaiting_dossier", "granted", "not_granted", "refused", "superseded")
REASONS: Final = ("illness", "pregnancy")


class OfficeReregistrationPages(OfficeController):
    path = "/beheer/herregistraties"

    async def _render(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, again: FormAgain | None = None
    ) -> Template:
        """The overview; `again` when a refused extension form is shown with its messages and values."""
        account = current_account(request)
        status = request.query_params.get("status") or None
        if status not in STATUSES:
            status = None
        listing = await ask(
            gateway.caller, contracts.ListReregistrations(actor_account_id=account.account_id, status=status)
        )
        rules = gateway.scheme.version_in_force(gateway.today()).reregistration
        query = request.query_params
        extended = None
        if query.get("verlengd"):
            extended = {
                "number": query.get("verlengd", ""),
                "ends": query.get("tot", ""),
                "used": query.get("gebruikt", ""),
                "max": query.get("max", ""),
            }
        return office_page(
            request,
            "beheer/herregistraties.html",
            status_code=again.status_code if again else 200,
            applications=listing.applications,
            truncated=listing.truncated,
            status=status,
            statuses=STATUSES,
            reasons=REASONS,
            max_weeks=rules.max_extension_weeks,
            errors=again.errors if again else {},
            values=again.values if again else {},
            extended=extended,
            refused=query.get("afgewezen") or None,
            reason_words=reason_words,
        )

    @get("", name="office_reregistrations")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._render(request, gateway)

    @post("/verlenging", name="office_extend_cycle")
    async def extend(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[CycleExtensionForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        errors: FormErrors = {}
        number = data.registration_number.replace(" ", "")
        reason = data.reason
        case_reference = data.case_reference
        weeks_text = data.weeks
        if not number:
            errors["registration_number"] = t("office.extend.problem.number")
        if reason not in REASONS:
            errors["reason"] = t("office.extend.problem.reason")
        weeks = int(weeks_text) if weeks_text.isdigit() else 0
        if not 1 <= weeks <= 520:
            errors["weeks"] = t("office.extend.problem.weeks")
        if not case_reference:
            errors["case_reference"] = t("office.extend.problem.case")
        if data.decision == "refuse":
            refusal_reasons = data.refusal_reasons
            if len(refusal_reasons) < 10:
                errors["refusal_reasons"] = t("office.extend.problem.refusal_reasons")
            if errors:
                return await self._render(request, gateway, FormAgain(errors, values))
            return await self._refuse(request, gateway, values, number, reason, weeks, case_reference, refusal_reasons)
        if not errors:
            try:
                recorded = await ask(
                    gateway.caller,
                    contracts.ExtendCycle(
                        actor_account_id=account.account_id,
                        client_ip=client_ip(request),
                        registration_number=number,
                        reason=reason,  # checked against REASONS above
                        weeks=weeks,
                        case_reference=case_reference[:100],
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if not shown_on_form(exc):
                    raise
                rules = gateway.scheme.version_in_force(gateway.today()).reregistration
                key = f"office.extend.problem.{exc.code}"
                text = t(key, weeks=rules.max_extension_weeks)
                field = "weeks" if exc.code == "extension_limit_exceeded" else "registration_number"
                errors[field] = text if text != key else exc.message
            else:
                query = urlencode(
                    {
                        "verlengd": recorded.registration_number,
                        "tot": t.date(recorded.cycle.ends_on),
                        "gebruikt": recorded.weeks_granted_for_case,
                        "max": recorded.max_weeks_per_case,
                    }
                )
                return Redirect(f"/beheer/herregistraties?{query}#verlengen", status_code=303)
        return await self._render(request, gateway, FormAgain(errors, values))

    async def _refuse(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        values: dict[str, str],
        number: str,
        reason: str,
        weeks: int,
        case_reference: str,
        refusal_reasons: str,
    ) -> Template | Redirect:
        """The office refuses the request: a decision with reasons the professional can object to."""
        t = translator(request)
        try:
            refused = await ask(
                gateway.caller,
                contracts.RefuseCycleExtension(
                    actor_account_id=current_account(request).account_id,
                    client_ip=client_ip(request),
                    registration_number=number,
                    reason=reason,  # checked against REASONS by the caller
                    weeks=weeks,
                    case_reference=case_reference[:100],
                    reasons=refusal_reasons[:10_000],
                ),
                request_id=await form_request_id(request),
            )
        except RpcError as exc:
            if not shown_on_form(exc):
                raise
            key = f"office.extend.problem.{exc.code}"
            text = t(key)
            field = "refusal_reasons" if exc.code.startswith("reasons_") else "registration_number"
            errors: FormErrors = {field: text if text != key else exc.message}
            return await self._render(request, gateway, FormAgain(errors, values))
        query = urlencode({"afgewezen": refused.registration_number})
        return Redirect(f"/beheer/herregistraties?{query}#verlengen", status_code=303)


class AuditStatisticsPage(Controller):
    include_in_schema = False

    @get("/statistieken/audit", name="audit_statistics")
    async def statistics(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        figures = await ask(gateway.caller, audit_contracts.GetAuditStatistics())
        objections = await ask(gateway.caller, contracts.GetObjectionStatistics())
        # One objection flow, one count: people's objections (registry) and providers' (accreditation) per year.
        totals: dict[int, dict[str, int]] = {}
        providers: list[accreditation_contracts.CourseObjectionYear]
        try:
            providers = (await ask(gateway.caller, accreditation_contracts.GetCourseObjectionStatistics())).years
        except RpcError:
            providers = []  # the accreditation service cannot say now: the registry's figures still show
        years: list[contracts.ObjectionYear | accreditation_contracts.CourseObjectionYear] = [
            *objections.years,
            *providers,
        ]
        for year in years:
            counts = totals.setdefault(year.year, {"filed": 0, "upheld": 0, "not_upheld": 0, "open": 0})
            for key in counts:
                counts[key] += getattr(year, key)
        return page(
            request,
            "audit_statistieken.html",
            years=list(reversed(figures.years)),
            objection_years=[
                contracts.ObjectionYear(year=year, **counts) for year, counts in sorted(totals.items(), reverse=True)
            ],
        )
