"""The digital portfolio pages: progress against the norm, the activities with filters, and checking provider-placed entries;
adding and editing are in `entry_pages.py`, history, downloads and what-if checks in `record_pages.py`.

Every request acts for the signed-in account's own registration (`current_person`): there is no person id in
these URLs, and the portfolio service refuses every object of another person (evidence: 404 as if absent).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from gateway.features.portfolio.forms import DisputeForm
from gateway.features.portfolio.page_parts import (
    CATEGORIES,
    FILTERS,
    FLASHES,
    SHOWN_ON_PAGE,
    SOURCES,
    STATES,
    EntryDep,
    OwnerPages,
    filter_activities,
    page_language,
    scheme_for,
    type_label,
    uuid_or_none,
)
from gateway.features.portfolio.queries import get_portfolio
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.forms import FORM, FormErrors, problem_message, translator
from gateway.web.owners import PortfolioOwner, current_person
from gateway.web.rendering import page
from gateway.web.web_session import signed_in, web_state
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)


class PortfolioPages(OwnerPages):
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
            owner = await current_person(request, gateway.caller, "web", state.account.account_id)
            if owner is None:
                return page(request, "portfolio/niet_geregistreerd.html")
        lang = page_language(request)
        query = request.query_params
        try:
            portfolio = await get_portfolio(gateway.caller, owner, lang, uuid_or_none(query.get("cyclus")))
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
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        entry: EntryDep,
    ) -> Template | Redirect:
        try:
            await ask(
                gateway.caller,
                contracts.ConfirmActivity(
                    person_id=entry.owner.person_id, actor=entry.owner.actor, activity_id=entry.activity_id
                ),
            )
        except RpcError as exc:
            if exc.status not in SHOWN_ON_PAGE:
                raise
            t = translator(request)
            return await self._overview(
                request,
                gateway,
                entry.owner,
                errors={"_": problem_message(t, exc, texts="portfolio.problem")},
                status_code=exc.status,
            )
        return Redirect(f"/portfolio?bevestigd=1#activiteit-{entry.activity_id}", status_code=303)

    @post("/portfolio/activiteiten/{activity_id:uuid}/betwisten", name="portfolio_dispute", guards=[signed_in])
    async def dispute(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        data: Annotated[DisputeForm, FORM],
        entry: EntryDep,
    ) -> Template | Redirect:
        t = translator(request)
        reason = data.reason
        field = f"reason-{entry.activity_id}"
        if not reason:
            return await self._overview(
                request,
                gateway,
                entry.owner,
                errors={field: t("portfolio.problem.reason_required")},
                open_dispute=str(entry.activity_id),
                status_code=422,
            )
        try:
            await ask(
                gateway.caller,
                contracts.DisputeActivity(
                    person_id=entry.owner.person_id,
                    actor=entry.owner.actor,
                    activity_id=entry.activity_id,
                    reason=reason[:2000],
                ),
            )
        except RpcError as exc:
            if exc.status not in SHOWN_ON_PAGE:
                raise
            return await self._overview(
                request,
                gateway,
                entry.owner,
                errors={field: problem_message(t, exc, texts="portfolio.problem")},
                open_dispute=str(entry.activity_id),
                status_code=exc.status,
            )
        return Redirect(f"/portfolio?betwist=1#activiteit-{entry.activity_id}", status_code=303)
