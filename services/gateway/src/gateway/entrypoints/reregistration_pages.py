"""The professional's re-registration page (`/mijn/herregistratie`): when they may apply, the norm check, applying
(which freezes the dossier), the dossier's status, the reviewer's questions to answer with text and evidence, a
returned dossier to resubmit, and the outcome.

Every request names only the signed-in person (their person id comes from their own registration), so there is no
id in these URLs that could point at someone else's dossier; the portfolio and the audit check ownership again.
"""

from __future__ import annotations

import base64
import contextlib
import uuid
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.caller import ServiceCaller
from gateway.entrypoints.forms import translator
from gateway.entrypoints.mine_pages import optional
from gateway.entrypoints.rendering import page, request_language
from gateway.entrypoints.web_session import client_ip, current_account, signed_in
from gateway.i18n import Translator
from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import expect
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.kit.rpc import RpcError

# Upload chunks stay under the portfolio's maximum chunk (256 KiB before base64).
UPLOAD_CHUNK_BYTES: Final = 256 * 1024
NOTICES: Final = {
    "aangevraagd": "rereg.applied",
    "opnieuw-ingediend": "rereg.resubmitted",
    "beantwoord": "rereg.answered",
}


def problem_text(t: Translator, prefix: str, exc: RpcError) -> str:
    """A service refusal in the page's language: a known code has its own text, others say what the service said."""
    key = f"{prefix}.problem.{exc.code}"
    text = t(key, detail=exc.message)
    return text if text != key else t("rereg.problem.other", detail=exc.message)


async def _person(caller: ServiceCaller, account_id: uuid.UUID) -> registry_contracts.RegistrationView | None:
    return await optional(
        caller,
        registry_contracts.GetMyRegistration(actor_account_id=account_id),
        registry_contracts.RegistrationView,
        "not_registered",
    )


async def upload_evidence(
    caller: ServiceCaller, actor: portfolio_contracts.Actor, upload: UploadFile
) -> portfolio_contracts.EvidenceFile:
    """Stream a posted file into the portfolio (unattached: an answer names it) and return what was stored."""
    person_id = actor.person_id
    started = expect(
        await caller.call(
            "portfolio",
            portfolio_contracts.BeginEvidenceUpload(
                person_id=person_id, actor=actor, filename=(upload.filename or "bewijs")[:255]
            ),
        ),
        portfolio_contracts.EvidenceUploadStarted,
        "portfolio",
    )
    chunk_size = min(UPLOAD_CHUNK_BYTES, started.max_chunk_bytes)
    seq = 0
    try:
        while chunk := await upload.read(chunk_size):
            await caller.call(
                "portfolio",
                portfolio_contracts.AppendEvidenceChunk(
                    person_id=person_id,
                    actor=actor,
                    upload_id=started.upload_id,
                    seq=seq,
                    data=base64.b64encode(chunk).decode("ascii"),
                ),
            )
            seq += 1
        stored = expect(
            await caller.call(
                "portfolio",
                portfolio_contracts.CompleteEvidenceUpload(
                    person_id=person_id, actor=actor, upload_id=started.upload_id
                ),
            ),
            portfolio_contracts.EvidenceStored,
            "portfolio",
        )
    except RpcError:
        # An upload the portfolio aborted already (or one that is gone) needs no more cleaning up.
        with contextlib.suppress(RpcError):
            await caller.call(
                "portfolio",
                portfolio_contracts.AbortEvidenceUpload(person_id=person_id, actor=actor, upload_id=started.upload_id),
            )
        raise
    return stored.evidence


