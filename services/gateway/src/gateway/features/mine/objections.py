"""Objection (bezwaar) pages: the person's `/mijn/bezwaar` (decisions open to objection, filing with reasons and
files, the state and both deadlines of their objections). The office's queue is `features/office/objections.py`.

The person's page names only the signed-in account; the registry finds the decision among the actor's own (someone
else's is "not found"). Attachments are stored as evidence files in the portfolio, as answers to reviewers are.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.types import Empty, EmptyType

from gateway.features.mine.forms import ObjectionForm
from gateway.features.reregistration.pages import upload_evidence
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import UPLOAD_FORM, problem_message, shown_on_form, translator
from gateway.web.owners import PersonDep, PortfolioOwner, current_person, current_person_from
from gateway.web.rendering import page, request_language
from gateway.web.request_ids import form_request_id
from gateway.web.uploads import FormProblem
from gateway.web.web_session import SignedInPages, client_ip, current_account
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.requests import ask

DECISION_KINDS: Final = ("registration_refused", "reregistration_refused", "audit_not_met", "suspended", "struck_off")
MAX_ATTACHMENTS: Final = 5
NOTICES: Final = {
    "ingediend": "objection.filed",
    "ontvangst": "objection.office.done.acknowledged",
    "hoorzitting": "objection.office.done.hearing",
    "verlengd": "objection.office.done.extended",
    "beslist": "objection.office.done.decided",
}


class ObjectionPages(SignedInPages):
    path = "/mijn/bezwaar"
    # Files are stored in the person's portfolio, so only a registered person may attach them (no channel recorded).
    dependencies = {"person": current_person_from("")}

    async def _render(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        problem: str | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
        person: PortfolioOwner | EmptyType | None = Empty,
    ) -> Template:
        """The page; `person` when the handler has it already (else it is looked up: a refused objection)."""
        if person is Empty:
            person = await current_person(request, gateway.caller, "")
        account = current_account(request)
        mine = await ask(gateway.caller, contracts.GetMyObjections(actor_account_id=account.account_id))
        return page(
            request,
            "mijn/bezwaar.html",
            status_code=status_code,
            mine=mine,
            open_decisions=[decision for decision in mine.decisions if decision.open_for_objection],
            problem=problem,
            values=values or {},
            notice=NOTICES.get(request.query_params.get("gedaan", "")),
            can_attach=person is not None,
            timezone=REGISTER_TIME_ZONE,
        )

    @get("", name="my_objections")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep, person: PersonDep) -> Template:
        return await self._render(request, gateway, person=person)

    @post("", name="file_objection")
    async def file(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[ObjectionForm, UPLOAD_FORM]
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = {"decision": data.decision, "reasons": data.reasons}
        kind, _, reference = values["decision"].partition(":")
        if kind not in DECISION_KINDS or not reference:
            return await self._render(
                request, gateway, problem=t("objection.problem.decision"), values=values, status_code=422
            )
        if len(values["reasons"].strip()) < 10:
            return await self._render(
                request, gateway, problem=t("objection.problem.reasons_required"), values=values, status_code=422
            )
        uploads = [upload for upload in data.attachments if upload.filename]
        if len(uploads) > MAX_ATTACHMENTS:
            problem = t("objection.problem.too_many_attachments", count=MAX_ATTACHMENTS)
            return await self._render(request, gateway, problem=problem, values=values, status_code=422)
        attachments: list[contracts.ObjectionAttachment] = []
        if uploads:
            owner = await current_person(request, gateway.caller, "")
            if owner is None:
                problem = t("objection.problem.no_portfolio")
                return await self._render(request, gateway, problem=problem, values=values, status_code=422)
            for upload in uploads:
                try:
                    stored = await upload_evidence(gateway.caller, owner, upload)
                except (RpcError, FormProblem) as exc:
                    if not shown_on_form(exc, auth_too=True):
                        raise
                    problem = problem_message(t, exc, texts="portfolio.problem", fallback="objection.problem.file")
                    return await self._render(request, gateway, problem=problem, values=values, status_code=exc.status)
                attachments.append(
                    contracts.ObjectionAttachment(evidence_id=stored.evidence_id, filename=stored.filename[:255])
                )
        try:
            await ask(
                gateway.caller,
                contracts.FileObjection(
                    actor_account_id=account.account_id,
                    client_ip=client_ip(request),
                    decision_kind=kind,  # checked against DECISION_KINDS above
                    decision_reference=reference[:100],
                    reasons=values["reasons"][:20_000],
                    attachments=attachments,
                    lang="en" if request_language(request)[0] == "en" else "nl",
                ),
                request_id=await form_request_id(request),
            )
        except RpcError as exc:
            if not shown_on_form(exc):
                raise
            problem = problem_message(t, exc, texts="objection.problem", fallback="objection.problem.other")
            return await self._render(request, gateway, problem=problem, values=values, status_code=exc.status)
        return Redirect("/mijn/bezwaar?gedaan=ingediend", status_code=303)
