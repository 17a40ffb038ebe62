"""The portfolio pages against a fake registry and a fake portfolio service: who sees what, what the pages send
to the portfolio (streamed evidence included), and what they show."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import portfolio as p

from .portfolio_fake import CHUNK, MAX_BYTES, PDF, PNG, PortfolioWorld, jansen_world
from .registry_fake import PASSWORD, FakeAccount
from .web_helpers import client_fixture, csrf_for, csrf_from, sign_in

pytestmark = pytest.mark.unit


@pytest.fixture
def world() -> PortfolioWorld:
    world = jansen_world()
    visser = world.registry.add("visser@example.nl", "E.", "Visser")
    world.registry.register(visser, "0000021")
    world.registry.add("smit@example.nl", "F.", "Smit")  # an account without a registration
    return world


@pytest.fixture
def jansen(world: PortfolioWorld) -> FakeAccount:
    return world.registry.accounts["jansen@example.nl"]


client = client_fixture("world")


@pytest.fixture
async def signed_in(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    return client


def _pdf(size: int) -> bytes:
    return PDF[:9] + b"x" * (size - 9)


async def _add(
    client: AsyncTestClient[Litestar],
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    token = await csrf_for(client, "/portfolio/nieuw")
    # A form with files carries its CSRF token in the action URL, as the page's form does.
    return await client.post(
        "/portfolio/nieuw",
        params={"csrf_token": token} if files else None,
        data={"csrf_token": token, **data},
        files=files or [],
        follow_redirects=False,
    )


A2_FIELDS = {
    "category": "A2",
    "title": "Intervisie met collega's",
    "description": "Vier bijeenkomsten in de regio.",
    "completion_date": "2025-05-20",
    "a2_type": "collegial_feedback",
    "quantity": "2",
    "study_load_hours": "12",  # filled in the A1 block by mistake: not sent for an A2 activity
}


# --- Who sees what ---------------------------------------------------------------------------------------------


async def test_a_visitor_gets_an_explanation_and_a_login_link_without_asking_the_portfolio(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await client.get("/portfolio")
    assert response.status_code == 200
    assert "Log in om het uwe te zien" in response.text
    assert 'href="/inloggen?next=/portfolio"' in response.text
    assert world.portfolio.requests == []


@pytest.mark.parametrize("path", ["/portfolio/nieuw", "/portfolio/wat-als", "/portfolio/export.csv"])
async def test_the_other_portfolio_pages_send_a_visitor_to_the_login_page(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/inloggen?next={path}"


async def test_an_account_without_a_registration_is_pointed_to_its_application(
    client: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    await sign_in(client, "smit@example.nl", PASSWORD)
    response = await client.get("/portfolio")
    assert response.status_code == 200
    assert "U bent (nog) niet geregistreerd" in response.text
    assert 'href="/mijn/aanvraag"' in response.text
    assert (await client.get("/portfolio/nieuw")).status_code == 404


async def test_the_overview_shows_progress_bars_timeline_missing_points_days_left_and_buffer(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    response = await signed_in.get("/portfolio")
    assert response.status_code == 200
    text = response.text
    assert "A. Jansen · registratienummer 0000013" in text
    # The bars are native <progress> elements named by their label and their figures as text.
    assert 'data-testid="progress-bars"' in text and 'aria-labelledby="bar-total bar-total-figures"' in text
    assert '<span class="norm-bar-figures" id="bar-total-figures">0 van 160 punten</span>' in text
    assert "<title>Punten per jaar</title>" in text
    assert "Totaal: nog 160 punten" in text
    assert 'data-testid="days-left">1825<' in text
    assert 'data-testid="buffer">0 punten<' in text
    (query,) = world.portfolio.of(p.GetPortfolio)
    assert (query.person_id, query.actor.person_id, query.language, query.include_svg) == (
        jansen.account_id,
        jansen.account_id,
        "nl",
        True,
    )


async def test_the_overview_is_in_english_when_asked(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await signed_in.get("/portfolio", params={"lang": "en"})
    assert "Progress against the norm" in response.text
    assert world.portfolio.of(p.GetPortfolio)[-1].language == "en"


# --- Provider-placed entries: new, confirm, dispute -------------------------------------------------------------


async def test_new_provider_entries_are_highlighted_once_and_then_marked_seen(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    first = await signed_in.get("/portfolio")
    item = re.search(rf'<li class="([^"]*)" id="activiteit-{placed.activity_id}"', first.text)
    assert item and "is-new" in item.group(1) and "awaiting-check" in item.group(1)
    assert "1 nieuwe vermelding geplaatst" in first.text
    (seen,) = world.portfolio.of(p.MarkPortfolioSeen)
    assert seen.seen_up_to == world.portfolio.clock  # the page's generated_at: later entries stay new
    second = await signed_in.get("/portfolio")
    item = re.search(rf'<li class="([^"]*)" id="activiteit-{placed.activity_id}"', second.text)
    assert item and "is-new" not in item.group(1) and "awaiting-check" in item.group(1)


async def test_confirming_a_placed_entry_sends_confirm_and_comes_back_with_a_message(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    token = csrf_from((await signed_in.get("/portfolio")).text)
    response = await signed_in.post(
        f"/portfolio/activiteiten/{placed.activity_id}/bevestigen", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/portfolio?bevestigd=1#activiteit-{placed.activity_id}"
    (confirm,) = world.portfolio.of(p.ConfirmActivity)
    assert (confirm.activity_id, confirm.person_id) == (placed.activity_id, jansen.account_id)
    page = await signed_in.get(response.headers["location"])
    assert "U heeft de vermelding bevestigd." in page.text
    assert "Bevestigd" in page.text


async def test_a_dispute_needs_a_reason(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    token = csrf_from((await signed_in.get("/portfolio")).text)
    response = await signed_in.post(
        f"/portfolio/activiteiten/{placed.activity_id}/betwisten", data={"csrf_token": token, "reason": "  "}
    )
    assert response.status_code == 422
    assert "Geef een reden op." in response.text
    assert '<details class="dispute" open>' in response.text
    assert world.portfolio.of(p.DisputeActivity) == []


async def test_disputing_with_a_reason_sends_it_and_the_entry_shows_disputed(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    token = csrf_from((await signed_in.get("/portfolio")).text)
    response = await signed_in.post(
        f"/portfolio/activiteiten/{placed.activity_id}/betwisten",
        data={"csrf_token": token, "reason": "Ik was die dag ziek."},
    )
    assert response.status_code == 200  # followed the redirect
    assert "U heeft de vermelding betwist." in response.text
    assert "Reden: Ik was die dag ziek." in response.text
    (dispute,) = world.portfolio.of(p.DisputeActivity)
    assert (dispute.activity_id, dispute.reason, dispute.actor.person_id) == (
        placed.activity_id,
        "Ik was die dag ziek.",
        jansen.account_id,
    )
    assert dispute.actor.origin.startswith("web")


async def test_a_refused_check_is_shown_on_the_portfolio_page(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    token = csrf_from((await signed_in.get("/portfolio")).text)
    url = f"/portfolio/activiteiten/{placed.activity_id}/bevestigen"
    await signed_in.post(url, data={"csrf_token": token})
    again = await signed_in.post(url, data={"csrf_token": token})
    assert again.status_code == 409
    assert "the entry is confirmed already" in again.text


async def test_posting_without_the_csrf_token_is_refused(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    response = await signed_in.post(
        f"/portfolio/activiteiten/{placed.activity_id}/betwisten", data={"reason": "Niet geweest."}
    )
    assert response.status_code == 403
    assert world.portfolio.of(p.DisputeActivity) == []


# --- Adding and editing with evidence ----------------------------------------------------------------------------


async def test_adding_an_a2_activity_streams_the_evidence_in_chunks_and_records_it(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    evidence = _pdf(3 * CHUNK + 100)
    response = await _add(signed_in, A2_FIELDS, [("evidence", ("verslag.pdf", evidence, "application/pdf"))])
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/portfolio?opgeslagen=1#activiteit-")
    assert world.portfolio.chunk_sizes() == [CHUNK, CHUNK, CHUNK, 100]
    (begin,) = world.portfolio.of(p.BeginEvidenceUpload)
    # Streamed as the body arrives (the form is not parsed before): the size is known only at the end.
    assert (begin.filename, begin.declared_size) == ("verslag.pdf", None)
    (record,) = world.portfolio.of(p.RecordActivity)
    assert record.activity.category == "A2"
    assert (record.activity.a2_type, record.activity.quantity) == ("collegial_feedback", Decimal(2))
    assert record.activity.study_load_hours is None
    (stored,) = world.portfolio.evidence.values()
    assert record.evidence_ids == [stored[0].evidence_id]
    assert stored[1] == evidence

    page = await signed_in.get(response.headers["location"])
    assert "De activiteit is opgeslagen." in page.text
    assert 'id="bar-total-figures">10 van 160 punten<' in page.text  # the progress moved
    assert f'href="/portfolio/bewijs/{stored[0].evidence_id}">verslag.pdf</a>' in page.text


async def test_an_a1_course_without_hours_comes_back_with_the_message_and_keeps_the_stored_file(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    fields = {"category": "A1", "title": "Cursus gespreksvoering", "completion_date": "15-5-2025"}
    response = await _add(signed_in, fields, [("evidence", ("bewijs.png", PNG, "image/png"))])
    assert response.status_code == 422
    assert "Vul de studiebelasting in uren in." in response.text
    (stored,) = world.portfolio.evidence.values()
    assert f'value="{stored[0].evidence_id}|bewijs.png" checked' in response.text
    assert 'value="Cursus gespreksvoering"' in response.text

    token = csrf_from(response.text)
    again = await signed_in.post(
        "/portfolio/nieuw",
        data={
            "csrf_token": token,
            **fields,
            "study_load_hours": "3,5",
            "kept_evidence": f"{stored[0].evidence_id}|bewijs.png",
        },
        files=[],
        follow_redirects=False,
    )
    assert again.status_code == 303
    record = world.portfolio.of(p.RecordActivity)[-1]
    assert record.activity.study_load_hours == Decimal("3.5")
    assert record.evidence_ids == [stored[0].evidence_id]


async def test_a_file_that_is_not_an_accepted_type_is_refused_with_415(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await _add(signed_in, A2_FIELDS, [("evidence", ("virus.pdf", b"MZ\x90\x00" * 100, "application/pdf"))])
    assert response.status_code == 415
    assert "Dit bestand is geen PDF, JPEG, PNG of Word-document." in response.text
    assert world.portfolio.of(p.RecordActivity) == []


async def test_a_file_over_10_mib_is_refused_with_413_and_nothing_is_recorded(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await _add(signed_in, A2_FIELDS, [("evidence", ("groot.pdf", _pdf(MAX_BYTES + 1), "application/pdf"))])
    assert response.status_code == 413
    assert "Het bestand is groter dan 10 MB." in response.text
    # Streamed as it arrives (the form is not parsed first): the service refuses the chunk that crosses 10 MiB.
    assert sum(world.portfolio.chunk_sizes()) == MAX_BYTES + 1
    assert world.portfolio.of(p.RecordActivity) == []


async def test_a_completion_date_in_the_future_is_explained_next_to_the_field(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    future = (world.portfolio.today + timedelta(days=3)).isoformat()
    response = await _add(signed_in, {**A2_FIELDS, "completion_date": future})
    assert response.status_code == 422
    assert 'id="completion_date-error"' in response.text
    assert "pas invoeren als zij is afgerond" in response.text


async def test_editing_sends_the_new_version_with_the_reason_and_the_history_shows_both(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    created = await _add(signed_in, A2_FIELDS)
    activity_id = created.headers["location"].rsplit("activiteit-", 1)[1]
    form = await signed_in.get(f"/portfolio/activiteiten/{activity_id}/wijzigen")
    assert form.status_code == 200
    assert 'value="Intervisie met collega&#39;s"' in form.text
    assert 'name="version" value="1"' in form.text
    response = await signed_in.post(
        f"/portfolio/activiteiten/{activity_id}/wijzigen",
        data={
            "csrf_token": csrf_from(form.text),
            **A2_FIELDS,
            "quantity": "3",
            "version": "1",
            "reason": "Een bijeenkomst vergeten",
        },
        files=[],
        follow_redirects=False,
    )
    assert response.status_code == 303
    (edit,) = world.portfolio.of(p.EditActivity)
    assert (str(edit.activity_id), edit.expected_version, edit.reason) == (activity_id, 1, "Een bijeenkomst vergeten")
    assert edit.activity.quantity == Decimal(3)
    assert edit.evidence_ids == []
    history = await signed_in.get(f"/portfolio/activiteiten/{activity_id}")
    assert history.status_code == 200
    assert "Ingevoerd" in history.text and "Gewijzigd" in history.text
    assert "Een bijeenkomst vergeten" in history.text


async def test_another_persons_activity_is_not_found(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    visser = world.registry.accounts["visser@example.nl"]
    theirs = world.portfolio.place(visser)
    assert (await signed_in.get(f"/portfolio/activiteiten/{theirs.activity_id}/wijzigen")).status_code == 404
    assert (await signed_in.get(f"/portfolio/activiteiten/{theirs.activity_id}")).status_code == 404


# --- Filters, downloads and what-if ------------------------------------------------------------------------------


async def test_filters_narrow_the_list_by_category_source_status_and_year(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    world.portfolio.place(jansen, title="Geplaatste cursus")
    await _add(signed_in, A2_FIELDS)
    everything = await signed_in.get("/portfolio")
    assert "2 van 2 activiteiten" in everything.text
    for params, shown in (
        ({"categorie": "A2"}, "Intervisie met collega"),
        ({"herkomst": "provider_placed"}, "Geplaatste cursus"),
        ({"status": "to_be_checked"}, "Intervisie met collega"),
        ({"jaar": "2025", "categorie": "A1"}, "Geplaatste cursus"),
    ):
        response = await signed_in.get("/portfolio", params=params)
        assert "1 van 2 activiteiten" in response.text, params
        assert shown in response.text
    none = await signed_in.get("/portfolio", params={"jaar": "2019"})
    assert "Geen activiteiten die aan de filters voldoen." in none.text


async def test_evidence_downloads_only_for_its_owner(client: AsyncTestClient[Litestar], world: PortfolioWorld) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    evidence = _pdf(CHUNK + 10)
    await _add(client, A2_FIELDS, [("evidence", ("verslag 2025.pdf", evidence, "application/pdf"))])
    (evidence_id,) = world.portfolio.evidence
    response = await client.get(f"/portfolio/bewijs/{evidence_id}")
    assert response.status_code == 200
    assert response.content == evidence
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["content-disposition"].startswith('attachment; filename="verslag_2025.pdf"')
    assert len(world.portfolio.of(p.ReadEvidenceChunk)) == 2

    await client.post("/uitloggen", data={"csrf_token": await csrf_for(client, "/portfolio")})
    await sign_in(client, "visser@example.nl", PASSWORD)
    assert (await client.get(f"/portfolio/bewijs/{evidence_id}")).status_code == 404
    assert (await client.get(f"/portfolio/bewijs/{uuid.uuid4()}")).status_code == 404


@pytest.mark.parametrize(
    ("path", "content_type", "filename"),
    [
        ("/portfolio/export.csv", "text/csv", "portfolio.csv"),
        ("/portfolio/export.pdf", "application/pdf", "portfolio.pdf"),
    ],
)
async def test_exports_download_as_attachments(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, path: str, content_type: str, filename: str
) -> None:
    response = await signed_in.get(path, params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert f'filename="{filename}"' in response.headers["content-disposition"]
    query = world.portfolio.requests[-1]
    assert isinstance(query, p.ExportPortfolioCsv | p.ExportPortfolioPdf) and query.language == "en"


async def test_what_if_adding_an_activity_shows_the_points_and_the_norm_after(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await signed_in.get(
        "/portfolio/wat-als",
        params={"vraag": "toevoegen", "category": "A2", "a2_type": "presentation", "quantity": "2"},
    )
    assert response.status_code == 200
    assert "Deze activiteit levert 10 punten op." in response.text
    assert "Daarna voldoet u nog niet aan de norm." in response.text
    (question,) = world.portfolio.of(p.WhatIf)
    assert question.add is not None and (question.add.a2_type, question.add.quantity) == ("presentation", Decimal(2))
    assert question.reject_points is None


async def test_what_if_points_are_rejected_asks_the_worst_case(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    response = await signed_in.get("/portfolio/wat-als", params={"vraag": "afkeuren", "punten": "7,5"})
    assert response.status_code == 200
    (question,) = world.portfolio.of(p.WhatIf)
    assert (question.add, question.reject_points) == (None, Decimal("7.5"))
    assert 'data-testid="what-if-answer"' in response.text


async def test_an_entry_that_cannot_be_edited_is_refused_before_any_file_is_stored(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld, jansen: FakeAccount
) -> None:
    placed = world.portfolio.place(jansen)
    token = csrf_from((await signed_in.get("/portfolio")).text)
    response = await signed_in.post(
        f"/portfolio/activiteiten/{placed.activity_id}/wijzigen",
        params={"csrf_token": token},
        data={"csrf_token": token, **A2_FIELDS, "version": "1"},
        files=[("evidence", ("bewijs.pdf", _pdf(100), "application/pdf"))],
    )
    assert response.status_code == 409
    assert "Deze activiteit kan niet meer worden gewijzigd." in response.text
    assert world.portfolio.of(p.BeginEvidenceUpload) == []
    assert world.portfolio.of(p.EditActivity) == []


async def test_inputs_finding_storage_quota_exceeded_is_shown_at_the_evidence_field(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    world.portfolio.quota_bytes = 2 * CHUNK
    response = await _add(signed_in, A2_FIELDS, [("evidence", ("groot.pdf", _pdf(3 * CHUNK), "application/pdf"))])
    assert response.status_code == 413
    assert 'id="evidence-error"' in response.text
    assert "Er is geen ruimte meer voor dit bestand" in response.text
    assert world.portfolio.of(p.RecordActivity) == []


# --- Request ids -----------------------------------------------------------------------------------------------


async def test_request_id_a_form_posted_twice_records_one_activity(
    signed_in: AsyncTestClient[Litestar], world: PortfolioWorld
) -> None:
    form = (await signed_in.get("/portfolio/nieuw")).text
    (request_id,) = re.findall(r'name="request_id" value="([^"]+)"', form)
    assert request_id not in (await signed_in.get("/portfolio/nieuw")).text  # a new id at each rendering
    first = await _add(signed_in, {**A2_FIELDS, "request_id": request_id})
    again = await _add(signed_in, {**A2_FIELDS, "request_id": request_id})
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert len(world.portfolio.of(p.RecordActivity)) == 1
    other = await _add(signed_in, A2_FIELDS)  # an older page without the field: a new request
    assert other.headers["location"] != first.headers["location"]
    assert len(world.portfolio.of(p.RecordActivity)) == 2
