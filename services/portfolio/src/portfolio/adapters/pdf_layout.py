"""Layout of the register's PDF documents: the letterhead (logo and register name) on every page, page numbers
"Pagina 1 van 3", and table columns wide enough that no heading breaks in the middle of a word.

Nothing here knows a portfolio: any document the register hands to a professional (an overview, a certificate)
can use the same `RegisterDocument` and `fitted_widths`, so they look like one family.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

__all__ = ["BRAND_RGB", "RegisterDocument", "fitted_widths", "pdf_text"]

# The register's colour (the blue of the web pages' header), as RGB for the logo and the rules.
BRAND_RGB = (21, 66, 115)
_LOGO_SIZE = 11.0  # mm, the square of the logo in the letterhead
# Left and right padding fpdf2 gives a table cell (its default `padding` of 0 plus the c_margin it keeps).
_CELL_SLACK = 3.0


def pdf_text(value: str) -> str:
    """``value`` as the PDF's built-in fonts can show it (Windows-1252; anything else becomes "?")."""
    # A Unicode TTF font would lift this (a deployment file); failing a whole document on one character would not.
    return value.encode("cp1252", errors="replace").decode("cp1252")


class RegisterDocument(FPDF):
    """A4 document with the register's letterhead on every page and "<page word> n van N" in the footer.

    ``register_name`` is printed beside the logo; ``page_word``/``of_word`` make the footer ("Pagina", "van");
    ``footer_note`` (e.g. the day it was made) is printed at the left of the footer.
    """

    def __init__(
        self,
        *,
        register_name: str,
        document_title: str,
        page_word: str,
        of_word: str,
        footer_note: str = "",
        orientation: str = "portrait",
    ) -> None:
        super().__init__(orientation=orientation, format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.register_name = pdf_text(register_name)
        self.document_title = pdf_text(document_title)
        self.page_word = pdf_text(page_word)
        self.of_word = pdf_text(of_word)
        self.footer_note = pdf_text(footer_note)
        self.set_title(self.document_title)
        self.set_creator(self.register_name)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(left=14, top=12, right=14)

    def logo(self, x: float, y: float, size: float = _LOGO_SIZE) -> None:
        """The register's mark: a blue square with "LKLR" in white (drawn, so it needs no image file)."""
        self.set_fill_color(*BRAND_RGB)
        self.rect(x, y, size, size, style="F")
        self.set_text_color(255, 255, 255)
        self.set_font("Helvetica", style="B", size=size * 0.62)
        self.set_xy(x, y)
        self.cell(size, size, "LKLR", align="C")
        self.set_text_color(0, 0, 0)

    def header(self) -> None:
        top = 10.0
        self.logo(self.l_margin, top)
        self.set_xy(self.l_margin + _LOGO_SIZE + 3, top)
        self.set_font("Helvetica", style="B", size=11)
        self.set_text_color(*BRAND_RGB)
        self.cell(0, 5.5, self.register_name, new_x="LMARGIN", new_y="NEXT")
        self.set_x(self.l_margin + _LOGO_SIZE + 3)
        self.set_font("Helvetica", size=9)
        self.set_text_color(60, 60, 60)
        self.cell(0, 5.5, self.document_title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_draw_color(*BRAND_RGB)
        self.set_line_width(0.4)
        rule = top + _LOGO_SIZE + 2
        self.line(self.l_margin, rule, self.w - self.r_margin, rule)
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        self.set_y(rule + 4)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", size=8)
        self.set_text_color(60, 60, 60)
        if self.footer_note:
            self.cell(0, 8, self.footer_note, align="L")
            self.set_x(self.l_margin)
        self.cell(0, 8, f"{self.page_word} {self.page_no()} {self.of_word} {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def fitted_widths(
    pdf: FPDF,
    headings: Sequence[str],
    *,
    total: float,
    stretch: int,
    font_size: float,
    values: Sequence[Sequence[str]] = (),
    widest_value: float = 36.0,
) -> tuple[float, ...]:
    """Column widths (mm) summing to ``total`` in which every heading's longest word fits on one line, so a
    heading wraps only between words. Where the page has room, a column also fits its values' longest word (up to
    ``widest_value`` mm). What is left goes to column ``stretch`` (e.g. the title). Headings are measured bold."""
    pdf.set_font("Helvetica", style="B", size=font_size)
    needed = [
        max(pdf.get_string_width(word) for word in (heading.split() or [""])) + _CELL_SLACK for heading in headings
    ]
    whole = [pdf.get_string_width(heading) + _CELL_SLACK for heading in headings]
    pdf.set_font("Helvetica", size=font_size)
    words = list(needed)
    for row in values:
        for index, value in enumerate(row):
            longest = max((pdf.get_string_width(word) for word in value.split()), default=0.0) + _CELL_SLACK
            words[index] = max(words[index], min(longest, widest_value))
            whole[index] = max(whole[index], min(pdf.get_string_width(value) + _CELL_SLACK, widest_value))
    # Best first: headings and values on one line; else no word of them broken; else only the headings' words whole.
    for widths in (whole, words, needed):
        rest = total - sum(width for index, width in enumerate(widths) if index != stretch)
        if rest >= widths[stretch]:
            return tuple(rest if index == stretch else width for index, width in enumerate(widths))
    raise ValueError(f"the headings need {sum(needed):.1f} mm, the page has {total:.1f} mm")
