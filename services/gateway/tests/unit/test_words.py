"""Consistent words: labels that say truly what is required, plurals through the catalogue's plural forms,
one date format, Dutch on the first visit, one status vocabulary with distinct badges."""

from __future__ import annotations

import pathlib
import re
from datetime import date
from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.i18n import CATALOGUE, LANGUAGES, Translator
from gateway.web.recorded_words import origin_words, reason_words
from lklr_shared.contracts import registry as c

from .portfolio_fake import PortfolioWorld, jansen_world
from .registry_fake import PASSWORD
from .web_helpers import client_fixture, csrf_for, sign_in

pytestmark = pytest.mark.unit


@pytest.fixture
def world() -> PortfolioWorld:
    return jansen_world()


client = client_fixture("world")


def _label(html: str, field: str) -> str:
    match = re.search(rf'<label for="{field}">(.*?)</label>', html, re.S)
    assert match, f"no label for {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


async def test_new_activity_form_says_study_load_is_required_for_a1_instead_of_optional(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    html = (await client.get("/portfolio/nieuw")).text
    assert _label(html, "study_load_hours") == "Studiebelasting in uren (verplicht bij A1)"
    assert _label(html, "quantity") == "Aantal (verplicht bij A2)"
    assert "niet verplicht" not in _label(html, "hours_per_unit")


# --- Plurals ---------------------------------------------------------------------------------------------------


def test_no_message_spells_a_plural_as_en_or_s_in_brackets() -> None:
    pattern = re.compile(r"\w\((en|s)\)|\w/\w+en\b|entry/entries")
    offenders = {
        (language, key): text
        for language in LANGUAGES
        for key, text in CATALOGUE[language].items()
        if pattern.search(text)
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("nl", 1, "1 opleiding gevonden voor ‘x’"),
        ("nl", 2, "2 opleidingen gevonden voor ‘x’"),
        ("nl", 0, "0 opleidingen gevonden voor ‘x’"),
        ("nl", 1200, "1.200 opleidingen gevonden voor ‘x’"),
        ("en", 1, "1 course found for ‘x’"),
        ("en", 3, "3 courses found for ‘x’"),
    ],
)
def test_plural_forms_follow_the_count(language: str, count: int, expected: str) -> None:
    assert Translator(language).plural("catalogue.count_for", count, q="x") == expected


def test_one_provider_entry_to_check_reads_vermelding_not_vermeldingen() -> None:
    t = Translator("nl")
    assert t.plural("portfolio.awaiting.count", 1) == "1 vermelding wacht op uw controle."
    assert t.plural("portfolio.awaiting.count", 2) == "2 vermeldingen wachten op uw controle."
    assert t.plural("faq.a1.a", Decimal(1)).startswith("Voor bij- en nascholing krijgt u 1 punt per")


# --- Dates -----------------------------------------------------------------------------------------------------


def test_dates_read_day_month_year_in_dutch() -> None:
    assert Translator("nl").date(date(2026, 3, 7)) == "7-3-2026"


# --- Rules at the form -----------------------------------------------------------------------------------------


async def test_application_form_refuses_12_hours_a_week_against_the_16_hour_rule_before_asking_the_registry(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    world.registry.add("smit@example.nl", "F.", "Smit")
    await sign_in(client, "smit@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn/aanvraag")
    response = await client.post(
        "/mijn/aanvraag",
        data={
            "csrf_token": token,
            "role": "leerplichtambtenaar",
            "employer_name": "Gemeente Utrecht",
            "employer_kind": "municipality",
            "hours_per_week": "12",
            "declaration": "",
        },
    )
    assert response.status_code == 422
    assert "Voor registratie werkt u ten minste 16 uur per week in deze functie." in response.text
    assert "Vink de verklaring aan." in response.text  # all problems at once, the hours among them
    assert world.registry.of(c.ApplyForRegistration) == []


# --- One status vocabulary -------------------------------------------------------------------------------------


def test_awaiting_your_check_and_awaiting_the_audit_have_distinct_words_and_badges() -> None:
    for language in LANGUAGES:
        words = {CATALOGUE[language][f"portfolio.state.{state}"] for state in ("placed", "to_be_checked")}
        assert len(words) == 2, language
    css = (pathlib.Path(__file__).parents[2] / "src/gateway/static/lklr.css").read_text()
    rules = {
        state: re.search(rf"\.state-{state}\b[^{{]*\{{([^}}]*)\}}", css).group(1)  # type: ignore[union-attr]
        for state in ("placed", "to_be_checked")
    }
    assert rules["placed"] != rules["to_be_checked"]
    assert CATALOGUE["nl"]["portfolio.state.placed"] == "Wacht op uw controle"


# --- Staff work first ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        (["office"], "/beheer/aanvragen"),
        (["accreditation_committee"], "/commissie"),
        (["assessment_committee"], "/beoordeling"),
        (["administrator"], "/beheer/accounts"),
        ([], "/mijn"),
    ],
)
def test_each_staff_role_lands_on_its_work_queue_not_on_mijn_registratie(roles: list[str], landing: str) -> None:
    from gateway.features.accounts.pages import _default_landing

    assert _default_landing(roles) == landing  # type: ignore[arg-type]


# --- What the services record, in words ------------------------------------------------------------------------


def test_history_shows_system_origins_and_reasons_in_words_never_an_internal_id() -> None:
    t = Translator("nl")
    batch = "attendance batch 622f4b20-603a-4393-8053-aec5ba7854ab"
    assert reason_words(t, batch) == "Deelname doorgegeven door de aanbieder"
    assert reason_words(t, "demo registration") == "Registratie in de voorbeeldgegevens"
    assert reason_words(t, "re-registration granted") == "Herregistratie toegekend"
    assert reason_words(t, "Ik was er niet.") == "Ik was er niet."  # a person's own words stay as written
    assert origin_words(t, "accreditation") == "Aanbieder (deelnamemelding)"
    assert origin_words(t, "demo-data") == "Voorbeeldgegevens"
    assert origin_words(t, "192.0.2.7") == "192.0.2.7"
    assert reason_words(Translator("en"), batch) == "Attendance posted by the provider"
