"""The portfolio pages for an activity's history, an evidence download, the CSV and PDF exports and the
what-if check."""

from __future__ import annotations

import base64
import logging
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream, Template

from gateway.features.portfolio import page_parts as parts
from gateway.features.portfolio.forms import FIELD_OF_CODE, parse_decimal
from gateway.features.portfolio.page_parts import (
    EntryDep,
    OwnerDep,
    OwnerPages,
    page_language,
    scheme_for,
    uuid_or_none,
)
from gateway.features.portfolio.queries import get_portfolio
from gateway.i18n import CATALOGUE
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.dates import parse_date
from gateway.web.forms import FormErrors, problem_message, translator
from gateway.web.owners import PortfolioOwner
from gateway.web.recorded_words import origin_words, reason_words
from gateway.web.rendering import page
from gateway.web.uploads import (
    attachment_headers,
    evidence_bytes,
    first_evidence_chunk,
)
from gateway.web.web_session import signed_in
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import REGISTER_TIME_ZONE
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)


class PortfolioRecordPages(OwnerPages):
    # --- History, evidence and exports -------------------------------------------------------------------------

    @get("/portfolio/activiteiten/{activity_id:uuid}", name="portfolio_history", guards=[signed_in])
    async def history(self, request: Request[Any, Any, Any], gateway: GatewayDep, entry: EntryDep) -> Template:
        try:
            history = await ask(
                gateway.caller,
                contracts.GetActivityHistory(
                    person_id=entry.owner.person_id, actor=entry.owner.actor, activity_id=entry.activity_id
                ),
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
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        evidence_id: FromPath[uuid.UUID],
        owner: OwnerDep,
    ) -> Stream:
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
        owner: PortfolioOwner,
        query: type[contracts.ExportPortfolioCsv] | type[contracts.ExportPortfolioPdf],
    ) -> Response[bytes]:
        export = await ask(
            gateway.caller,
            query(
                person_id=owner.person_id,
                actor=owner.actor,
                cycle_id=uuid_or_none(request.query_params.get("cyclus")),
                language=page_language(request),
            ),
        )
        return Response(
            base64.b64decode(export.data), media_type=export.content_type, headers=attachment_headers(export.filename)
        )

    @get("/portfolio/export.csv", name="portfolio_csv", guards=[signed_in])
    async def export_csv(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, owner: OwnerDep
    ) -> Response[bytes]:
        return await self._export(request, gateway, owner, contracts.ExportPortfolioCsv)

    @get("/portfolio/export.pdf", name="portfolio_pdf", guards=[signed_in])
    async def export_pdf(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, owner: OwnerDep
    ) -> Response[bytes]:
        return await self._export(request, gateway, owner, contracts.ExportPortfolioPdf)

    # --- What if ... ? -----------------------------------------------------------------------------------------

    @get("/portfolio/wat-als", name="portfolio_what_if", guards=[signed_in])
    async def what_if(self, request: Request[Any, Any, Any], gateway: GatewayDep, owner: OwnerDep) -> Template:
        t = translator(request)
        lang = page_language(request)
        query = request.query_params
        cycle_id = uuid_or_none(query.get("cyclus"))
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
                if exc.status not in parts.SHOWN_ON_PAGE:
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
            a2_options=parts.a2_options(scheme, t),
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
        if category not in parts.CATEGORIES:
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
