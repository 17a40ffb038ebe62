"""The office's objection queue `/beheer/bezwaren`: acknowledge, invite to a hearing, extend once, decide, for a
person's objection (the registry's) and, beside it, a provider's objection to a course decision (accreditation's).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.mine.objections import NOTICES
from gateway.features.office.forms import ObjectionStepForm
from gateway.features.office.pages import OfficeController, office_page
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM, problem_message, shown_on_form, translator
from gateway.web.request_ids import form_request_id
from gateway.web.uploads import stream_evidence
from gateway.web.web_session import client_ip, current_account
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.requests import ask


@dataclass(frozen=True)
class Step:
    """One office step on an objection: its path's last segment, the action (the notice shown after it) and the
    verb in its route names (`office_objection_<verb>`, `office_course_objection_<verb>`)."""

    segment: str
    action: str
    verb: str


STEPS: Final = (
    Step("ontvangst", "ontvangst", "acknowledge"),
    Step("hoorzitting", "hoorzitting", "hearing"),
    Step("verlenging", "verlengd", "extend"),
    Step("beslissing", "beslist", "decide"),
)


def _step_handler(step: Step, *, course: bool) -> HTTPRouteHandler:
    """The POST handler of one step on a person's objection or (`course`) on a provider's course objection."""

    async def handler(
        self: OfficeObjectionPages,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        objection_id: FromPath[uuid.UUID],
        data: Annotated[ObjectionStepForm, FORM],
    ) -> Template | Redirect:
        return await self._act(request, gateway, objection_id, data, step.action, course=course)

    if course:
        return post(f"/opleidingen/{{objection_id:uuid}}/{step.segment}", name=f"office_course_objection_{step.verb}")(
            handler
        )
    return post(f"/{{objection_id:uuid}}/{step.segment}", name=f"office_objection_{step.verb}")(handler)


class OfficeObjectionPages(OfficeController):
    path = "/beheer/bezwaren"

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
        queue = await ask(gateway.caller, contracts.ListObjections(actor_account_id=account.account_id))
        return office_page(
            request,
            "beheer/bezwaren.html",
            status_code=status_code,
            objections=queue.objections,
            truncated=queue.truncated,
            course_objections=await self._course_objections(gateway, account.account_id),
            problem=problem,
            problem_for=problem_for,
            notice=NOTICES.get(request.query_params.get("gedaan", "")),
            today=gateway.today(),
            timezone=REGISTER_TIME_ZONE,
        )

    @staticmethod
    async def _course_objections(gateway: GatewayDep, account_id: uuid.UUID) -> list[Any] | None:
        """Providers' objections against course decisions, in the same flow (None when the accreditation service
        cannot say: the registry's queue still shows)."""
        try:
            listing = await ask(
                gateway.caller, accreditation_contracts.ListCourseObjections(requested_by=f"account:{account_id}")
            )
        except RpcError:
            return None
        return list(listing.objections)

    async def _step(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, objection_id: uuid.UUID, command: Any, done: str
    ) -> Template | Redirect:
        t = translator(request)
        try:
            await ask(gateway.caller, command, request_id=await form_request_id(request))
        except RpcError as exc:
            if not shown_on_form(exc):
                raise
            problem = problem_message(t, exc, texts="objection.problem", fallback="objection.problem.other")
            return await self._render(
                request, gateway, problem=problem, problem_for=str(objection_id), status_code=exc.status
            )
        return Redirect(f"/beheer/bezwaren?gedaan={done}#bezwaar-{objection_id}", status_code=303)

    async def _refuse(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, objection_id: uuid.UUID, key: str
    ) -> Template:
        return await self._render(
            request, gateway, problem=translator(request)(key), problem_for=str(objection_id), status_code=422
        )

    @get("", name="office_objections")
    async def queue(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._render(request, gateway)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        objection_id: uuid.UUID,
        data: ObjectionStepForm,
        action: str,
        *,
        course: bool,
    ) -> Template | Redirect:
        """One office step on an objection: a person's (the registry's) or a provider's against a course decision
        (accreditation's): the same form, the same checks, the owning service's command."""
        account_id = current_account(request).account_id
        actor = {"actor_account_id": account_id, "client_ip": client_ip(request), "objection_id": objection_id}
        course_actor = {"decided_by": f"account:{account_id}", "objection_id": objection_id}
        command: Any
        if action == "ontvangst":
            command = (
                accreditation_contracts.AcknowledgeCourseObjection(**course_actor)
                if course
                else contracts.AcknowledgeObjection(**actor)
            )
        elif action == "hoorzitting":
            try:
                at = datetime.fromisoformat(f"{data.date}T{data.time}")
            except ValueError:
                return await self._refuse(request, gateway, objection_id, "objection.problem.hearing_when")
            place = data.place
            if not place:
                return await self._refuse(request, gateway, objection_id, "objection.problem.place_required")
            # No zone on ``at``: the owning service reads it as the register's local time.
            command = (
                accreditation_contracts.InviteToCourseObjectionHearing(**course_actor, hearing_at=at, place=place[:300])
                if course
                else contracts.InviteToObjectionHearing(**actor, hearing_at=at, place=place[:300])
            )
        elif action == "verlengd":
            reason = data.reason
            if len(reason) < 3:
                return await self._refuse(request, gateway, objection_id, "objection.problem.extension_reason")
            command = (
                accreditation_contracts.ExtendCourseObjectionTerm(**course_actor, reason=reason[:2000])
                if course
                else contracts.ExtendObjectionTerm(**actor, reason=reason[:2000])
            )
        else:
            outcome = data.outcome
            if outcome not in ("upheld", "not_upheld"):
                return await self._refuse(request, gateway, objection_id, "objection.problem.outcome")
            reasons = data.reasons
            if len(reasons) < 10:
                return await self._refuse(request, gateway, objection_id, "objection.problem.reasons_required")
            verdict: Literal["upheld", "not_upheld"] = "upheld" if outcome == "upheld" else "not_upheld"
            command = (
                accreditation_contracts.DecideCourseObjection(**course_actor, outcome=verdict, reasons=reasons[:10_000])
                if course
                else contracts.DecideObjection(**actor, outcome=verdict, reasons=reasons[:20_000])
            )
        return await self._step(request, gateway, objection_id, command, action)

    @get("/{objection_id:uuid}/bijlagen/{evidence_id:uuid}", name="office_objection_attachment")
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        objection_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """Stream a file sent with the objection from the portfolio, range by range; the portfolio checks that the
        objection carries it and logs the read."""
        account = current_account(request)
        actor = portfolio_contracts.Actor(person_id=account.account_id, role="office", origin=client_ip(request))
        caller = gateway.caller

        def read(offset: int) -> portfolio_contracts.ReadObjectionEvidenceChunk:
            return portfolio_contracts.ReadObjectionEvidenceChunk(
                objection_id=objection_id, actor=actor, evidence_id=evidence_id, offset=offset
            )

        return await stream_evidence(caller, read)

    # The four steps, for a person's objection (the registry's) and for a provider's objection against a course
    # decision (accreditation's, under /opleidingen, decided by the same steps): one handler each, from STEPS.
    acknowledge, hearing, extend, decide = (_step_handler(step, course=False) for step in STEPS)
    acknowledge_course, hearing_course, extend_course, decide_course = (
        _step_handler(step, course=True) for step in STEPS
    )