class ReregistrationPages(Controller):
    path = "/mijn/herregistratie"
    include_in_schema = False
    guards = [signed_in]

    async def _render(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        problem: str | None = None,
        problem_for: str | None = None,
        status_code: int = 200,
    ) -> Template:
        account = current_account(request)
        caller = gateway.caller
        registration = await _person(caller, account.account_id)
        context: dict[str, Any] = {
            "registration": registration,
            "portfolio": None,
            "dossier": None,
            "requests": [],
            "judged": [],
            "can_apply": False,
            "problem": problem,
            "problem_for": problem_for,
            "notice": NOTICES.get(request.query_params.get("gedaan", "")),
            "today": gateway.today(),
        }
        if registration is not None:
            person_id = registration.person_id
            actor = portfolio_contracts.Actor(person_id=person_id, role="professional", origin=client_ip(request))
            language = "en" if request_language(request)[0] == "en" else "nl"
            try:
                dossier: portfolio_contracts.DossierView | None = expect(
                    await caller.call("portfolio", portfolio_contracts.GetDossier(person_id=person_id, actor=actor)),
                    portfolio_contracts.DossierView,
                    "portfolio",
                )
            except RpcError as exc:
                if exc.status != 404:
                    raise
                dossier = None
            portfolio = await self._portfolio(caller, actor, None, language)
            # The latest dossier stays on the page with its outcome; the application part is about the current
            # cycle when that has no dossier yet (after a grant, the next cycle).
            dossier_portfolio = portfolio
            if dossier is not None and (portfolio.cycle is None or dossier.cycle_id != portfolio.cycle.cycle_id):
                dossier_portfolio = await self._portfolio(caller, actor, dossier.cycle_id, language)
            context["can_apply"] = portfolio.cycle is not None and (
                dossier is None or dossier.cycle_id != portfolio.cycle.cycle_id
            )
            requests = expect(
                await caller.call("audit", audit_contracts.ListInformationRequests(person_id=person_id)),
                audit_contracts.InformationRequestList,
                "audit",
            )
            judged = (
                {}
                if dossier is None
                else {
                    activity.activity_id: activity
                    for activity in dossier_portfolio.activities
                    if activity.state in {"approved", "rejected"}
                    and activity.activity_id in {a.activity_id for a in dossier.activities}
                }
            )
            context |= {
                "portfolio": portfolio,
                "dossier": dossier,
                "judged": list(judged.values()),
                "requests": requests.requests,
            }
        return page(request, "herregistratie/overzicht.html", status_code=status_code, **context)

    @staticmethod
    async def _portfolio(
        caller: ServiceCaller, actor: portfolio_contracts.Actor, cycle_id: uuid.UUID | None, language: str
    ) -> portfolio_contracts.Portfolio:
        return expect(
            await caller.call(
                "portfolio",
                portfolio_contracts.GetPortfolio(
                    person_id=actor.person_id,
                    actor=actor,
                    cycle_id=cycle_id,
                    language="en" if language == "en" else "nl",
                    include_svg=False,
                ),
            ),
            portfolio_contracts.Portfolio,
            "portfolio",
        )

    @get("", name="reregistration")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._render(request, gateway)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        command: type[portfolio_contracts.ApplyForReregistration] | type[portfolio_contracts.ResubmitDossier],
        done: str,
    ) -> Template | Redirect:
        account = current_account(request)
        registration = await _person(gateway.caller, account.account_id)
        if registration is None:
            return await self._render(request, gateway, status_code=409)
        actor = portfolio_contracts.Actor(
            person_id=registration.person_id, role="professional", origin=client_ip(request)
        )
        try:
            await gateway.caller.call("portfolio", command(person_id=registration.person_id, actor=actor))
        except RpcError as exc:
            if not 400 <= exc.status < 500:
                raise
            t = translator(request)
            return await self._render(request, gateway, problem=problem_text(t, "rereg", exc), status_code=exc.status)
        return Redirect(f"/mijn/herregistratie?gedaan={done}", status_code=303)

    @post("/aanvragen", name="reregistration_apply")
    async def apply(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template | Redirect:
        return await self._act(request, gateway, portfolio_contracts.ApplyForReregistration, "aangevraagd")

    @post("/opnieuw-indienen", name="reregistration_resubmit")
    async def resubmit(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template | Redirect:
        return await self._act(request, gateway, portfolio_contracts.ResubmitDossier, "opnieuw-ingediend")

    @post("/vragen/{case_id:uuid}/{activity_id:uuid}", name="reregistration_answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        case_id: FromPath[uuid.UUID],
        activity_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        registration = await _person(gateway.caller, account.account_id)
        if registration is None:
            return await self._render(request, gateway, status_code=409)
        form = await request.form()
        text = form.get("answer")
        text = text.strip() if isinstance(text, str) else ""
        upload = form.get("evidence")
        actor = portfolio_contracts.Actor(
            person_id=registration.person_id, role="professional", origin=client_ip(request)
        )
        target = str(activity_id)
        evidence_ids: list[uuid.UUID] = []
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                stored = await upload_evidence(gateway.caller, actor, upload)
            except RpcError as exc:
                if not 400 <= exc.status < 500:
                    raise
                problem = t("rereg.problem.evidence", detail=exc.message)
                return await self._render(request, gateway, problem=problem, problem_for=target, status_code=exc.status)
            evidence_ids.append(stored.evidence_id)
        if not text and not evidence_ids:
            problem = t("rereg.problem.answer_required")
            return await self._render(request, gateway, problem=problem, problem_for=target, status_code=422)
        try:
            await gateway.caller.call(
                "audit",
                audit_contracts.AnswerInformationRequest(
                    person_id=registration.person_id,
                    case_id=case_id,
                    activity_id=activity_id,
                    text=text,
                    evidence_ids=evidence_ids,
                ),
            )
        except RpcError as exc:
            if not 400 <= exc.status < 500:
                raise
            problem = problem_text(t, "rereg", exc)
            return await self._render(request, gateway, problem=problem, problem_for=target, status_code=exc.status)
        return Redirect("/mijn/herregistratie?gedaan=beantwoord", status_code=303)
