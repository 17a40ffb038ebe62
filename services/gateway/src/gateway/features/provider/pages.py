"""The provider portal (/aanbieder): a training provider's courses, editions, attendance, disputes and API keys.

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
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.domain.attendance_upload import FIELD_LIMIT, UnreadableCsv, UploadRow, decode, parse_csv, parse_pasted
from gateway.domain.xapi_iris import edition_iri
from gateway.i18n import Translator
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.confirmation import confirmation_page, is_confirmed
from gateway.web.forms import GENERAL, FormErrors, form_fields, parse_hours, problem_messages, translator
from gateway.web.rendering import page
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import current_account, signed_in
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.errors import RpcError
from lklr_shared.kit.requests import ask

PORTAL: Final = "/aanbieder"
PROVIDER_NAVIGATION: Final = (
    ("prov.nav.overview", PORTAL),
    ("prov.nav.new_course", f"{PORTAL}/opleidingen/nieuw"),
    ("prov.nav.disputes", f"{PORTAL}/betwistingen"),
    ("prov.nav.api_keys", f"{PORTAL}/api-sleutels"),
    ("int.nav.webhooks", f"{PORTAL}/webhooks"),
    ("int.nav.guide", "/aanbieders/koppelen"),
)
# The edition page's query naming a post whose result it shows (and that the same form was sent again).
POSTED_QUERY: Final = "doorgegeven"
REPLAYED_QUERY: Final = "nogmaals"
MAX_UPLOAD_BYTES: Final = 4 * 1024 * 1024
# The course form's fields → the service's problem codes that concern them.
COURSE_FIELDS: Final = {
    "title_required": "title",
    "title_too_long": "title",
    "description_required": "description",
    "description_too_long": "description",
    "invalid_study_load_hours": "study_load_hours",
    "invalid_trainers": "trainers",
    "target_group_too_long": "target_group",
    "programme_too_long": "programme",
    "invalid_edition_dates": "start_date",
    "location_too_long": "location",
    "too_many_editions": "start_date",
}
EDITION_FIELDS: Final = {
    "invalid_edition_dates": "start_date",
    "location_too_long": "location",
    "too_many_editions": "start_date",
}


class NotAProvider(PermissionDeniedException):
    """The signed-in account acts for no training provider."""


def actor_of(request: Request[Any, Any, Any]) -> str:
    """How the service records who acted: the account's id."""
    return f"account:{current_account(request).account_id}"


def parse_day(text: str) -> date | None:
    """A date as a date field sends it (2025-03-01) or as typed in Dutch (1-3-2025); None when it is neither."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace("/", "-").split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return None
    return None


def _uuid_or_none(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def lines(text: str) -> list[str]:
    """One name per line (trainers), blanks left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


async def find_provider(request: Request[Any, Any, Any], gateway: Gateway) -> contracts.ProviderDetails:
    """The provider the signed-in account acts for; NotAProvider (403) when there is none."""
    account = current_account(request)
    try:
        reply = await ask(gateway.caller, contracts.FindProviderForAccount(account_id=str(account.account_id)))
    except RpcError as exc:
        if exc.code == "no_provider_for_account":
            raise NotAProvider(detail="This account does not act for a training provider.") from exc
        raise
    return reply


PUBLIC_BASE_URL_STATE: Final = "lklr_public_base_url"


def public_base_url(request: Request[Any, Any, Any]) -> str:
    """The register's public address (set by the accreditation routes), else the request's own."""
    configured = str(request.app.state.get(PUBLIC_BASE_URL_STATE) or "")
    return (configured or str(request.base_url)).rstrip("/")


def not_a_provider_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return page(request, "aanbieder/geen_aanbieder.html", status_code=403)


