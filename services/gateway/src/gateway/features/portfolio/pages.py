"""The digital portfolio pages: progress against the norm, the activities with filters, adding and editing
self-entered activities with evidence, checking provider-placed entries, history, downloads and what-if checks.

Every request acts for the signed-in account's own registration (`portfolio_owner`): there is no person id in
these URLs, and the portfolio service refuses every object of another person (evidence: 404 as if absent).
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from gateway.i18n import CATALOGUE, Translator
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.forms import FormErrors, form_fields, problem_message, problem_messages, translator
from gateway.web.portfolio_support import (
    EVIDENCE_FIELD,
    FIELD_OF_CODE,
    MAX_REQUEST_BYTES,
    FormProblem,
    PortfolioOwner,
    ReceivedForm,
    activity_input,
    attachment_headers,
    evidence_bytes,
    first_evidence_chunk,
    get_portfolio,
    parse_date,
    parse_decimal,
    portfolio_owner,
    receive_form,
    request_origin,
)
from gateway.web.recorded_words import origin_words, reason_words
from gateway.web.rendering import page, request_language
from gateway.web.request_ids import request_id_from_form, subject_of
from gateway.web.web_session import current_account, signed_in, web_state
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.base import ReplyT
from lklr_shared.contracts.base import Request as ContractRequest
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.errors import RpcError
from lklr_shared.kit.requests import ask
from lklr_shared.scheme import A2ActivityType, CategoryKey, SchemeVersion

log = logging.getLogger(__name__)

CATEGORIES: Final = ("A1", "A2")
SOURCES: Final = ("self_entered", "provider_placed", "teaching")
STATES: Final = ("placed", "confirmed", "disputed", "voided", "to_be_checked", "approved", "rejected")
FILTERS: Final = ("categorie", "herkomst", "status", "jaar")
FLASHES: Final = {
    "opgeslagen": "portfolio.flash.saved",
    "gewijzigd": "portfolio.flash.edited",
    "bevestigd": "portfolio.flash.confirmed",
    "betwist": "portfolio.flash.disputed",
}
# Refusals a person can act on: shown on the page they came from (with their status), not as an error page.
_SHOWN_ON_PAGE: Final = (409, 413, 415, 422)


def _lang(request: Request[Any, Any, Any]) -> contracts.Language:
    return "en" if request_language(request)[0] == "en" else "nl"


async def _owner(request: Request[Any, Any, Any], gateway: Gateway) -> PortfolioOwner:
    """The signed-in person's portfolio (404 page for an account without a registration)."""
    owner = await portfolio_owner(gateway.caller, current_account(request).account_id, request_origin(request, "web"))
    if owner is None:
        raise NotFoundException("no registration, so no portfolio")
    return owner


async def find_activity(
    gateway: Gateway, owner: PortfolioOwner, activity_id: uuid.UUID, lang: contracts.Language
) -> tuple[contracts.PortfolioActivity, contracts.Portfolio]:
    """The activity as its cycle's portfolio lists it (the shown cycle first, then the others)."""
    portfolio = await get_portfolio(gateway.caller, owner, lang, svg=False)
    for activity in portfolio.activities:
        if activity.activity_id == activity_id:
            return activity, portfolio
    shown = portfolio.cycle.cycle_id if portfolio.cycle else None
    for cycle in portfolio.cycles:
        if cycle.cycle_id == shown:
            continue
        other = await get_portfolio(gateway.caller, owner, lang, cycle.cycle_id, svg=False)
        for activity in other.activities:
            if activity.activity_id == activity_id:
                return activity, other
    raise NotFoundException("no such activity in your portfolio")


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def filter_activities(
    activities: list[contracts.PortfolioActivity], filters: Mapping[str, str]
) -> list[contracts.PortfolioActivity]:
    shown = activities
    if filters.get("categorie") in CATEGORIES:
        shown = [a for a in shown if a.category == filters["categorie"]]
    if filters.get("herkomst") in SOURCES:
        shown = [a for a in shown if a.source == filters["herkomst"]]
    if filters.get("status") in STATES:
        shown = [a for a in shown if a.state == filters["status"]]
    year = filters.get("jaar", "")
    if year.isdigit():
        shown = [a for a in shown if a.completion_date.year == int(year)]
    return shown


