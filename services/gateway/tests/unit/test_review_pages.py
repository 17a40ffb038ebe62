"""The reviewers' pages (/beoordeling): their cases, a case with its evidence, judging, and who may see what."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import audit as a
from lklr_shared.contracts import portfolio as p

from .registry_fake import PASSWORD, FakeAccount
from .review_fakes import PDF, ReviewWorld, case_view
from .web_helpers import client_fixture, csrf_from, sign_in

pytestmark = pytest.mark.unit

CASE_ID, ACTIVITY_ID, EVIDENCE_ID = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def world() -> ReviewWorld:
    world = ReviewWorld()
    reviewer = world.add("beoordeling@example.nl", "B.", "de Beoordelaar", "assessment_committee")
    professional = world.add("jansen@example.nl", "A.", "Jansen")
    world.add("collega@example.nl", "C.", "Collega", "assessment_committee")
    world.register(professional)
    world.cases[CASE_ID] = (reviewer.account_id, case_view(CASE_ID, ACTIVITY_ID, EVIDENCE_ID))
    world.evidence[EVIDENCE_ID] = (professional.account_id, PDF)
    return world


client = client_fixture("world")


def reviewer(world: ReviewWorld) -> FakeAccount:
    return world.accounts["beoordeling@example.nl"]


async def test_a_reviewer_sees_the_cases_assigned_to_them(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    response = await client.get("/beoordeling")
    assert response.status_code == 200
    assert "Beoordelen" in response.text
    assert f'href="/beoordeling/zaken/{CASE_ID}"' in response.text
    (asked,) = world.of(a.ListMyCases)
    assert asked.reviewer_id == reviewer(world).account_id


async def test_a_case_shows_its_sampled_activities_with_download_links(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    response = await client.get(f"/beoordeling/zaken/{CASE_ID}")
    assert response.status_code == 200
    assert "Cursus motiverende gespreksvoering" in response.text
    assert f"/beoordeling/zaken/{CASE_ID}/bewijs/{EVIDENCE_ID}" in response.text
    assert "certificaat.pdf downloaden" in response.text
    assert "Cursus (niet geaccrediteerd)" in response.text  # the activity type in words
    assert 'value="more_information_needed"' in response.text


async def test_the_evidence_download_streams_every_range_the_portfolio_grants(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    response = await client.get(f"/beoordeling/zaken/{CASE_ID}/bewijs/{EVIDENCE_ID}")
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"].startswith("application/pdf")
    assert "attachment" in response.headers["content-disposition"]
    reads = world.of(p.ReadReviewEvidenceChunk)
    assert len(reads) == 2  # 300 kB in ranges of 256 KiB
    assert {(r.reviewer_id, r.case_id, r.actor.role) for r in reads} == {
        (reviewer(world).account_id, CASE_ID, "reviewer")
    }


async def test_another_reviewer_gets_neither_the_case_nor_its_evidence(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "collega@example.nl", PASSWORD, staff=True)
    assert (await client.get(f"/beoordeling/zaken/{CASE_ID}")).status_code == 403
    assert (await client.get(f"/beoordeling/zaken/{CASE_ID}/bewijs/{EVIDENCE_ID}")).status_code == 404


async def test_a_professional_cannot_open_the_review_pages(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert (await client.get("/beoordeling")).status_code == 403
    assert (await client.get(f"/beoordeling/zaken/{CASE_ID}/bewijs/{EVIDENCE_ID}")).status_code == 403
    assert not world.of(p.ReadReviewEvidenceChunk)


async def test_the_review_pages_ask_visitors_to_sign_in(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/beoordeling", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen")


async def test_rejecting_needs_a_reason_and_then_records_the_judgement(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    page = await client.get(f"/beoordeling/zaken/{CASE_ID}")
    action = f"/beoordeling/zaken/{CASE_ID}/activiteiten/{ACTIVITY_ID}"
    refused = await client.post(
        action, data={"csrf_token": csrf_from(page.text), "verdict": "rejected", "reason": ""}, follow_redirects=False
    )
    assert refused.status_code == 422
    assert "Geef een reden voor de afkeuring." in refused.text

    done = await client.post(
        action,
        data={"csrf_token": csrf_from(refused.text), "verdict": "rejected", "reason": "Geen bewijs van deelname"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    judged = world.of(a.JudgeActivity)[-1]
    assert (judged.verdict, judged.reason, judged.reviewer_id) == (
        "rejected",
        "Geen bewijs van deelname",
        reviewer(world).account_id,
    )
    shown = await client.get(done.headers["location"])
    assert "Afgekeurd" in shown.text and "Geen bewijs van deelname" in shown.text


async def test_judging_without_a_verdict_is_refused_before_the_audit_is_asked(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    page = await client.get(f"/beoordeling/zaken/{CASE_ID}")
    response = await client.post(
        f"/beoordeling/zaken/{CASE_ID}/activiteiten/{ACTIVITY_ID}",
        data={"csrf_token": csrf_from(page.text), "verdict": "maybe"},
    )
    assert response.status_code == 422
    assert "Kies een oordeel." in response.text
    assert not world.of(a.JudgeActivity)


async def test_judging_without_the_csrf_token_is_refused(client: AsyncTestClient[Litestar], world: ReviewWorld) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    response = await client.post(
        f"/beoordeling/zaken/{CASE_ID}/activiteiten/{ACTIVITY_ID}", data={"verdict": "approved"}
    )
    assert response.status_code == 403
    assert not world.of(a.JudgeActivity)


async def test_the_case_page_is_available_in_english(client: AsyncTestClient[Litestar], world: ReviewWorld) -> None:
    await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
    response = await client.get(f"/beoordeling/zaken/{CASE_ID}?lang=en")
    assert "Download certificaat.pdf" in response.text
    assert "More information needed" in response.text