def provider_page(
    request: Request[Any, Any, Any],
    template: str,
    provider: contracts.ProviderDetails,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    path = request.url.path
    navigation = [
        {"label": key, "href": href, "current": path == href or (href != PORTAL and path.startswith(href))}
        for key, href in PROVIDER_NAVIGATION
    ]
    return page(
        request, template, status_code=status_code, provider=provider, provider_navigation=navigation, **context
    )


async def _course(
    gateway: Gateway, provider: contracts.ProviderDetails, course_id: uuid.UUID
) -> contracts.CourseDetails:
    """One of the provider's own courses (the service refuses another provider's: 403)."""
    return await ask(gateway.caller, contracts.GetCourse(course_id=course_id, provider_id=provider.provider_id))


def _edition_dates(t: Translator, values: Mapping[str, str], errors: FormErrors) -> tuple[date, date] | None:
    """The edition's first and last day (a one-day edition may leave the end empty), or errors for the fields."""
    start_text = values.get("start_date", "")
    start, end = parse_day(start_text), parse_day(values.get("end_date", "") or start_text)
    if start is None:
        errors["start_date"] = t("prov.edition.date_invalid")
    elif end is None:
        errors["end_date"] = t("prov.edition.date_invalid")
    elif end < start:
        errors["end_date"] = t("prov.edition.end_before_start")
    else:
        return start, end
    return None


def _course_values(course: contracts.CourseDetails | None = None) -> dict[str, str]:
    if course is None:
        return {"category": "A1"}
    return {
        "title": course.title,
        "description": course.description,
        "category": course.category,
        "study_load_hours": f"{course.study_load_hours.normalize():f}",
        "trainers": "\n".join(course.trainers),
        "target_group": course.target_group,
        "programme": course.programme,
        "allows_partial_attendance": "1" if course.allows_partial_attendance else "",
    }


def _check_course_form(t: Translator, values: dict[str, str], errors: FormErrors) -> Decimal | None:
    if not values.get("title"):
        errors["title"] = t("prov.course.title_required")
    if not values.get("description"):
        errors["description"] = t("prov.course.description_required")
    if values.get("category") not in ("A1", "A2"):
        errors["category"] = t("prov.course.category_required")
    hours = parse_hours(values.get("study_load_hours", ""))
    if hours is None or hours <= 0:
        errors["study_load_hours"] = t("prov.course.hours_invalid")
        return None
    return hours


class ProviderPages(Controller):
    path = PORTAL
    include_in_schema = False
    guards = [signed_in]
    exception_handlers = {NotAProvider: not_a_provider_handler}

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
        return provider_page(request, "aanbieder/opleiding_form.html", provider, values=_course_values(), errors={})

    @post("/opleidingen", name="provider_submit_course")
    async def submit_course(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = await form_fields(request)
        errors: FormErrors = {}
        hours = _check_course_form(t, values, errors)
        editions: list[contracts.EditionInput] = []
        if values.get("start_date") or values.get("end_date"):
            dates = _edition_dates(t, values, errors)
            if dates is not None:
                editions.append(
                    contracts.EditionInput(start_date=dates[0], end_date=dates[1], location=values.get("location", ""))
                )
        if not errors and hours is not None:
            try:
                course = await ask(
                    gateway.caller,
                    contracts.SubmitCourse(
                        provider_id=provider.provider_id,
                        submitted_by=actor_of(request),
                        title=values["title"],
                        description=values["description"],
                        category="A2" if values.get("category") == "A2" else "A1",
                        study_load_hours=hours,
                        editions=editions,
                        trainers=lines(values.get("trainers", "")),
                        target_group=values.get("target_group", ""),
                        programme=values.get("programme", ""),
                        allows_partial_attendance=bool(values.get("allows_partial_attendance")),
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
        course = await _course(gateway, provider, course_id)
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
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = await form_fields(request)
        errors: FormErrors = {}
        dates = _edition_dates(t, values, errors)
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
                        location=values.get("location", ""),
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
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = await form_fields(request)
        errors: FormErrors = {}
        if not values.get("reason"):
            errors["objection_reason"] = t("prov.objection.reason_required")
        else:
            try:
                await ask(
                    gateway.caller,
                    contracts.ObjectToCourseDecision(
                        provider_id=provider.provider_id,
                        course_id=course_id,
                        objected_by=actor_of(request),
                        reason=values["reason"],
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
        course = await _course(gateway, provider, course_id)
        return provider_page(
            request, "aanbieder/opleiding_form.html", provider, values=_course_values(course), errors={}, course=course
        )

    @post("/opleidingen/{course_id:uuid}/wijzigen", name="provider_revise")
    async def revise(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, course_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = await form_fields(request)
        errors: FormErrors = {}
        hours = _check_course_form(t, values, errors)
        if not errors and hours is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.ReviseCourse(
                        provider_id=provider.provider_id,
                        course_id=course_id,
                        revised_by=actor_of(request),
                        title=values["title"],
                        description=values["description"],
                        category="A2" if values.get("category") == "A2" else "A1",
                        study_load_hours=hours,
                        trainers=lines(values.get("trainers", "")),
                        target_group=values.get("target_group", ""),
                        programme=values.get("programme", ""),
                        allows_partial_attendance=bool(values.get("allows_partial_attendance")),
                        note=values.get("note", ""),
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
            course=await _course(gateway, provider, course_id),
            status_code=422,
        )

    # --- Attendance of one edition ------------------------------------------------------------------------------

    async def _edition_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        course_id: uuid.UUID,
        edition_id: uuid.UUID,
        *,
        result: contracts.AttendancePostResult | None = None,
        errors: FormErrors | None = None,
        void_errors: dict[str, FormErrors] | None = None,
        values: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        status_code: int = 200,
    ) -> Template:
        course = await _course(gateway, provider, course_id)
        edition = next((e for e in course.editions if e.edition_id == edition_id), None)
        if edition is None:
            raise RpcError("edition_not_found", "This course has no such edition.", 404)
        today = gateway.today()
        attendance = None
        if edition.end_date < today:
            attendance = await ask(
                gateway.caller, contracts.ListAttendance(provider_id=provider.provider_id, edition_id=edition_id)
            )
        return provider_page(
            request,
            "aanbieder/editie.html",
            provider,
            status_code=status_code,
            course=course,
            edition=edition,
            attendance=attendance,
            today=today,
            can_post=course.status in ("approved", "withdrawn") and edition.end_date < today,
            result=result,
            errors=errors or {},
            void_errors=void_errors or {},
            values=values or {},
            # A fresh key for every rendered form: the same form sent twice is one post.
            idempotency_key=idempotency_key or str(uuid.uuid4()),
            voided=request.query_params.get("ingetrokken") == "1",
            edition_iri=edition_iri(public_base_url(request), edition_id),
        )

    @get("/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}", name="provider_edition")
    async def edition(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        edition_id: FromPath[uuid.UUID],
    ) -> Template:
        provider = await find_provider(request, gateway)
        result = None
        post_id = _uuid_or_none(request.query_params.get(POSTED_QUERY))
        if post_id is not None:
            # The result of a post made on this page (POST-redirect-GET): reloading shows it again, posts nothing.
            try:
                result = await ask(
                    gateway.caller, contracts.GetAttendancePost(provider_id=provider.provider_id, post_id=post_id)
                )
            except RpcError as exc:
                if exc.status != 404:
                    raise
            if result is not None and result.edition_id != edition_id:
                result = None
            elif result is not None and request.query_params.get(REPLAYED_QUERY) == "1":
                result = result.model_copy(update={"replayed": True})  # the same form was sent twice
        return await self._edition_page(request, gateway, provider, course_id, edition_id, result=result)

    @post(
        "/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}/deelnemers",
        name="provider_post_attendance",
        request_max_body_size=MAX_UPLOAD_BYTES,
    )
    async def post_attendance(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        edition_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        form = await request.form()
        key_value = form.get("idempotency_key")
        key = key_value.strip() if isinstance(key_value, str) and key_value.strip() else str(uuid.uuid4())
        pasted_value = form.get("numbers")
        pasted = pasted_value if isinstance(pasted_value, str) else ""
        upload = form.get("file")
        rows: list[UploadRow] = []
        errors: FormErrors = {}
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                rows = parse_csv(decode(await upload.read()))
            except UnreadableCsv as exc:
                errors[GENERAL] = t(f"prov.attendance.csv_{exc.code}", line=exc.line, limit=t.integer(FIELD_LIMIT))
        rows += parse_pasted(pasted)
        if errors:
            pass  # an unreadable file is refused as a whole, whatever was pasted beside it
        elif not rows:
            errors[GENERAL] = t("prov.attendance.no_rows")
        elif len(rows) > contracts.MAX_ATTENDEES_PER_POST:
            errors[GENERAL] = t("prov.attendance.too_many_rows", max=contracts.MAX_ATTENDEES_PER_POST, count=len(rows))
        if errors:
            return await self._edition_page(
                request, gateway, provider, course_id, edition_id, errors=errors, values={"numbers": pasted},
                idempotency_key=key, status_code=422,
            )  # fmt: skip
        try:
            reply = await ask(
                gateway.caller,
                contracts.PostAttendance(
                    provider_id=provider.provider_id,
                    edition_id=edition_id,
                    idempotency_key=key,
                    attendees=[
                        contracts.AttendeeInput(registration_number=row.registration_number, hours=row.hours)
                        for row in rows
                    ],
                    channel="web",
                    posted_by=actor_of(request),
                ),
                timeout=30.0,
            )
        except RpcError as exc:
            if exc.status >= 500 or exc.status in (403, 404):
                raise
            # A refused post is not stored: the same key may be used again once the cause is fixed, except when
            # the key already carried another list (then the form needs a new key).
            fresh = str(uuid.uuid4()) if exc.code == "idempotency_key_reused" else key
            return await self._edition_page(
                request, gateway, provider, course_id, edition_id, errors=problem_messages(t, exc, texts="prov.problem"),
                values={"numbers": pasted}, idempotency_key=fresh, status_code=409 if exc.status == 409 else 422,
            )  # fmt: skip
        # Post-redirect-get: the result lives at a URL of its own, so a reload shows it and never posts again.
        edition_page = f"{PORTAL}/opleidingen/{course_id}/edities/{edition_id}"
        again = f"&{REPLAYED_QUERY}=1" if reply.replayed else ""
        return Redirect(f"{edition_page}?{POSTED_QUERY}={reply.post_id}{again}#resultaat", status_code=303)

    @post(
        "/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}/deelnames/{attendance_id:uuid}/intrekken",
        name="provider_void_attendance",
    )
    async def void_attendance(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        course_id: FromPath[uuid.UUID],
        edition_id: FromPath[uuid.UUID],
        attendance_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = await form_fields(request)
        problem: FormErrors = {}
        if not values.get("reason"):
            problem = {"reason": t("prov.void.reason_required")}
        elif not is_confirmed(values):
            edition_page = f"{PORTAL}/opleidingen/{course_id}/edities/{edition_id}"
            return confirmation_page(
                request,
                action=f"{edition_page}/deelnames/{attendance_id}/intrekken",
                values=values,
                title=t("confirm.void.title"),
                consequence=t("confirm.void.consequence"),
                confirm_label=t("confirm.void.confirm"),
                cancel_href=edition_page,
                facts=[(t("prov.void.reason"), values["reason"])],
            )
        else:
            try:
                await ask(
                    gateway.caller,
                    contracts.VoidAttendance(
                        provider_id=provider.provider_id,
                        attendance_id=attendance_id,
                        reason=values["reason"],
                        voided_by=actor_of(request),
                    ),
                )
            except RpcError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                problem = problem_messages(
                    t, exc, {"reason_required": "reason", "reason_too_long": "reason"}, texts="prov.problem"
                )
            else:
                back = f"{PORTAL}/opleidingen/{course_id}/edities/{edition_id}?ingetrokken=1"
                return Redirect(back, status_code=303)
        return await self._edition_page(
            request,
            gateway,
            provider,
            course_id,
            edition_id,
            void_errors={str(attendance_id): problem},
            status_code=422,
        )

    # --- Disputes -----------------------------------------------------------------------------------------------

    @get("/betwistingen", name="provider_disputes")
    async def disputes(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        disputed = await ask(gateway.caller, contracts.ListDisputedAttendance(provider_id=provider.provider_id))
        return provider_page(request, "aanbieder/betwistingen.html", provider, disputes=disputed.disputes)

    # --- API keys -----------------------------------------------------------------------------------------------

    async def _keys_page(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        provider: contracts.ProviderDetails,
        *,
        created: contracts.ApiKeyCreated | None = None,
        status_code: int = 200,
    ) -> Template:
        keys = await ask(gateway.caller, contracts.ListApiKeys(provider_id=provider.provider_id))
        return provider_page(
            request,
            "aanbieder/api_sleutels.html",
            provider,
            status_code=status_code,
            keys=keys.keys,
            created=created,
            revoked=request.query_params.get("ingetrokken") == "1",
        )

    @get("/api-sleutels", name="provider_api_keys")
    async def api_keys(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        return await self._keys_page(request, gateway, provider)

    @post("/api-sleutels", name="provider_create_api_key")
    async def create_api_key(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        provider = await find_provider(request, gateway)
        values = await form_fields(request)
        created = await ask(
            gateway.caller,
            contracts.CreateApiKey(
                provider_id=provider.provider_id,
                label=values.get("label", "")[:200],
                created_by=actor_of(request),
                sandbox=values.get("sandbox") == "1",
            ),
            request_id=await form_request_id(request),
        )
        # The key is shown on this response only (never stored in plain text, never shown again).
        return await self._keys_page(request, gateway, provider, created=created)

    @post("/api-sleutels/{key_id:uuid}/intrekken", name="provider_revoke_api_key")
    async def revoke_api_key(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, key_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        values = await form_fields(request)
        if not is_confirmed(values):
            t = translator(request)
            keys = await ask(gateway.caller, contracts.ListApiKeys(provider_id=provider.provider_id))
            key = next((key for key in keys.keys if key.key_id == key_id), None)
            if key is None:
                raise RpcError("api_key_not_found", "This provider has no such API key.", 404)
            return confirmation_page(
                request,
                action=f"{PORTAL}/api-sleutels/{key_id}/intrekken",
                values=values,
                title=t("confirm.revoke_key.title"),
                consequence=t("confirm.revoke_key.consequence"),
                confirm_label=t("confirm.revoke_key.confirm"),
                cancel_href=f"{PORTAL}/api-sleutels",
                facts=[
                    (t("prov.keys.label"), key.label or "–"),
                    (t("prov.keys.prefix"), f"{key.display_prefix}…"),
                    (t("prov.keys.created_at"), t.date(key.created_at.date())),
                ],
            )
        await ask(
            gateway.caller,
            contracts.RevokeApiKey(provider_id=provider.provider_id, key_id=key_id, revoked_by=actor_of(request)),
        )
        return Redirect(f"{PORTAL}/api-sleutels?ingetrokken=1", status_code=303)
