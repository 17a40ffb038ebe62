"""The provider portal's attendance pages: one edition's attendance, posting it (form, paste or CSV upload) and
voiding a record."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.domain.attendance_upload import FIELD_LIMIT, UnreadableCsv, UploadRow, decode, parse_csv, parse_pasted
from gateway.domain.xapi_iris import edition_iri
from gateway.features.provider.forms import AttendanceForm, VoidAttendanceForm
from gateway.features.provider.portal import (
    MAX_UPLOAD_BYTES,
    PORTAL,
    POSTED_QUERY,
    REPLAYED_QUERY,
    PortalPages,
    actor_of,
    find_provider,
    provider_course,
    provider_page,
    public_base_url,
    uuid_or_none,
)
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.confirmation import confirmation_page, is_confirmed
from gateway.web.forms import FORM, GENERAL, UPLOAD_FORM, FormErrors, problem_messages, translator
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask


class ProviderAttendancePages(PortalPages):
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
        course = await provider_course(gateway, provider, course_id)
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
        post_id = uuid_or_none(request.query_params.get(POSTED_QUERY))
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
        data: Annotated[AttendanceForm, UPLOAD_FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        key = data.idempotency_key or str(uuid.uuid4())
        pasted = data.numbers
        upload = data.file
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
        data: Annotated[VoidAttendanceForm, FORM],
    ) -> Template | Redirect:
        provider = await find_provider(request, gateway)
        t = translator(request)
        values = data.posted()
        problem: FormErrors = {}
        if not data.reason:
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
                facts=[(t("prov.void.reason"), data.reason)],
            )
        else:
            try:
                await ask(
                    gateway.caller,
                    contracts.VoidAttendance(
                        provider_id=provider.provider_id,
                        attendance_id=attendance_id,
                        reason=data.reason,
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
