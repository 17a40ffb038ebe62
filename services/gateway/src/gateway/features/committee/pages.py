"""The accreditation committee's pages (/commissie) and the professional's teaching claims (/mijn/onderwijsclaim).

Committee: the review queue (submitted courses and courses with an open objection, oldest first), a course's
review page with every decision the service allows (approve with points and validity period, ask for changes,
reject, dismiss an objection, withdraw an accreditation), always with a reason, and the queue of teaching claims.
The gateway keeps these pages to accounts with the `accreditation_committee` role (the registry owns roles).

Professional: a registered professional claims to have given a training; the committee's approval places the
points in the portfolio (`accreditation.TeachingApproved`). The claim names the signed-in person's own person id
and registration number (from the registry), never one from the form.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Annotated, Any, Final

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.committee.forms import ClaimDecisionForm, CourseDecisionForm, TeachingClaimForm
from gateway.features.provider.portal import actor_of
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.confirmation import confirmation_page, is_confirmed
from gateway.web.dates import parse_day
from gateway.web.forms import FORM, GENERAL, FormErrors, parse_hours, problem_messages, translator
from gateway.web.owners import my_registration
from gateway.web.rendering import page
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import SignedInPages, current_account, role_required
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask
from lklr_shared.scheme import CategoryKey

COMMITTEE: Final = "/commissie"
COMMITTEE_NAVIGATION: Final = (
    ("comm.nav.courses", COMMITTEE),
    ("comm.nav.claims", f"{COMMITTEE}/onderwijsclaims"),
)
DECISIONS: Final = ("approve", "changes", "reject", "dismiss", "withdraw")
DECISION_FIELDS: Final = {
    "invalid_points": "points",
    "points_deviation_unexplained": "points_deviation_reason",
    "invalid_validity": "valid_from",
    "invalid_withdrawal_date": "withdrawn_on",
    "reason_required": "reason",
    "reason_too_long": "reason",
}


def committee_page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Template:
    path = request.url.path
    navigation = [
        {"label": key, "href": href, "current": path == href or (href != COMMITTEE and path.startswith(href))}
        for key, href in COMMITTEE_NAVIGATION
    ]
    return page(request, template, status_code=status_code, committee_navigation=navigation, **context)


def _suggested_points(gateway: Gateway, course: contracts.CourseDetails) -> Decimal | None:
    """The points the scheme in force gives for the course's study load (None for a category without a rate)."""
    category = gateway.scheme.version_in_force(gateway.today()).category(CategoryKey(course.category))
    return category.points_for_study_load(course.study_load_hours)


