"""The public catalogue: approved courses valid today, searchable by text and category."""

from __future__ import annotations

from accreditation.adapters.repositories import courses as repository
from accreditation.domain.text import search_words
from accreditation.service_layer.context import AccreditationContext
from accreditation.service_layer.courses import editions_of, published_fields
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import InvalidRequest

MAX_CATALOGUE_PAGE = 200


async def search_catalogue(ctx: AccreditationContext, query: contracts.SearchCatalogue) -> contracts.Catalogue:
    """Approved courses valid today (the same rule as ``domain.courses.is_in_catalogue``, as SQL)."""
    if not 1 <= query.limit <= MAX_CATALOGUE_PAGE or query.offset < 0:
        raise InvalidRequest("invalid_paging", f"limit must be 1-{MAX_CATALOGUE_PAGE} and offset at least 0.")
    q = search_words(query.q, max_length=200)
    async with ctx.unit_of_work() as uow:
        total, rows = await repository.catalogue(
            uow.session, today=ctx.today(), category=query.category, text=q, limit=query.limit, offset=query.offset
        )
        course_editions = await editions_of(uow.session, [row.course_id for row in rows])
    return contracts.Catalogue(
        total=total,
        courses=[
            contracts.CatalogueEntry(**published_fields(row), editions=course_editions[row.course_id]) for row in rows
        ],
    )
