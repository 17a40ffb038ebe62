"""The provider portal's course pages (/aanbieder): the overview, submitting, revising and objecting to a course.

Who may enter: a signed-in registry account that the accreditation service links to a provider
(`FindProviderForAccount`); any other account gets a 403 page that says so. Every request names the provider
found for the signed-in account, never one from the URL or the form, and the service scopes every course,
edition and attendance entry to it (another provider's: 403), so an id changed by hand shows nothing.

Attendance is posted through the same `PostAttendance` request as the API (channel `web`), with an idempotency
key generated for each rendered form: submitting the same form twice returns the first result again and counts
nobody twice.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.provider.forms import CourseForm, EditionForm, ObjectionForm
from gateway.features.provider.portal import (
    COURSE_FIELDS,
    EDITION_FIELDS,
    PORTAL,
    PortalPages,
    actor_of,
    check_course_form,
    course_values,
    edition_dates,
    find_provider,
    lines,
    provider_course,
    provider_page,
)
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.forms import FORM, FormErrors, problem_messages, translator
from gateway.web.request_ids import form_request_id
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.requests import ask


class ProviderPages(PortalPages):
    # --- Overview -----------------------------------------------------------------------------------------------

    @get("/", name="provider_overview")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        courses = await ask(gateway.caller, contracts.ListProviderCourses(provider_id=provider.provider_id))
        counts: dict[str, int] = {}
        for course in courses.courses:
            counts[course.status] = counts.get(course.status, 0) + 1
        return provider_page(
            request,
            "aanbieder/overzicht.html",
            provider,
            courses=courses.courses,
            counts=counts,
            submitted=request.query_params.get("aangemeld") == "1",
        )

    # --- Submitting a course ------------------------------------------------------------------------------------

    @get("/opleidingen/nieuw", name="provider_new_course")
    async def new_course(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        return provider_page(request, "aanbieder/opleiding_form.html", provider, values=course_values(), errors={})

    @post("/opleidingen", name="provider_submit_course")
    async def submit_course(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        data: Annotated[CourseForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = data.posted()
        errors: FormErrors = {}
        hours = check_course_form(t, values, errors)
        editions: list[contracts.EditionInput] = []
        if data.start_date or data.end_date:
            dates = edition_dates(t, values, errors)
            if dates is not None:
                editions.append(contracts.EditionInput(start_date=dates[0], end_date=dates[1], location=data.location))
        if not errors and hours is not None:
            try:
                course = await ask(
                    gateway.caller,
                    contracts.SubmitCourse(
                        provider_id=provider.provider_id,
                        submitted_by=actor_of(request),
                        title=data.title,
                        description=data.description,
                        category="A2" if data.category == "A2" else "A1",
                        study_load_hours=hours,
                        editions=editions,
                        trainers=lines(data.trainers),
                        target_group=data.target_group,
                        programme=data.programme,
                        allows_partial_attendance=bool(data.allows_partial_attendance),
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status >= 500:
                    raise
                errors = problem_messages(t, exc, COURSE_FIELDS, texts="prov.problem")
            else:
                return Redirect(f"{PORTAL}/opleidingen/{course.course_id}?aangemeld=1", status_code=303)
        return provider_page(
            request, "aanbieder/opleiding_form.html", provider, values=values, errors=errors, status_code=422
        )

    # --- One course: status, history, editions, objection, revision ---------------------------------------------

    async def _course_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        course_id: uuid.UUID,
        *,
        errors: dict[str, FormErrors] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        course = await provider_course(gateway, provider, course_id)
        return provider_page(
            request,
            "aanbieder/opleiding.html",
            provider,
            status_code=status_code,
            course=course,
            today=gateway.today(),
            timezone=REGISTER_TIME_ZONE,
            errors=errors or {},
            values=values or {},
            notice=next(
                (key for key in ("aangemeld", "editie", "bezwaar", "herzien") if request.query_params.get(key)), None
            ),
        )

    @get("/opleidingen/{course_id:uuid}", name="provider_course")
    async def course(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template:
        provider = await find_provider(request, gateway)
        return await self._course_page(request, gateway, provider, course_id)

    @post("/opleidingen/{course_id:uuid}/edities", name="provider_add_edition")
    async def add_edition(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        data: Annotated[EditionForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = data.posted()
        errors: FormErrors = {}
        dates = edition_dates(t, values, errors)
        if dates is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.AddEdition(
                        provider_id=provider.provider_id,
                        course_id=course_id,
                        added_by=actor_of(request),
                        start_date=dates[0],
                        end_date=dates[1],
                        location=data.location,
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                errors = problem_messages(t, exc, EDITION_FIELDS, texts="prov.problem")
            else:
                return Redirect(f"{PORTAL}/opleidingen/{course_id}?editie=1", status_code=303)
        return await self._course_page(
            request, gateway, provider, course_id, errors={"edition": errors}, values=values, status_code=422
        )

    @post("/opleidingen/{course_id:uuid}/bezwaar", name="provider_object")
    async def object_to_decision(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        data: Annotated[ObjectionForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = data.posted()
        errors: FormErrors = {}
        if not data.reason:
            errors["objection_reason"] = t("prov.objection.reason_required")
        else:
            try:
                await ask(
                    gateway.caller,
                    contracts.ObjectToCourseDecision(
                        provider_id=provider.provider_id,
                        course_id=course_id,
                        objected_by=actor_of(request),
                        reason=data.reason,
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                errors = problem_messages(t, exc, {"reason_required": "objection_reason"}, texts="prov.problem")
            else:
                return Redirect(f"{PORTAL}/opleidingen/{course_id}?bezwaar=1", status_code=303)
        return await self._course_page(
            request, gateway, provider, course_id, errors={"objection": errors}, values=values, status_code=422
        )

    @get("/opleidingen/{course_id:uuid}/wijzigen", name="provider_revise_form")
    async def revise_form(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template:
        provider = await find_provider(request, gateway)
        course = await provider_course(gateway, provider, course_id)
        return provider_page(
            request, "aanbieder/opleiding_form.html", provider, values=course_values(course), errors={}, course=course
        )

    @post("/opleidingen/{course_id:uuid}/wijzigen", name="provider_revise")
    async def revise(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        data: Annotated[CourseForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = data.posted()
        errors: FormErrors = {}
        hours = check_course_form(t, values, errors)
        if not errors and hours is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.ReviseCourse(
                        provider_id=provider.provider_id,
                        course_id=course_id,
                        revised_by=actor_of(request),
                        title=data.title,
                        description=data.description,
                        category="A2" if data.category == "A2" else "A1",
                        study_load_hours=hours,
                        trainers=lines(data.trainers),
                        target_group=data.target_group,
                        programme=data.programme,
                        allows_partial_attendance=bool(data.allows_partial_attendance),
                        note=data.note,
                    ),
                )
            except RpcError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                errors = problem_messages(t, exc, COURSE_FIELDS, texts="prov.problem")
            else:
                return Redirect(f"{PORTAL}/opleidingen/{course_id}?herzien=1", status_code=303)
        return provider_page(
            request,
            "aanbieder/opleiding_form.html",
            provider,
            values=values,
            errors=errors,
            # Fetched only to show the form again (the service scopes the revision to the provider itself).
            course=await provider_course(gateway, provider, course_id),
            status_code=422,
        )
