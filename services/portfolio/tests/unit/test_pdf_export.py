"""The PDF export as a document to hand to an employer, read back from the PDF's own text: the register's name and
logo and "Pagina n van N" on every page, the period, the totals, and headings that never break inside a word."""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.contracts.portfolio import Portfolio, PortfolioActivity
from portfolio.adapters.exports import render_pdf

from .test_exports import NOW, _portfolio

pytestmark = pytest.mark.unit

HEADINGS_NL = (
    "Datum afgerond",
    "Activiteit",
    "Categorie",
    "Soort",
    "Bron",
    "Aanbieder",
    "Status",
    "Punten",
    "Geaccrediteerd",
    "Telt mee",
    "Reden niet meetellen",
)


def _pages(data: bytes) -> list[list[str]]:
    """The text shown on each page (each content stream inflated, its Tj string operands unescaped, in order)."""
    pages: list[list[str]] = []
    for match in re.finditer(rb"<<([^>]*)>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.S):
        header, body = match.groups()
        if b"/FlateDecode" in header:
            body = zlib.decompress(body)
        shown = [
            re.sub(rb"\\([()\\])", rb"\1", operand.group(1)).decode("cp1252")
            for operand in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body)
        ]
        if shown:
            pages.append(shown)
    return pages


def _activity(index: int, points: str, *, counts: bool = True) -> PortfolioActivity:
    return PortfolioActivity(
        activity_id=uuid.uuid4(),
        version=1,
        source="provider_placed",
        category="A1",
        activity_type="course",
        title=f"Leergang verzuimaanpak en thuiszitters deel {index}",
        description="",
        completion_date=date(2025, 3, 7),
        points=Decimal(points),
        accredited=True,
        state="confirmed",
        counts=counts,
        provider_name="Kenniscentrum Leerplicht",
        recorded_at=NOW,
        updated_at=NOW,
        exclusion=None if counts else "before_registration",
    )


@pytest.fixture(scope="module")
def long_portfolio() -> Portfolio:
    activities = [_activity(index, "4") for index in range(60)] + [_activity(60, "8", counts=False)]
    return _portfolio(*activities)


def test_pdf_export_headings_never_break_inside_a_word(long_portfolio: Portfolio) -> None:
    pages = _pages(render_pdf(long_portfolio, "nl", {"course": "Cursus"}))
    words = {word for page in pages for line in page for word in line.split()}
    for heading in HEADINGS_NL:
        for word in heading.split():
            assert word in words, f"{word!r} of the heading {heading!r} is broken or missing"
    # No heading line is a piece of a word: every shown piece is made of whole words of the document.
    heading_words = {word for heading in HEADINGS_NL for word in heading.split()}
    pieces = {line for page in pages for line in page if line and line not in words}
    assert not [piece for piece in pieces if any(word.startswith(piece) and word != piece for word in heading_words)]


def test_pdf_export_carries_register_name_logo_period_totals_and_page_numbers(long_portfolio: Portfolio) -> None:
    pages = _pages(render_pdf(long_portfolio, "nl", {"course": "Cursus"}))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page[0] == "LKLR"  # the logo's mark, first on every page
        assert "Landelijk Kwaliteitsregister Leerplicht & RMC" in page
        # fpdf2 writes the page count (filled in at the end) as a piece of its own: "Pagina 1 van " + "3".
        assert f"Pagina {number} van {len(pages)}" in "\n".join(page).replace(" van \n", " van ")
        assert "Datum afgerond" in page  # the table's headings repeat on every page it runs over
    first = pages[0]
    assert "1-1-2021 tot en met 31-12-2025" in first  # the period, dates as d-m-jjjj
    assert {"Totalen", "Behaald", "Minimum", "Nog nodig"} <= set(first)
    assert "Totaal meetellende punten in deze periode: 240" in pages[-1]  # 60 × 4; the excluded 8 do not count


def test_pdf_export_writes_dates_as_d_m_jjjj_in_dutch(long_portfolio: Portfolio) -> None:
    shown = " ".join(line for page in _pages(render_pdf(long_portfolio, "nl", {})) for line in page)
    assert "7-3-2025" in shown and "Gemaakt op 1-6-2025" in shown
    assert not re.search(r"\b0\d-\d{1,2}-\d{4}\b|\b\d{4}-\d{2}-\d{2}\b", shown)
