"""The portfolio pages for adding and editing self-entered activities with their evidence."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.portfolio.forms import FIELD_OF_CODE, activity_input
from gateway.features.portfolio.page_parts import (
    CATEGORIES,
    SHOWN_ON_PAGE,
    EntryDep,
    OwnerDep,
    OwnerPages,
    a2_options,
    evidence_item,
    find_activity,
    kept_values,
    page_language,
    scheme_for,
)
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.forms import FormErrors, problem_messages, translator
from gateway.web.owners import PortfolioOwner
from gateway.web.rendering import page
from gateway.web.request_ids import request_id_from_form, subject_of
from gateway.web.uploads import (
    MAX_REQUEST_BYTES,
    FormProblem,
    ReceivedForm,
    receive_form,
)
from gateway.web.web_session import signed_in
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.base import ReplyT
from lklr_shared.contracts.base import Request as ContractRequest
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask
from lklr_shared.scheme import CategoryKey

log = logging.getLogger(__name__)


class PortfolioEntryPages(OwnerPages):
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
            a2_options=a2_options(scheme, t),
            a1_points=a1.points_per_study_load_hour or Decimal(1),
            today=gateway.today(),
        )

    @get("/portfolio/nieuw", name="portfolio_new", guards=[signed_in])
    async def new(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        owner: OwnerDep,  # taken for its 404 alone: an account without a registration has no portfolio to add to
    ) -> Template:
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
            if exc.status not in SHOWN_ON_PAGE:
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
        kept = kept_values(received.lists.get("kept_evidence", [])) + [evidence_item(e) for e in received.evidence]
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
                if exc.status not in (*SHOWN_ON_PAGE, 404):
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
    async def create(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        owner: OwnerDep,
    ) -> Template | Redirect:
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
    async def edit(self, request: Request[Any, Any, Any], gateway: GatewayDep, entry: EntryDep) -> Template:
        lang = page_language(request)
        activity, portfolio = await find_activity(gateway, entry.owner, entry.activity_id, lang)
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
        kept = [evidence_item(e) for e in activity.evidence]
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
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        activity_id: FromPath[uuid.UUID],
        owner: OwnerDep,
    ) -> Template | Redirect:
        t = translator(request)
        # The entry first: an unknown or frozen one is refused before any file is stored for it.
        activity, portfolio = await find_activity(gateway, owner, activity_id, page_language(request))
        if not activity.editable:
            values = {"category": activity.category, "title": activity.title, "version": str(activity.version)}
            kept_now = [evidence_item(e) for e in activity.evidence]
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