def scheme_for(gateway: Gateway, portfolio: contracts.Portfolio | None) -> SchemeVersion:
    if portfolio is not None and portfolio.cycle is not None:
        try:
            return gateway.scheme.get(portfolio.cycle.scheme_version)
        except KeyError:
            pass
    return gateway.scheme.version_in_force(gateway.today())


def type_label(scheme: SchemeVersion, lang: str) -> dict[str, str]:
    """Activity type key → its label in the page language."""
    labels = {a2.key: a2.label_en if lang == "en" else a2.label_nl for a2 in scheme.a2_types}
    labels["course"] = CATALOGUE[lang]["portfolio.type.course"]
    labels["accredited_course"] = CATALOGUE[lang]["portfolio.type.accredited_course"]
    return labels


def _a2_options(scheme: SchemeVersion, t: Translator) -> list[dict[str, Any]]:
    def option(a2: A2ActivityType) -> dict[str, Any]:
        label = a2.label_en if t.lang == "en" else a2.label_nl
        return {
            "key": a2.key,
            "text": t(
                "portfolio.form.a2_type_option", label=label, points=t.number(a2.points), unit=t(f"unit.{a2.unit}")
            ),
            "min_hours": a2.min_hours_per_unit,
        }

    # Giving a training earns accredited points through the committee's interim approval, not by entering it.
    return [option(a2) for a2 in scheme.a2_types if not a2.accredited_after_approval]


def _kept(values: list[str]) -> list[dict[str, str]]:
    """Evidence already stored, carried in the form as `id|filename` (the service checks each id is yours)."""
    kept = []
    for value in values:
        evidence_id, _, filename = value.partition("|")
        if _uuid(evidence_id) is not None:
            kept.append({"id": evidence_id, "filename": filename})
    return kept


def _evidence_item(evidence: contracts.EvidenceFile) -> dict[str, str]:
    return {"id": str(evidence.evidence_id), "filename": evidence.filename}


