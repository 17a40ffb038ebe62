"""The assessment committee's pages (`/beoordeling`): my cases, one case with its sampled activities and their
evidence, and judging each activity (approve, reject with a reason, ask for more information).

The reviewer is the signed-in account (`reviewer_id` = account id), registered with the audit by the office
(`/beheer/beoordelaars`); until then the case list says so instead of staying silently empty. The audit answers only
the assigned reviewer (403 not_assigned), and the portfolio serves a file only when the audit granted this reviewer's
case access to it (ReadReviewEvidenceChunk); the role guard here is the first line, not the only one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.review.forms import JudgementForm
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM, problem_message, translator
from gateway.web.owners import ReviewerDep, current_reviewer
from gateway.web.rendering import page, request_language
from gateway.web.request_ids import form_request_id
from gateway.web.uploads import stream_evidence
from gateway.web.web_session import client_ip, current_account, role_required
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

VERDICTS: Final = ("approved", "rejected", "more_information_needed")


class ReviewPages(Controller):
    path = "/beoordeling"
    include_in_schema = False
    guards = [role_required("assessment_committee")]
    dependencies = {"reviewer": Provide(current_reviewer, sync_to_thread=False)}

    @get("", name="review_cases")
    async def cases(self, request: Request[Any, Any, Any], gateway: GatewayDep, reviewer: ReviewerDep) -> Template:
        account = current_account(request)
        cases = await ask(
            gateway.caller, audit_contracts.ListMyCases(reviewer_id=account.account_id, include_closed=True)
        )
        # Without an open case, say why: the office may not have registered this member with the audit yet
        # (/beheer/beoordelaars), or made them inactive. With open cases the member is a reviewer: no extra call.
        reviewer_state: str | None = None
        if all(case.status == "concluded" for case in cases.cases):
            me = await reviewer()
            reviewer_state = "not_registered" if me is None else None if me.active else "inactive"
        return page(request, "beoordeling/zaken.html", cases=cases.cases, reviewer_state=reviewer_state)

    async def _case(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        case_id: uuid.UUID,
        *,
        problem: str | None = None,
        problem_for: str | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        account = current_account(request)
        case = await ask(gateway.caller, audit_contracts.GetCase(case_id=case_id, reviewer_id=account.account_id))
        english = request_language(request)[0] == "en"
        scheme = gateway.scheme.version_in_force(gateway.today())
        type_labels = {kind.key: kind.label_en if english else kind.label_nl for kind in scheme.a2_types}
        return page(
            request,
            "beoordeling/zaak.html",
            type_labels=type_labels,
            status_code=status_code,
            case=case,
            problem=problem,
            problem_for=problem_for,
            values=values or {},
            judged=request.query_params.get("beoordeeld"),
            verdicts=VERDICTS,
        )

    @get("/zaken/{case_id:uuid}", name="review_case")
    async def case(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, case_id: FromPath[uuid.UUID]
    ) -> Template:
        return await self._case(request, gateway, case_id)

    @post("/zaken/{case_id:uuid}/activiteiten/{activity_id:uuid}", name="review_judge")
    async def judge(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        case_id: FromPath[uuid.UUID],
        activity_id: FromPath[uuid.UUID],
        data: Annotated[JudgementForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        verdict, reason = data.verdict, data.reason
        target = str(activity_id)
        if verdict not in VERDICTS:
            return await self._case(
                request,
                gateway,
                case_id,
                problem=t("review.problem.verdict"),
                problem_for=target,
                values=values,
                status_code=422,
            )
        try:
            await ask(
                gateway.caller,
                audit_contracts.JudgeActivity(
                    case_id=case_id,
                    activity_id=activity_id,
                    reviewer_id=account.account_id,
                    verdict=verdict,  # checked against VERDICTS above
                    reason=reason[:4000],
                ),
                request_id=await form_request_id(request),
            )
        except RpcError as exc:
            if exc.status not in {409, 422}:
                raise
            return await self._case(
                request,
                gateway,
                case_id,
                problem=problem_message(t, exc, texts="review.problem", fallback="rereg.problem.other"),
                problem_for=target,
                values=values,
                status_code=exc.status,
            )
        return Redirect(
            f"/beoordeling/zaken/{case_id}?beoordeeld={activity_id}#activiteit-{activity_id}", status_code=303
        )

    @get("/zaken/{case_id:uuid}/bewijs/{evidence_id:uuid}", name="review_evidence")
    async def evidence(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        case_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """Stream an evidence file from the portfolio, range by range; the portfolio checks the reviewer's grant."""
        account = current_account(request)
        actor = portfolio_contracts.Actor(person_id=account.account_id, role="reviewer", origin=client_ip(request))
        caller = gateway.caller

        def read(offset: int) -> portfolio_contracts.ReadReviewEvidenceChunk:
            return portfolio_contracts.ReadReviewEvidenceChunk(
                reviewer_id=account.account_id, case_id=case_id, actor=actor, evidence_id=evidence_id, offset=offset
            )

        return await stream_evidence(caller, read)
