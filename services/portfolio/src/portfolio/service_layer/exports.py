"""ExportPortfolioCsv and ExportPortfolioPdf: the portfolio view rendered as a file, returned whole.

An export is small (a five-year portfolio is a few hundred rows: tens of kilobytes), so it travels in one reply;
the limit below guards the message size should that ever stop being true.
"""

from __future__ import annotations

import base64
import uuid

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.errors import TooLarge
from lklr_shared.scheme import SchemeVersion
from portfolio.adapters import exports
from portfolio.service_layer.common import PortfolioContext, require_owner
from portfolio.service_layer.placements import ACCREDITED_COURSE
from portfolio.service_layer.progress import build_portfolio, load_portfolio

MAX_EXPORT_BYTES = 8 * 1024 * 1024

_FIXED_TYPES = {
    "nl": {"course": "Cursus (zelf ingevoerd)", ACCREDITED_COURSE: "Geaccrediteerde cursus"},
    "en": {"course": "Course (self-entered)", ACCREDITED_COURSE: "Accredited course"},
}


def type_labels(scheme: SchemeVersion | None, language: str) -> dict[str, str]:
    """Readable names of activity types: the scheme's A2 labels plus the two course kinds."""
    names = dict(_FIXED_TYPES[language])
    if scheme is not None:
        for a2_type in scheme.a2_types:
            names[a2_type.key] = a2_type.label_nl if language == "nl" else a2_type.label_en
    return names


async def _portfolio(
    context: PortfolioContext, person_id: uuid.UUID, cycle_id: uuid.UUID | None, language: str
) -> tuple[contracts.Portfolio, dict[str, str]]:
    loaded = await load_portfolio(context, person_id, cycle_id, today=context.today(), generated_at=context.clock())
    scheme = None if loaded.cycle is None else context.book.get(loaded.cycle.scheme_version)
    view = build_portfolio(loaded, context, language=language, include_svg=False)
    return view, type_labels(scheme, language)


def _reply(filename: str, content_type: str, data: bytes) -> contracts.PortfolioExport:
    if len(data) > MAX_EXPORT_BYTES:
        raise TooLarge("export_too_large", f"the export would be {len(data)} bytes; at most {MAX_EXPORT_BYTES}")
    return contracts.PortfolioExport(
        filename=filename,
        content_type=content_type,
        size_bytes=len(data),
        data=base64.b64encode(data).decode("ascii"),
    )


async def export_csv(context: PortfolioContext, query: contracts.ExportPortfolioCsv) -> contracts.PortfolioExport:
    """Every activity of the cycle and the totals, as CSV."""
    require_owner(query.person_id, query.actor)
    view, labels = await _portfolio(context, query.person_id, query.cycle_id, query.language)
    data = exports.render_csv(view, query.language, labels)
    return _reply(exports.csv_filename(view), "text/csv; charset=utf-8", data)


async def export_pdf(context: PortfolioContext, query: contracts.ExportPortfolioPdf) -> contracts.PortfolioExport:
    """Every activity of the cycle and the totals, as a PDF overview for an employer."""
    require_owner(query.person_id, query.actor)
    view, labels = await _portfolio(context, query.person_id, query.cycle_id, query.language)
    data = exports.render_pdf(view, query.language, labels)
    return _reply(exports.pdf_filename(view), "application/pdf", data)
