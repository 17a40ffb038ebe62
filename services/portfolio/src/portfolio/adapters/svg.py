"""Server-side SVG of a portfolio's progress: a bar per norm constraint, and the points per year of the cycle.

Pure functions from figures to SVG text, rendered here (not in the gateway) so every page, the API and a future
e-mail show the same picture from one implementation. The output is a complete, self-contained ``<svg>``
element with a ``viewBox`` (it scales with its container), a ``<title>`` for screen readers, no scripts and no
external references; every text is XML-escaped, so the gateway can embed it as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Bar", "YearColumn", "format_points", "progress_bars_svg", "timeline_svg"]

_MET = "#2e7d32"
_OPEN = "#1565c0"
_TRACK = "#e0e0e0"
_INK = "#212121"
_FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True, slots=True)
class Bar:
    """One constraint of the norm: its label, the points earned and the minimum."""

    label: str
    earned: Decimal
    minimum: Decimal


@dataclass(frozen=True, slots=True)
class YearColumn:
    """Counted points completed in one year: the total, and the accredited and A2 parts (they may overlap)."""

    year: int
    total: Decimal
    accredited: Decimal
    a2: Decimal


def format_points(points: Decimal, *, decimal_comma: bool) -> str:
    """Points as people write them: "12", "12.5" or, in Dutch, "12,5"."""
    text = f"{points.normalize():f}" if points != points.to_integral_value() else str(int(points))
    return text.replace(".", ",") if decimal_comma else text


def _num(value: float) -> str:
    # Coordinates with at most one decimal keep the SVG small and stable for snapshot-style tests.
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _figures_text(figures: str, *, x: float, y: float, fill_width: float) -> str:
    """The figures on a bar: white inside the fill when the fill is wide enough to hold them, else dark on the
    light track right after the fill, so the text never sits dark on the dark fill (or white on the light track)."""
    # A generous estimate of the text's width at font size 12 (digits and "van"/"of" are about 7 units wide).
    text_width = 7.0 * len(figures) + 16
    if fill_width >= text_width:
        return f'<text x="{_num(x + 8)}" y="{_num(y)}" font-size="12" fill="#ffffff" {_FONT}>{escape(figures)}</text>'
    return f'<text x="{_num(x + fill_width + 6)}" y="{_num(y)}" font-size="12" fill="{_INK}" {_FONT}>{escape(figures)}</text>'


def progress_bars_svg(bars: Sequence[Bar], *, title: str, of_word: str, decimal_comma: bool) -> str:
    """Horizontal bars, one per constraint: filled to earned/minimum (capped at full), green once met.

    ``of_word`` joins the figures ("40 van 160" / "40 of 160").
    """
    width, label_width, bar_height, gap = 480.0, 150.0, 22.0, 14.0
    track_width = width - label_width - 10
    height = gap + len(bars) * (bar_height + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
        f'class="lklr-progress" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = gap + index * (bar_height + gap)
        ratio = 1.0 if bar.minimum <= 0 else min(1.0, float(bar.earned / bar.minimum))
        met = bar.earned >= bar.minimum
        figures = (
            f"{format_points(bar.earned, decimal_comma=decimal_comma)} {of_word} "
            f"{format_points(bar.minimum, decimal_comma=decimal_comma)}"
        )
        parts.append(
            f'<g class="lklr-bar{" lklr-met" if met else ""}">'
            f'<text x="0" y="{_num(y + bar_height * 0.7)}" font-size="13" fill="{_INK}" {_FONT}>'
            f"{escape(bar.label)}</text>"
            f'<rect x="{_num(label_width)}" y="{_num(y)}" width="{_num(track_width)}" height="{_num(bar_height)}" '
            f'rx="4" fill="{_TRACK}"/>'
            f'<rect x="{_num(label_width)}" y="{_num(y)}" width="{_num(track_width * ratio)}" '
            f'height="{_num(bar_height)}" rx="4" fill="{_MET if met else _OPEN}"/>'
            + _figures_text(figures, x=label_width, y=y + bar_height * 0.7, fill_width=track_width * ratio)
            + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(
    columns: Sequence[YearColumn],
    *,
    title: str,
    legend: tuple[str, str, str],
    decimal_comma: bool,
) -> str:
    """Grouped columns per calendar year: total, accredited and A2 points (``legend`` names the three series).

    Drawn 360 units wide with 13-unit text: on a 360 px phone the picture shows about at its own size, so the
    labels stay readable (a wider drawing would shrink them); the page caps its width on larger screens.
    """
    width, height, top, bottom, left = 360.0, 220.0, 30.0, 30.0, 4.0
    plot_height = height - top - bottom
    peak = max((column.total for column in columns), default=Decimal(0))
    scale = plot_height / float(peak) if peak > 0 else 0.0
    slot = (width - 2 * left) / max(1, len(columns))
    column_width = min(22.0, slot / 4)
    colours = (_OPEN, _MET, "#f9a825")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
        f'class="lklr-timeline" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
    ]
    for index, (name, colour) in enumerate(zip(legend, colours, strict=True)):
        x = left + index * 118
        parts.append(
            f'<rect x="{_num(x)}" y="6" width="11" height="11" fill="{colour}"/>'
            f'<text x="{_num(x + 15)}" y="16" font-size="13" fill="{_INK}" {_FONT}>{escape(name)}</text>'
        )
    baseline = height - bottom
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(baseline)}" x2="{_num(width - left)}" y2="{_num(baseline)}" '
        f'stroke="{_INK}" stroke-width="1"/>'
    )
    for index, column in enumerate(columns):
        slot_left = left + index * slot + (slot - 3 * column_width) / 2
        for series, (value, colour) in enumerate(
            zip((column.total, column.accredited, column.a2), colours, strict=True)
        ):
            bar_height = float(value) * scale
            parts.append(
                f'<rect x="{_num(slot_left + series * column_width)}" y="{_num(baseline - bar_height)}" '
                f'width="{_num(column_width - 2)}" height="{_num(bar_height)}" fill="{colour}">'
                f"<title>{column.year}: {escape(format_points(value, decimal_comma=decimal_comma))}</title></rect>"
            )
        parts.append(
            f'<text x="{_num(left + index * slot + slot / 2)}" y="{_num(height - 10)}" font-size="13" '
            f'text-anchor="middle" fill="{_INK}" {_FONT}>{column.year}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
