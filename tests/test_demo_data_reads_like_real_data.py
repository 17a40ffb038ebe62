"""The demo data reads like a real register's: every applicant a different person with a plain name (no "-2"),
no "(demo)" tags on providers or places, and Dutch labels where the Dutch interface shows them. Read from the
loaders' own constants and texts, so a new English label or a numbered name fails here, without starting anything."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from accreditation.service_layer import demo as accreditation_demo
from scripts import demo_audit

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
LOADERS = (
    ROOT / "scripts" / "demo_audit.py",
    ROOT / "scripts" / "demo_portfolio.py",
    ROOT / "scripts" / "demo_data.py",
    ROOT / "services" / "accreditation" / "src" / "accreditation" / "service_layer" / "demo.py",
)
# Keyword arguments whose values the pages show to people (the rest are ids, keys, addresses and actors).
SHOWN = {"title", "description", "location", "label", "reason", "name", "programme", "target_group", "course_title"}


def _shown_strings(path: Path) -> list[str]:
    """String constants passed as a shown keyword argument (title=..., location=...), and positional place names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.keyword)
            and node.arg in SHOWN
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.append(node.value.value)
        # The demo portfolio's attendance posts name the edition's place positionally.
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_post_attendance":
            found += [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return found


def test_demo_applicants_are_distinct_people_without_numbered_names() -> None:
    people = demo_audit.DEMO_APPLICANTS
    assert len(people) >= demo_audit.ROUND_SIZE * demo_audit.MAX_ROUNDS
    assert len(set(people)) == len(people)
    assert not [surname for _initials, surname in people if re.search(r"-\d+$|\d", surname)]


def test_demo_provider_and_places_carry_no_demo_tag() -> None:
    assert "demo" not in accreditation_demo.DEMO_PROVIDER_NAME.lower()
    tagged = [text for path in LOADERS for text in _shown_strings(path) if "(demo)" in text]
    assert not tagged, tagged


def test_demo_labels_shown_in_the_dutch_interface_are_dutch() -> None:
    english = re.compile(r"\b(key|published|demo registration|the|and|for|with)\b", re.IGNORECASE)
    shown = [text for path in LOADERS for text in _shown_strings(path) if " " in text]
    assert shown  # the walk finds the texts at all
    assert not [text for text in shown if english.search(text)], [text for text in shown if english.search(text)]
