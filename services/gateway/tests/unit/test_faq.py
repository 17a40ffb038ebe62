"""Vragen (FAQ) is rendered from the scheme configuration, not from numbers in the template."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_faq_shows_the_norm_cycle_and_a2_table_of_the_scheme_in_force() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller())) as client:
        response = await client.get("/vragen")
    text = _text(response.text)
    assert response.status_code == 200
    assert "ten minste 160 punten" in text
    assert "ten minste 40 geaccrediteerd" in text
    assert "ten minste 40 uit categorie A2" in text
    assert "duurt 5 jaar" in text
    assert "ten minste 16 uur per week" in text
    # The 2018 version is in force on the test's "today": it knows 360-degree feedback.
    assert "360-graden feedback 10 activiteit" in text
    assert "Intervisie 2 bijeenkomst Per bijeenkomst van ten minste 1,5 uur." in text
    assert "Verzorgen van een training 1 gegeven uur" in text


async def test_faq_in_english_uses_the_english_labels_and_number_format() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller())) as client:
        response = await client.get("/vragen", params={"lang": "en"})
    text = _text(response.text)
    assert "at least 160 points" in text
    assert "Intervision 2 session Per session of at least 1.5 hours." in text


async def test_faq_follows_the_scheme_version_in_force_on_the_day() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller(), today=date(2015, 3, 1))) as client:
        response = await client.get("/vragen")
    assert "versie 2013.1" in response.text
    assert "360-graden feedback" not in response.text


async def test_faq_follows_a_changed_scheme_file_without_a_code_change(tmp_path: Path, scheme_text: str) -> None:
    changed = scheme_text.replace("min_total_points = 160", "min_total_points = 180")
    changed = changed.replace("cycle_years = 5", "cycle_years = 4")
    changed = changed.replace('label_nl = "Intervisie"', 'label_nl = "Intervisiebijeenkomst"')
    changed = changed.replace('points = 2\nunit = "session"', 'points = 2.5\nunit = "session"')
    scheme_file = tmp_path / "scheme.toml"
    scheme_file.write_text(changed, encoding="utf-8")

    async with AsyncTestClient(app=make_app(FakeCaller(), scheme_path=scheme_file)) as client:
        response = await client.get("/vragen")
    text = _text(response.text)
    assert "ten minste 180 punten" in text
    assert "ten minste 160 punten" not in text
    assert "duurt 4 jaar" in text
    assert "Intervisiebijeenkomst 2,5 bijeenkomst" in text


async def test_faq_explains_how_to_object_with_the_schemes_terms_in_dutch_and_english() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller())) as client:
        dutch = _text((await client.get("/vragen")).text)
        english = _text((await client.get("/vragen", params={"lang": "en"})).text)
    assert "binnen 6 weken na de datum van het besluit bezwaar maken" in dutch
    assert "onder Bezwaar maken" in dutch and "hoorzitting" in dutch and "blijft u geregistreerd" in dutch
    assert "binnen 8 weken, in hun opleidersportaal" in dutch
    assert "within 6 weeks of the date of the decision" in english
    assert "hearing" in english and "you stay registered" in english
