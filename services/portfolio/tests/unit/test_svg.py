"""Server-side SVG of the progress: well-formed, escaped, proportional, labelled."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from portfolio.adapters.svg import Bar, YearColumn, format_points, progress_bars_svg, timeline_svg

pytestmark = pytest.mark.unit

D = Decimal
NS = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f"{NS}g")


def test_progress_bars_fill_to_earned_over_minimum_and_turn_green_when_met() -> None:
    svg = progress_bars_svg(
        [Bar("Totaal", D(80), D(160)), Bar("Geaccrediteerd", D(50), D(40)), Bar("A2", D(0), D(40))],
        title="Voortgang",
        of_word="van",
        decimal_comma=True,
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.find(f"{NS}title").text == "Voortgang"  # type: ignore[union-attr]
    widths = []
    for group in _bars(svg):
        track, fill = group.findall(f"{NS}rect")
        widths.append(float(fill.get("width")) / float(track.get("width")))  # type: ignore[arg-type]
    assert widths == pytest.approx([0.5, 1.0, 0.0], abs=0.01)
    assert [group.get("class") for group in _bars(svg)] == ["lklr-bar", "lklr-bar lklr-met", "lklr-bar"]
    assert [group.findall(f"{NS}text")[1].text for group in _bars(svg)] == ["80 van 160", "50 van 40", "0 van 40"]


def test_labels_are_escaped_so_the_svg_can_be_embedded_as_is() -> None:
    svg = progress_bars_svg([Bar('<script>"x"</script>', D(1), D(2))], title="a & b", of_word="of", decimal_comma=False)
    root = ET.fromstring(svg)  # parses: nothing broke out of its element
    assert "<script>" not in svg
    assert root.find(f"{NS}title").text == "a & b"  # type: ignore[union-attr]


def test_the_timeline_has_three_columns_per_year_scaled_to_the_best_year() -> None:
    svg = timeline_svg(
        [
            YearColumn(2021, D(40), D(20), D(10)),
            YearColumn(2022, D(0), D(0), D(0)),
            YearColumn(2023, D(20), D(0), D(20)),
        ],
        title="Punten per jaar",
        legend=("Totaal", "Geaccrediteerd", "A2"),
        decimal_comma=True,
    )
    root = ET.fromstring(svg)
    columns = [rect for rect in root.findall(f"{NS}rect") if rect.find(f"{NS}title") is not None]
    assert len(columns) == 9
    heights = [float(rect.get("height")) for rect in columns]  # type: ignore[arg-type]
    assert heights[0] == max(heights) and heights[6] == pytest.approx(heights[0] / 2, abs=0.1)
    assert [text.text for text in root.findall(f"{NS}text")][-3:] == ["2021", "2022", "2023"]


def test_an_empty_timeline_still_draws() -> None:
    ET.fromstring(timeline_svg([], title="t", legend=("a", "b", "c"), decimal_comma=False))


@pytest.mark.parametrize(
    ("points", "comma", "text"),
    [(D("12.00"), True, "12"), (D("12.50"), True, "12,5"), (D("12.5"), False, "12.5"), (D(160), False, "160")],
)
def test_points_are_written_as_people_write_them(points: Decimal, comma: bool, text: str) -> None:
    assert format_points(points, decimal_comma=comma) == text


def test_bar_figures_are_white_only_on_a_fill_wide_enough_for_them_and_dark_after_a_short_fill() -> None:
    svg = progress_bars_svg(
        [Bar("Totaal", D(20), D(160)), Bar("A2", D(30), D(40))], title="Voortgang", of_word="van", decimal_comma=True
    )
    for group, expected in zip(_bars(svg), ("#212121", "#ffffff"), strict=True):
        _track, fill = group.findall(f"{NS}rect")
        figures = group.findall(f"{NS}text")[1]
        assert figures.get("fill") == expected
        fill_end = float(fill.get("x")) + float(fill.get("width"))  # type: ignore[arg-type]
        if expected == "#212121":  # dark text starts on the light track, past the dark fill
            assert float(figures.get("x")) > fill_end  # type: ignore[arg-type]