class CommitteePages(Controller):
    path = COMMITTEE
    include_in_schema = False
    guards = [role_required("accreditation_committee")]

    # --- The course queue ---------------------------------------------------------------------------------------

    @get("/", name="committee_queue")
    async def queue(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        actor = actor_of(request)
        # Independent questions: asked at once.
        courses, claims = await asyncio.gather(
            ask(gateway.caller, contracts.ListCoursesForReview(requested_by=actor)),
            ask(gateway.caller, contracts.ListTeachingClaimsForReview(requested_by=actor)),
        )
        decided = request.query_params.get("besloten")
        return committee_page(
            request,
            "commissie/wachtrij.html",
            courses=courses.courses,
            claim_count=len(claims.claims),
            decided=decided if decided in DECISIONS else None,
        )

    # --- One course ---------------------------------------------------------------------------------------------

    async def _course_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        course_id: uuid.UUID,
        *,
        errors: dict[str, FormErrors] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        course = await ask(gateway.caller, contracts.GetCourse(course_id=course_id))
        decisions = _allowed_decisions(course)
        suggested = _suggested_points(gateway, course)
        if course.points is not None:
            default_points = f"{course.points.normalize():f}"
        else:
            default_points = f"{suggested.normalize():f}" if suggested is not None else ""
        return committee_page(
            request,
            "commissie/opleiding.html",
            status_code=status_code,
            course=course,
            decisions=decisions,
            errors=errors or {},
            values=values or {},
            default_points=default_points,
            suggested_points=suggested,
        )

    @get("/opleidingen/{course_id:uuid}", name="committee_course")
    async def course(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template:
        return await self._course_page(request, gateway, course_id)

    @post("/opleidingen/{course_id:uuid}/besluit", name="committee_decide_course")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        data: Annotated[CourseDecisionForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        values = data.posted()
        decision = data.decision
        reason = data.reason
        actor = actor_of(request)
        errors: FormErrors = {}
        if decision not in DECISIONS:
            errors[GENERAL] = t("comm.decision.choose")
        if not reason:
            errors["reason"] = t("comm.decision.reason_required")
        command_or_none: Any = None
        if decision == "approve":
            points = parse_hours(data.points)
            if points is None or points <= 0:
                errors["points"] = t("comm.decision.points_invalid")
            valid_from = parse_day(data.valid_from)
            valid_until = parse_day(data.valid_until)
            if data.valid_from and valid_from is None:
                errors["valid_from"] = t("comm.decision.date_invalid")
            if data.valid_until and valid_until is None:
                errors["valid_until"] = t("comm.decision.date_invalid")
            deviation = data.points_deviation_reason
            if points is not None and "points" not in errors and not deviation:
                course = await ask(gateway.caller, contracts.GetCourse(course_id=course_id))
                suggested = _suggested_points(gateway, course)
                if suggested is not None and points != suggested:
                    errors["points_deviation_reason"] = t(
                        "comm.decision.deviation_required", points=t.number(suggested), chosen=t.number(points)
                    )
            if not errors and points is not None:
                command_or_none = contracts.ApproveCourse(
                    course_id=course_id,
                    decided_by=actor,
                    reason=reason,
                    points=points,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    points_deviation_reason=deviation or None,
                )
        elif decision == "withdraw":
            withdrawn_on = parse_day(data.withdrawn_on)
            if data.withdrawn_on and withdrawn_on is None:
                errors["withdrawn_on"] = t("comm.decision.date_invalid")
            if not errors and not is_confirmed(values):
                course = await ask(gateway.caller, contracts.GetCourse(course_id=course_id))
                return confirmation_page(
                    request,
                    action=f"{COMMITTEE}/opleidingen/{course_id}/besluit",
                    values=values,
                    title=t("confirm.withdraw.title"),
                    consequence=t("confirm.withdraw.consequence"),
                    confirm_label=t("confirm.withdraw.confirm"),
                    cancel_href=f"{COMMITTEE}/opleidingen/{course_id}",
                    facts=[
                        (t("confirm.withdraw.course"), course.title),
                        (t("comm.decision.reason"), reason),
                        (t("confirm.withdraw.from"), t.date(withdrawn_on or gateway.today())),
                    ],
                )
            if not errors:
                command_or_none = contracts.WithdrawAccreditation(
                    course_id=course_id, decided_by=actor, reason=reason, withdrawn_on=withdrawn_on
                )
        elif not errors:
            kinds: dict[str, Any] = {
                "changes": contracts.RequestCourseChanges,
                "reject": contracts.RejectCourse,
                "dismiss": contracts.DismissCourseObjection,
            }
            command_or_none = kinds[decision](course_id=course_id, decided_by=actor, reason=reason)
        if command_or_none is not None:
            try:
                await ask(gateway.caller, command_or_none, request_id=await form_request_id(request))
            except RpcError as exc:
                if exc.status >= 500 or exc.status == 404:
                    raise
                errors = problem_messages(t, exc, DECISION_FIELDS, texts="prov.problem")
            else:
                return Redirect(f"{COMMITTEE}?besloten={decision}", status_code=303)
        return await self._course_page(
            request, gateway, course_id, errors={decision: errors}, values=values, status_code=422
        )

    # --- Teaching claims ----------------------------------------------------------------------------------------

    async def _claims_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        *,
        errors: dict[str, FormErrors] | None = None,
        reasons: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        claims = await ask(gateway.caller, contracts.ListTeachingClaimsForReview(requested_by=actor_of(request)))
        decided = request.query_params.get("besloten")
        return committee_page(
            request,
            "commissie/onderwijsclaims.html",
            status_code=status_code,
            claims=claims.claims,
            errors=errors or {},
            reasons=reasons or {},
            decided=decided if decided in ("approve", "reject") else None,
        )

    @get("/onderwijsclaims", name="committee_claims")
    async def claims(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._claims_page(request, gateway)

    @post("/onderwijsclaims/{claim_id:uuid}/besluit", name="committee_decide_claim")
    async def decide_claim(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        claim_id: FromPath[uuid.UUID],
        data: Annotated[ClaimDecisionForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        decision = data.decision
        reason = data.reason
        key = str(claim_id)
        problem: FormErrors = {}
        if decision not in ("approve", "reject"):
            problem[GENERAL] = t("comm.decision.choose")
        elif not reason:
            problem["reason"] = t("comm.decision.reason_required")
        else:
            try:
                await ask(
                    gateway.caller,
                    contracts.DecideTeachingClaim(
                        claim_id=claim_id,
                        decided_by=actor_of(request),
                        decision="approve" if decision == "approve" else "reject",
                        reason=reason,
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status >= 500 or exc.status == 404:
                    raise
                problem = problem_messages(t, exc, {"reason_required": "reason"}, texts="prov.problem")
            else:
                return Redirect(f"{COMMITTEE}/onderwijsclaims?besloten={decision}", status_code=303)
        return await self._claims_page(request, gateway, errors={key: problem}, reasons={key: reason}, status_code=422)


def _allowed_decisions(course: contracts.CourseDetails) -> list[str]:
    """The decisions the service accepts in the course's state (the forms shown; the service checks again)."""
    if course.status == "submitted":
        return ["approve", "changes", "reject"]
    decisions: list[str] = []
    if course.objection_open:
        decisions = (
            ["approve", "dismiss"] if course.status == "approved" else ["approve", "changes", "reject", "dismiss"]
        )
    if course.status == "approved":
        decisions.append("withdraw")
    return decisions


# --- The professional's teaching claims ------------------------------------------------------------------------

CLAIM_FIELDS: Final = {
    "invalid_hours": "hours",
    "description_required": "description",
    "description_too_long": "description",
    "course_title_too_long": "course_title",
    "teaching_in_future": "given_on",
    "not_registered_on_date": "given_on",
}


class TeachingClaimPages(SignedInPages):
    path = "/mijn/onderwijsclaim"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        registration: registry_contracts.RegistrationView | None,
        *,
        errors: FormErrors | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        claims: list[contracts.TeachingClaimDetails] = []
        if registration is not None:
            reply = await ask(gateway.caller, contracts.ListTeachingClaims(person_id=registration.person_id))
            claims = reply.claims
        return page(
            request,
            "commissie/mijn_onderwijsclaim.html",
            status_code=status_code,
            registration=registration,
            claims=claims,
            errors=errors or {},
            values=values or {},
            today=gateway.today(),
            sent=request.query_params.get("verstuurd") == "1",
        )

    @get("/", name="teaching_claim")
    async def show(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._page(request, gateway, await _my_registration(request, gateway))

    @post("/", name="teaching_claim_submit")
    async def submit(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[TeachingClaimForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        values = data.posted()
        registration = await _my_registration(request, gateway)
        errors: FormErrors = {}
        if registration is None:
            errors[GENERAL] = t("claim.not_registered")
        hours = parse_hours(data.hours)
        if hours is None or hours <= 0:
            errors["hours"] = t("claim.hours_invalid")
        given_on = parse_day(data.given_on)
        if given_on is None:
            errors["given_on"] = t("claim.date_invalid")
        if not data.description:
            errors["description"] = t("claim.description_required")
        if not errors and registration is not None and hours is not None and given_on is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.ClaimTeaching(
                        person_id=registration.person_id,
                        registration_number=registration.registration_number,
                        hours=hours,
                        given_on=given_on,
                        description=data.description,
                        course_title=data.course_title,
                        claimed_by=actor_of(request),
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status >= 500:
                    raise
                errors = problem_messages(t, exc, CLAIM_FIELDS, texts="prov.problem")
            else:
                return Redirect("/mijn/onderwijsclaim?verstuurd=1", status_code=303)
        return await self._page(request, gateway, registration, errors=errors, values=values, status_code=422)


async def _my_registration(
    request: Request[Any, Any, Any], gateway: Gateway
) -> registry_contracts.RegistrationView | None:
    return await my_registration(gateway.caller, current_account(request).account_id)
