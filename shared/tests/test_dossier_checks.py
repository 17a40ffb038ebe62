"""The dossier checks' rules (one rule set for the self-check and the audit's automatic checks), on the default
scheme's 2018.1 version: 160 points, 40 accredited, 40 A2; A1 one point per study-load hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.contracts.portfolio import DossierActivity, DossierEvidence
from lklr_shared.dossier_checks import CheckedActivity, FindingCode, check_dossier, check_view, checked_from_dossier
from lklr_shared.scheme import default_scheme_path, load_scheme_book

pytestmark = pytest.mark.unit

SCHEME = load_scheme_book(default_scheme_path()).get("2018.1")
START, END = date(2021, 3, 1), date(2026, 2, 28)

ACCREDITED = CheckedActivity(
    "placed-1", "A1", "Verzuimaanpak", Decimal(80), True, "provider_placed", "confirmed", date(2024, 5, 1), 0
)
COURSE = CheckedActivity(
    "course-1", "A1", "Leergang jeugdrecht", Decimal(40), False, "self_entered", "to_be_checked",
    date(2024, 6, 1), 1, study_load_hours=Decimal(40),
)  # fmt: skip
ARTICLES = CheckedActivity(
    "articles-1", "A2", "Artikelen", Decimal(40), False, "self_entered", "to_be_checked", date(2025, 1, 10), 1,
    a2_type="article", quantity=Decimal(4),
)  # fmt: skip
COMPLETE = (ACCREDITED, COURSE, ARTICLES)


def _codes(activities: tuple[CheckedActivity, ...]) -> list[tuple[str, str | None]]:
    return [(f.code.value, f.activity_id) for f in check_dossier(SCHEME, START, END, activities).findings]


def test_a_complete_dossier_has_no_findings() -> None:
    result = check_dossier(SCHEME, START, END, COMPLETE)
    assert (result.passed, result.findings, result.sample_flag_share) == (True, (), Decimal(0))


def test_a_self_entered_activity_without_evidence_is_flagged_and_counts_in_the_sample_share() -> None:
    result = check_dossier(SCHEME, START, END, (ACCREDITED, COURSE, replace(ARTICLES, evidence_count=0)))
    assert not result.passed
    assert (result.errors[0].code, result.errors[0].activity_id) == (FindingCode.EVIDENCE_MISSING, "articles-1")
    assert (result.flagged_self_entered_count, result.self_entered_count, result.sample_flag_share) == (
        1,
        2,
        Decimal("0.50"),
    )
    # Without the flagged articles the A2 minimum and the total are short: worst case, said as such.
    assert {f.code for f in result.errors} >= {FindingCode.NORM_A2_SHORT, FindingCode.NORM_TOTAL_SHORT}


def test_dates_outside_the_cycle_points_not_as_the_scheme_gives_and_duplicates_are_flagged() -> None:
    late = replace(COURSE, activity_id="late", title="Later", completion_date=date(2026, 3, 1))
    wrong = replace(ARTICLES, points=Decimal(50))
    twice = replace(COURSE, activity_id="course-2", title="  leergang   JEUGDRECHT ")
    codes = _codes((ACCREDITED, COURSE, wrong, late, twice))
    assert ("outside_cycle", "late") in codes
    assert ("points_differ", "articles-1") in codes
    assert ("counted_twice", "course-2") in codes and ("counted_twice", "course-1") not in codes


def test_an_a2_unit_below_its_minimum_duration_and_an_unknown_type_are_flagged() -> None:
    short = replace(
        ARTICLES, activity_id="intervision", a2_type="intervision", quantity=Decimal(2),
        hours_per_unit=Decimal(1), points=Decimal(4), title="Intervisie",
    )  # fmt: skip
    unknown = replace(ARTICLES, activity_id="unknown", a2_type="podcast", title="Podcast")
    codes = _codes((*COMPLETE, short, unknown))
    assert ("condition_not_met", "intervision") in codes and ("type_not_in_scheme", "unknown") in codes


def test_provider_entries_unconfirmed_or_disputed_are_notices_not_errors() -> None:
    placed = replace(ACCREDITED, state="placed")
    disputed = replace(ACCREDITED, activity_id="placed-2", title="Andere cursus", state="disputed")
    result = check_dossier(SCHEME, START, END, (placed, COURSE, ARTICLES, disputed))
    assert result.passed
    assert [(f.code.value, f.severity) for f in result.findings] == [
        ("provider_entry_unconfirmed", "notice"),
        ("provider_entry_disputed", "notice"),
    ]


def test_a_frozen_dossier_activity_is_checked_like_the_portfolio_entry_it_came_from() -> None:
    frozen = DossierActivity(
        activity_id="00000000-0000-4000-8000-000000000001",
        category="A2",
        activity_type="article",
        points=Decimal(40),
        accredited=False,
        self_entered=True,
        completion_date=date(2025, 1, 10),
        title="Artikelen",
        evidence=[DossierEvidence(evidence_id="00000000-0000-4000-8000-000000000002", filename="a.pdf",
                                  file_type="pdf", size_bytes=10)],
        source="self_entered",
        state="to_be_checked",
        a2_type="article",
        quantity=Decimal(4),
    )  # fmt: skip
    checked = checked_from_dossier(frozen)
    assert checked == replace(ARTICLES, activity_id=str(frozen.activity_id))
    view = check_view(
        check_dossier(SCHEME, START, END, [replace(checked, evidence_count=0)]), {checked.activity_id: "A"}
    )
    assert view.findings[0].code == "evidence_missing" and view.findings[0].activity_title == "A"
