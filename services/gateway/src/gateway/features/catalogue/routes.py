"""The public catalogue of accredited courses ("Opleidingen"): `GET /api/v1/courses` and the page /opleidingen.

Both ask `accreditation.SearchCatalogue`: approved courses whose accreditation is valid today, matched on
title, description, target group and provider name. No sign-in: the catalogue is public.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Final, Literal

from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Template

from gateway.features.provider.models import CatalogueCourseOut, CatalogueOut, ProblemDetails
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.errors import PROBLEM_JSON
from gateway.web.rendering import page
from lklr_shared.contracts.accreditation import Catalogue, SearchCatalogue
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)

PAGE_SIZE: Final = 20
MAX_QUERY: Final = 200
MAX_API_LIMIT: Final = 100
# Far beyond any catalogue; without a bound a huge offset reached the database as an integer it cannot hold (500).
MAX_API_OFFSET: Final = 1_000_000


async def search_catalogue(
    gateway: Gateway, q: str, *, category: Literal["A1", "A2"] | None, limit: int, offset: int
) -> Catalogue:
    reply = await ask(gateway.caller, SearchCatalogue(q=q.strip(), category=category, limit=limit, offset=offset))
    return reply


class CatalogueApi(Controller):
    path = "/api/v1/courses"
    tags = ["catalogue"]

    @get(
        "/",
        summary="Search the catalogue of accredited courses",
        responses={
            400: ResponseSpec(
                ProblemDetails,
                description="`bad_request`: a parameter is out of range or of the wrong type.",
                media_type=PROBLEM_JSON,
            ),
            503: ResponseSpec(ProblemDetails, description="Service unreachable.", media_type=PROBLEM_JSON),
            504: ResponseSpec(ProblemDetails, description="Service too slow.", media_type=PROBLEM_JSON),
        },
    )
    async def search(
        self,
        gateway: GatewayDep,
        q: Annotated[
            str,
            QueryParameter(
                name="q",
                max_length=MAX_QUERY,
                description="Words to look for in title, description, target group and provider name.",
            ),
        ] = "",
        category: Annotated[Literal["A1", "A2"] | None, QueryParameter(name="category")] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_API_LIMIT)] = 50,
        offset: Annotated[int, QueryParameter(name="offset", ge=0, le=MAX_API_OFFSET)] = 0,
    ) -> CatalogueOut:
        """Approved courses whose accreditation is valid today, by title; `total` counts all matches."""
        catalogue = await search_catalogue(gateway, q, category=category, limit=limit, offset=offset)
        return CatalogueOut(
            total=catalogue.total,
            limit=limit,
            offset=offset,
            courses=[CatalogueCourseOut.of(entry) for entry in catalogue.courses],
        )


class CataloguePage(Controller):
    include_in_schema = False

    @get("/opleidingen", name="catalogue")
    async def catalogue(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        q: Annotated[str, QueryParameter(name="q")] = "",
        page_number: Annotated[str, QueryParameter(name="pagina")] = "1",
    ) -> Template:
        query = q.strip()[:MAX_QUERY]
        # A hand-edited page number is no reason for an error page.
        number = min(max(1, int(page_number)), MAX_API_OFFSET // PAGE_SIZE) if page_number.isdigit() else 1
        try:
            catalogue = await search_catalogue(
                gateway, query, category=None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
            )
        except RpcError as exc:
            if exc.status < 500:
                raise
            # The search box stays usable; the notice says the list is not available right now.
            log.warning("catalogue page without results: %s (%s)", exc.message, exc.code)
            return page(
                request, "opleidingen.html", status_code=exc.status, q=query, catalogue=None, page_number=1, pages=0
            )
        pages = max(1, -(-catalogue.total // PAGE_SIZE))
        return page(
            request,
            "opleidingen.html",
            q=query,
            catalogue=catalogue,
            page_number=number,
            pages=pages,
        )