class PortfolioPages(Controller):
    include_in_schema = False

    # --- Overview --------------------------------------------------------------------------------------------

    async def _overview(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: PortfolioOwner | None = None,
        *,
        errors: FormErrors | None = None,
        open_dispute: str | None = None,
        status_code: int = 200,
    ) -> Template:
        """The overview; `owner` when the caller has found it already (else a visitor or an unregistered account
        gets the page that says so)."""
        if owner is None:
            state = web_state(request)
            if state.account is None:
                if state.auth_error is not None:
                    raise state.auth_error
                return page(request, "portfolio/bezoeker.html")
            owner = await portfolio_owner(gateway.caller, state.account.account_id, request_origin(request, "web"))
            if owner is None:
                return page(request, "portfolio/niet_geregistreerd.html")
        lang = _lang(request)
        query = request.query_params
        try:
            portfolio = await get_portfolio(gateway.caller, owner, lang, _uuid(query.get("cyclus")))
        except RpcError as exc:
            if exc.code not in ("not_registered", "no_cycle", "cycle_not_found"):
                raise
            # The registration has not reached the portfolio yet (events are on their way): say so, no 500.
            return page(request, "portfolio/niet_geregistreerd.html", pending=True)
        filters = {name: query.get(name, "") for name in FILTERS if query.get(name)}
        shown = filter_activities(portfolio.activities, filters)
        if portfolio.new_count and not filters and status_code == 200:
            try:
                await ask(
                    gateway.caller,
                    contracts.MarkPortfolioSeen(
                        person_id=owner.person_id, actor=owner.actor, seen_up_to=portfolio.generated_at
                    ),
                )
            except RpcError as exc:  # the page is still right; the entries stay new until the next visit
                log.warning("could not mark the portfolio seen: %s (%s)", exc.message, exc.code)
        scheme = scheme_for(gateway, portfolio)
        years = sorted({a.completion_date.year for a in portfolio.activities}, reverse=True)
        flash = next((key for name, key in FLASHES.items() if query.get(name)), None)
        return page(
            request,
            "portfolio/overzicht.html",
            status_code=status_code,
            portfolio=portfolio,
            activities=shown,
            filters=filters,
            years=years,
            categories=CATEGORIES,
            sources=SOURCES,
            states=STATES,
            type_labels=type_label(scheme, lang),
            flash=flash,
            errors=errors or {},
            open_dispute=open_dispute,
            cycle_query=f"?cyclus={portfolio.cycle.cycle_id}" if portfolio.cycle and query.get("cyclus") else "",
        )

    @get("/portfolio", name="portfolio")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._overview(request, gateway)

    # --- Checking provider-placed entries --------------------------------------------------------------------

    @post("/portfolio/activiteiten/{activity_id:uuid}/bevestigen", name="portfolio_confirm", guards=[signed_in])
    async def confirm(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, activity_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        owner = await _owner(request, gateway)
        try:
            await ask(
                gateway.caller,
                contracts.ConfirmActivity(person_id=owner.person_id, actor=owner.actor, activity_id=activity_id),
            )
        except RpcError as exc:
            if exc.status not in _SHOWN_ON_PAGE:
                raise
            t = translator(request)
            return await self._overview(
                request,
                gateway,
                owner,
                errors={"_": problem_message(t, exc, texts="portfolio.problem")},
                status_code=exc.status,
            )
        return Redirect(f"/portfolio?bevestigd=1#activiteit-{activity_id}", status_code=303)

    @post("/portfolio/activiteiten/{activity_id:uuid}/betwisten", name="portfolio_dispute", guards=[signed_in])
    async def dispute(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, activity_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        t = translator(request)
        owner = await _owner(request, gateway)
        reason = (await form_fields(request)).get("reason", "")
        field = f"reason-{activity_id}"
        if not reason:
            return await self._overview(
                request,
                gateway,
                owner,
                errors={field: t("portfolio.problem.reason_required")},
                open_dispute=str(activity_id),
                status_code=422,
            )
        try:
            await ask(
                gateway.caller,
                contracts.DisputeActivity(
                    person_id=owner.person_id, actor=owner.actor, activity_id=activity_id, reason=reason[:2000]
                ),
            )
        except RpcError as exc:
            if exc.status not in _SHOWN_ON_PAGE:
                raise
            return await self._overview(
                request,
                gateway,
                owner,
                errors={field: problem_message(t, exc, texts="portfolio.problem")},
                open_dispute=str(activity_id),
                status_code=exc.status,
            )
        return Redirect(f"/portfolio?betwist=1#activiteit-{activity_id}", status_code=303)

    # --- Adding and editing -----------------------------------------------------------------------------------

    def _form(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        *,
        activity: contracts.PortfolioActivity | None,
        values: dict[str, str],
        kept: list[dict[str, str]],
        errors: FormErrors,
        status_code: int = 200,
        portfolio: contracts.Portfolio | None = None,
    ) -> Template:
        t = translator(request)
        scheme = scheme_for(gateway, portfolio)
        a1 = scheme.category(CategoryKey.A1)
        return page(
            request,
            "portfolio/activiteit_formulier.html",
            status_code=status_code,
            activity=activity,
            values=values,
            kept=kept,
            errors=errors,
            a2_options=_a2_options(scheme, t),
            a1_points=a1.points_per_study_load_hour or Decimal(1),
            today=gateway.today(),
        )

    @get("/portfolio/nieuw", name="portfolio_new", guards=[signed_in])
    async def new(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        await _owner(request, gateway)
        category = request.query_params.get("categorie", "")
        values = {"category": category if category in CATEGORIES else ""}
        return self._form(request, gateway, activity=None, values=values, kept=[], errors={})

    async def _receive(
        self, request: Request[Any, Any, Any], gateway: Gateway, owner: PortfolioOwner
    ) -> tuple[ReceivedForm, FormErrors, int]:
        """The posted form with its new files stored; errors per field for a refused body or file."""
        t = translator(request)
        received = ReceivedForm()
        try:
            await receive_form(request, gateway.caller, owner, received)
        except FormProblem as exc:
            return received, problem_messages(t, exc, FIELD_OF_CODE, texts="portfolio.problem"), exc.status
        except RpcError as exc:
            if exc.status not in _SHOWN_ON_PAGE:
                raise
            return received, problem_messages(t, exc, FIELD_OF_CODE, texts="portfolio.problem"), exc.status
        return received, {}, 200

    async def _submit(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: PortfolioOwner,
        command: Callable[[contracts.ActivityInput, list[uuid.UUID], dict[str, str]], ContractRequest[ReplyT]],
    ) -> tuple[ReplyT | None, ReceivedForm, list[dict[str, str]], FormErrors, int]:
        """Receive the form, store its files and send `command(entry, evidence ids, fields)` to the portfolio
        service: its reply, or None with what the form shows again (kept files, errors per field, status).

        The command carries the form's request id: the same form posted again returns the first reply."""
        t = translator(request)
        received, errors, status = await self._receive(request, gateway, owner)
        kept = _kept(received.lists.get("kept_evidence", [])) + [_evidence_item(e) for e in received.evidence]
        entry, problems = activity_input(received.fields)
        if not errors and entry is not None:
            evidence_ids = [uuid.UUID(item["id"]) for item in kept]
            try:
                reply = await ask(
                    gateway.caller,
                    command(entry, evidence_ids, received.fields),
                    request_id=request_id_from_form(received.fields, subject_of("person", owner.person_id)),
                )
            except RpcError as exc:
                if exc.status not in (*_SHOWN_ON_PAGE, 404):
                    raise
                return (
                    None,
                    received,
                    kept,
                    problem_messages(t, exc, FIELD_OF_CODE, texts="portfolio.problem"),
                    exc.status,
                )
            return reply, received, kept, {}, 200
        if not errors:
            errors = {name: t(f"portfolio.problem.{code}") for name, code in problems.items()}
            status = 422
        return None, received, kept, errors, status

    @post("/portfolio/nieuw", name="portfolio_create", guards=[signed_in], request_max_body_size=MAX_REQUEST_BYTES)
    async def create(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template | Redirect:
        owner = await _owner(request, gateway)
        reply, received, kept, errors, status = await self._submit(
            request,
            gateway,
            owner,
            lambda entry, evidence_ids, _fields: contracts.RecordActivity(
                person_id=owner.person_id, actor=owner.actor, activity=entry, evidence_ids=evidence_ids
            ),
        )
        if reply is not None:
            return Redirect(f"/portfolio?opgeslagen=1#activiteit-{reply.activity.activity_id}", status_code=303)
        return self._form(
            request, gateway, activity=None, values=received.fields, kept=kept, errors=errors, status_code=status
        )

    @get("/portfolio/activiteiten/{activity_id:uuid}/wijzigen", name="portfolio_edit", guards=[signed_in])
    async def edit(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, activity_id: FromPath[uuid.UUID]
    ) -> Template:
        owner = await _owner(request, gateway)
        lang = _lang(request)
        activity, portfolio = await find_activity(gateway, owner, activity_id, lang)
        t = translator(request)
        values = {
            "category": activity.category,
            "title": activity.title,
            "description": activity.description,
            "completion_date": activity.completion_date.isoformat(),
            "study_load_hours": t.number(activity.study_load_hours) if activity.study_load_hours else "",
            "a2_type": activity.activity_type if activity.category == "A2" else "",
            "quantity": t.number(activity.quantity) if activity.quantity else "",
            "hours_per_unit": t.number(activity.hours_per_unit) if activity.hours_per_unit else "",
            "version": str(activity.version),
        }
        kept = [_evidence_item(e) for e in activity.evidence]
        errors: FormErrors = {} if activity.editable else {"_": t("portfolio.problem.not_editable")}
        return self._form(
            request, gateway, activity=activity, values=values, kept=kept, errors=errors, portfolio=portfolio
        )

    @post(
        "/portfolio/activiteiten/{activity_id:uuid}/wijzigen",
        name="portfolio_update",
        guards=[signed_in],
        request_max_body_size=MAX_REQUEST_BYTES,
    )
    async def update(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, activity_id: FromPath[uuid.UUID]
    ) -> Template | Redirect:
        t = translator(request)
        owner = await _owner(request, gateway)
        # The entry first: an unknown or frozen one is refused before any file is stored for it.
        activity, portfolio = await find_activity(gateway, owner, activity_id, _lang(request))
        if not activity.editable:
            values = {"category": activity.category, "title": activity.title, "version": str(activity.version)}
            kept_now = [_evidence_item(e) for e in activity.evidence]
            errors = {"_": t("portfolio.problem.not_editable")}
            return self._form(
                request,
                gateway,
                activity=activity,
                values=values,
                kept=kept_now,
                errors=errors,
                status_code=409,
                portfolio=portfolio,
            )

        def command(
            entry: contracts.ActivityInput, evidence_ids: list[uuid.UUID], fields: dict[str, str]
        ) -> contracts.EditActivity:
            version = fields.get("version", "")
            return contracts.EditActivity(
                person_id=owner.person_id,
                actor=owner.actor,
                activity_id=activity_id,
                expected_version=int(version) if version.isdigit() and int(version) > 0 else activity.version,
                reason=fields.get("reason", "")[:2000],
                activity=entry,
                evidence_ids=evidence_ids,
            )

        reply, received, kept, errors, status = await self._submit(request, gateway, owner, command)
        if reply is not None:
            return Redirect(f"/portfolio?gewijzigd=1#activiteit-{activity_id}", status_code=303)
        # Files the person unticked stay stored (and in the history); the form shows what they chose to keep.
        return self._form(
            request,
            gateway,
            activity=activity,
            values=received.fields,
            kept=kept,
            errors=errors,
            status_code=status,
            portfolio=portfolio,
        )

    # --- History, evidence and exports -------------------------------------------------------------------------

    @get("/portfolio/activiteiten/{activity_id:uuid}", name="portfolio_history", guards=[signed_in])
    async def history(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, activity_id: FromPath[uuid.UUID]
    ) -> Template:
        owner = await _owner(request, gateway)
        try:
            history = await ask(
                gateway.caller,
                contracts.GetActivityHistory(person_id=owner.person_id, actor=owner.actor, activity_id=activity_id),
            )
        except RpcError as exc:
            if exc.status == 404:
                raise NotFoundException("no such activity in your portfolio") from exc
            raise
        latest = history.versions[-1] if history.versions else None
        return page(
            request,
            "portfolio/geschiedenis.html",
            history=history,
            title=str(latest.snapshot.get("title", "")) if latest else "",
            local_time=lambda moment: moment.astimezone(REGISTER_TIME_ZONE),
            origin_words=origin_words,
            reason_words=reason_words,
        )

    @get("/portfolio/bewijs/{evidence_id:uuid}", name="portfolio_evidence", guards=[signed_in])
    async def evidence(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, evidence_id: FromPath[uuid.UUID]
    ) -> Stream:
        owner = await _owner(request, gateway)
        try:
            first = await first_evidence_chunk(gateway.caller, owner, evidence_id)
        except RpcError as exc:
            if exc.status == 404:
                raise NotFoundException("no such evidence file") from exc
            raise
        file = first.evidence
        return Stream(
            evidence_bytes(gateway.caller, owner, first),
            media_type=file.content_type,
            headers={**attachment_headers(file.filename), "Content-Length": str(file.size_bytes)},
        )

    async def _export(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        query: type[contracts.ExportPortfolioCsv] | type[contracts.ExportPortfolioPdf],
    ) -> Response[bytes]:
        owner = await _owner(request, gateway)
        export = await ask(
            gateway.caller,
            query(
                person_id=owner.person_id,
                actor=owner.actor,
                cycle_id=_uuid(request.query_params.get("cyclus")),
                language=_lang(request),
            ),
        )
        return Response(
            base64.b64decode(export.data), media_type=export.content_type, headers=attachment_headers(export.filename)
        )

    @get("/portfolio/export.csv", name="portfolio_csv", guards=[signed_in])
    async def export_csv(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        return await self._export(request, gateway, contracts.ExportPortfolioCsv)

    @get("/portfolio/export.pdf", name="portfolio_pdf", guards=[signed_in])
    async def export_pdf(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        return await self._export(request, gateway, contracts.ExportPortfolioPdf)

    # --- What if ... ? -----------------------------------------------------------------------------------------

    @get("/portfolio/wat-als", name="portfolio_what_if", guards=[signed_in])
    async def what_if(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        t = translator(request)
        owner = await _owner(request, gateway)
        lang = _lang(request)
        query = request.query_params
        cycle_id = _uuid(query.get("cyclus"))
        portfolio = await get_portfolio(gateway.caller, owner, lang, cycle_id, svg=False)
        values = {key: (query.get(key) or "").strip() for key in query}
        question = values.get("vraag", "")
        errors: FormErrors = {}
        answer: contracts.WhatIfAnswer | None = None
        request_message: contracts.WhatIf | None = None
        try:
            if question == "toevoegen":
                request_message = self._what_if_add(values, owner, cycle_id, lang, errors)
            elif question == "afkeuren":
                points = parse_decimal(values.get("punten", "")) or Decimal(0)
                request_message = contracts.WhatIf(
                    person_id=owner.person_id, actor=owner.actor, cycle_id=cycle_id, reject_points=points, language=lang
                )
        except ValueError:
            errors[(question == "afkeuren" and "punten") or "_"] = t("portfolio.problem.number_invalid")
        status = 200
        if request_message is not None and not errors:
            try:
                answer = await ask(gateway.caller, request_message)
            except RpcError as exc:
                if exc.status not in _SHOWN_ON_PAGE:
                    raise
                field = "punten" if question == "afkeuren" else FIELD_OF_CODE.get(exc.code, "_")
                errors[field] = problem_message(t, exc, texts="portfolio.problem")
                status = exc.status
        scheme = scheme_for(gateway, portfolio)
        return page(
            request,
            "portfolio/wat_als.html",
            status_code=status if not errors or status != 200 else 422,
            portfolio=portfolio,
            question=question,
            values=values,
            errors=errors,
            answer=answer,
            a2_options=_a2_options(scheme, t),
        )

    @staticmethod
    def _what_if_add(
        values: dict[str, str],
        owner: PortfolioOwner,
        cycle_id: uuid.UUID | None,
        lang: contracts.Language,
        errors: FormErrors,
    ) -> contracts.WhatIf | None:
        category = values.get("category", "")
        if category not in CATEGORIES:
            errors["category"] = CATALOGUE[lang]["portfolio.problem.category_required"]
            return None
        accredited = values.get("accredited") == "1"
        completion: date | None = None
        try:
            completion = parse_date(values.get("completion_date", ""))
        except ValueError:
            errors["completion_date"] = CATALOGUE[lang]["portfolio.problem.date_invalid"]
            return None
        numbers = {
            name: parse_decimal(values.get(name, ""))
            for name in ("study_load_hours", "quantity", "hours_per_unit", "accredited_points")
        }
        proposed = contracts.ProposedActivity(
            category=category,
            a2_type=(values.get("a2_type") or None) if category == "A2" and not accredited else None,
            study_load_hours=numbers["study_load_hours"] if category == "A1" and not accredited else None,
            quantity=numbers["quantity"] if category == "A2" and not accredited else None,
            hours_per_unit=numbers["hours_per_unit"] if category == "A2" and not accredited else None,
            accredited=accredited,
            accredited_points=numbers["accredited_points"] if accredited else None,
            completion_date=completion,
        )
        return contracts.WhatIf(
            person_id=owner.person_id, actor=owner.actor, cycle_id=cycle_id, add=proposed, language=lang
        )


__all__ = ["EVIDENCE_FIELD", "PortfolioPages"]
