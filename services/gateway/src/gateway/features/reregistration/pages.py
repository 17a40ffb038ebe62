"""The professional's re-registration page (`/mijn/herregistratie`): when they may apply, the norm check, applying
(which freezes the dossier), the dossier's status, the reviewer's questions to answer with text and evidence, a
returned dossier to resubmit, and the outcome.

Every request names only the signed-in person (their person id comes from their own registration), so there is no
id in these URLs that could point at someone else's dossier; the portfolio and the audit check ownership again.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Final

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.caller import ServiceCaller
from gateway.features.portfolio.queries import get_portfolio
from gateway.features.reregistration.forms import AnswerForm
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import UPLOAD_FORM, problem_message, shown_on_form, translator
from gateway.web.owners import PersonDep, PortfolioOwner, current_person_from
from gateway.web.rendering import page, request_language
from gateway.web.request_ids import form_request_id
from gateway.web.uploads import DOWNLOAD_CHUNK_BYTES, EvidenceUploader, FormProblem
from gateway.web.web_session import SignedInPages
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

NOTICES: Final = {
    "aangevraagd": "rereg.applied",
    "opnieuw-ingediend": "rereg.resubmitted",
    "beantwoord": "rereg.answered",
}


async def upload_evidence(
    caller: ServiceCaller, owner: PortfolioOwner, upload: UploadFile
) -> portfolio_contracts.EvidenceFile:
    """Stream a posted file into the portfolio (unattached: an answer names it) and return what was stored.

    Raises FormProblem for an empty file, RpcError for the portfolio's refusals (the upload is aborted unless the
    portfolio did so itself).
    """
    uploader = EvidenceUploader(caller, owner, upload.filename or "bewijs")
    try:
        while chunk := await upload.read(DOWNLOAD_CHUNK_BYTES):
            await uploader.write(chunk)
        return await uploader.finish()
    except RpcError as exc:
        if exc.status not in (413, 415):  # those the portfolio has aborted already
            await uploader.abort()
        raise


class ReregistrationPages(SignedInPages):
    path = "/mijn/herregistratie"
    # These pages have always recorded the client's address alone as the actor's origin (no channel).
    dependencies = {"person": current_person_from("")}

    async def _render(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        owner: PortfolioOwner | None,
        *,
        problem: str | None = None,
        problem_for: str | None = None,
        status_code: int = 200,
    ) -> Template:
        context: dict[str, Any] = {
            "registration": owner,  # the template only asks whether there is one
            "portfolio": None,
            "dossier": None,
            "requests": [],
            "judged": [],
            "can_apply": False,
            "self_check": None,
            "problem": problem,
            "problem_for": problem_for,
            "notice": NOTICES.get(request.query_params.get("gedaan", "")),
            "today": gateway.today(),
        }
        if owner is not None:
            caller = gateway.caller
            language: portfolio_contracts.Language = "en" if request_language(request)[0] == "en" else "nl"
            # Independent lookups: asked at once.
            dossier, portfolio, requests = await asyncio.gather(
                self._dossier(caller, owner),
                get_portfolio(caller, owner, language, svg=False),
                ask(caller, audit_contracts.ListInformationRequests(person_id=owner.person_id)),
            )
            # The latest dossier stays on the page with its outcome; the application part is about the current
            # cycle when that has no dossier yet (after a grant, the next cycle).
            current_cycle = portfolio.cycle.cycle_id if portfolio.cycle is not None else None
            judged: list[portfolio_contracts.PortfolioActivity] = []
            if dossier is not None:
                dossier_portfolio = portfolio
                if dossier.cycle_id != current_cycle:
                    dossier_portfolio = await get_portfolio(caller, owner, language, dossier.cycle_id, svg=False)
                in_dossier = {activity.activity_id for activity in dossier.activities}
                judged = list(
                    {
                        activity.activity_id: activity
                        for activity in dossier_portfolio.activities
                        if activity.state in {"approved", "rejected"} and activity.activity_id in in_dossier
                    }.values()
                )
            can_apply = current_cycle is not None and (dossier is None or dossier.cycle_id != current_cycle)
            context |= {
                "self_check": await self._self_check(caller, owner) if can_apply else None,
                "portfolio": portfolio,
                "dossier": dossier,
                "judged": judged,
                "requests": requests.requests,
                "can_apply": current_cycle is not None and (dossier is None or dossier.cycle_id != current_cycle),
            }
        return page(request, "herregistratie/overzicht.html", status_code=status_code, **context)

    @staticmethod
    async def _self_check(caller: ServiceCaller, owner: PortfolioOwner) -> portfolio_contracts.SelfCheckResult | None:
        """The audit's checks on the cycle to apply for (none while the portfolio knows no cycle)."""
        try:
            return await ask(caller, portfolio_contracts.SelfCheckDossier(person_id=owner.person_id, actor=owner.actor))
        except RpcError as exc:
            if exc.status != 404:
                raise
            return None

    @staticmethod
    async def _dossier(caller: ServiceCaller, owner: PortfolioOwner) -> portfolio_contracts.DossierView | None:
        try:
            return await ask(caller, portfolio_contracts.GetDossier(person_id=owner.person_id, actor=owner.actor))
        except RpcError as exc:
            if exc.status != 404:
                raise
            return None

    @get("", name="reregistration")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep, person: PersonDep) -> Template:
        return await self._render(request, gateway, person)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        owner: PortfolioOwner | None,
        command: type[portfolio_contracts.ApplyForReregistration] | type[portfolio_contracts.ResubmitDossier],
        done: str,
    ) -> Template | Redirect:
        if owner is None:
            return await self._render(request, gateway, owner, status_code=409)
        try:
            await ask(
                gateway.caller,
                command(person_id=owner.person_id, actor=owner.actor),
                request_id=await form_request_id(request),
            )
        except RpcError as exc:
            if not shown_on_form(exc, auth_too=True):
                raise
            t = translator(request)
            problem = problem_message(t, exc, texts="rereg.problem", fallback="rereg.problem.other")
            return await self._render(request, gateway, owner, problem=problem, status_code=exc.status)
        return Redirect(f"/mijn/herregistratie?gedaan={done}", status_code=303)

    @post("/aanvragen", name="reregistration_apply")
    async def apply(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, person: PersonDep
    ) -> Template | Redirect:
        return await self._act(request, gateway, person, portfolio_contracts.ApplyForReregistration, "aangevraagd")

    @post("/opnieuw-indienen", name="reregistration_resubmit")
    async def resubmit(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, person: PersonDep
    ) -> Template | Redirect:
        return await self._act(request, gateway, person, portfolio_contracts.ResubmitDossier, "opnieuw-ingediend")

    @post("/vragen/{case_id:uuid}/{activity_id:uuid}", name="reregistration_answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        case_id: FromPath[uuid.UUID],
        activity_id: FromPath[uuid.UUID],
        person: PersonDep,
        data: Annotated[AnswerForm, UPLOAD_FORM],
    ) -> Template | Redirect:
        t = translator(request)
        if person is None:
            return await self._render(request, gateway, person, status_code=409)
        text, upload = data.answer, data.evidence
        target = str(activity_id)
        evidence_ids: list[uuid.UUID] = []
        if upload is not None and upload.filename:
            try:
                stored = await upload_evidence(gateway.caller, person, upload)
            except (RpcError, FormProblem) as exc:
                if not shown_on_form(exc, auth_too=True):
                    raise
                # The portfolio's own texts for its refusals (too large, wrong type, no storage left), in the page's
                # language; anything else as "could not be stored" with the service's words.
                problem = problem_message(t, exc, texts="portfolio.problem", fallback="rereg.problem.evidence")
                return await self._render(
                    request, gateway, person, problem=problem, problem_for=target, status_code=exc.status
                )
            evidence_ids.append(stored.evidence_id)
        if not text and not evidence_ids:
            problem = t("rereg.problem.answer_required")
            return await self._render(request, gateway, person, problem=problem, problem_for=target, status_code=422)
        try:
            await ask(
                gateway.caller,
                audit_contracts.AnswerInformationRequest(
                    person_id=person.person_id,
                    case_id=case_id,
                    activity_id=activity_id,
                    text=text,
                    evidence_ids=evidence_ids,
                ),
                request_id=await form_request_id(request),
            )
        except RpcError as exc:
            if not shown_on_form(exc, auth_too=True):
                raise
            problem = problem_message(t, exc, texts="rereg.problem", fallback="rereg.problem.other")
            return await self._render(
                request, gateway, person, problem=problem, problem_for=target, status_code=exc.status
            )
        return Redirect("/mijn/herregistratie?gedaan=beantwoord", status_code=303)
