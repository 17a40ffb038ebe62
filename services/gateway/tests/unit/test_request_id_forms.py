"""The re-registration, judging and cycle-extension forms carry a request id: the same rendered form posted twice
is sent twice with one request id (the service carries it out once); the form rendered anew gets another."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import audit as a
from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts import registry as c
from lklr_shared.contracts.base import Message

from .registry_fake import PASSWORD
from .review_fakes import PDF, ReviewWorld, case_view
from .web_helpers import csrf_from, make_registry_app, sign_in

pytestmark = pytest.mark.unit

TODAY = date(2029, 12, 10)
CASE_ID, ACTIVITY_ID, EVIDENCE_ID = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _request_id_of_form(page: str, action: str) -> str:
    """The request id in the form that posts to ``action`` (a page may hold several forms, each its own id)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}[^"]*"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    (request_id,) = re.findall(r'name="request_id" value="([^"]+)"', form.group(1))
    return request_id


@pytest.fixture
def world() -> ReviewWorld:
    world = ReviewWorld()
    professional = world.add("jansen@example.nl", "A.", "Jansen")
    world.register(professional)
    world.add("beheer@example.nl", "L.", "Meijer", "office")
    reviewer = world.add("beoordeling@example.nl", "B.", "de Beoordelaar", "assessment_committee")
    world.cases[CASE_ID] = (reviewer.account_id, case_view(CASE_ID, ACTIVITY_ID, EVIDENCE_ID))
    world.evidence[EVIDENCE_ID] = (professional.account_id, PDF)
    return world


async def _post_renderings(
    client: AsyncTestClient[Any],
    page_path: str,
    action: str,
    fields: dict[str, str],
    *,
    posts: tuple[int, ...] = (2, 1),
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> None:
    """Render the page of ``page_path`` once per entry of ``posts`` and post its form that many times as rendered
    (a double click, a retry after a timeout); each post must succeed (303)."""
    for times in posts:
        page = (await client.get(page_path)).text
        data = {"csrf_token": csrf_from(page), "request_id": _request_id_of_form(page, action), **fields}
        for _attempt in range(times):
            response = await client.post(
                action,
                params={"csrf_token": data["csrf_token"]} if files else None,
                data=data,
                files=files,
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text[:500]


def _assert_one_id_per_rendering(world: ReviewWorld, kind: type[Message], *, renderings: int = 2) -> None:
    sent = world.request_ids_of(kind)
    first, retried = sent[:2]
    assert first is not None and first == retried
    assert len(sent) == renderings + 1
    if renderings == 2:
        assert sent[2] is not None and sent[2] != first


async def test_request_id_applying_for_reregistration_twice_from_one_form_sends_one_request_id(
    world: ReviewWorld,
) -> None:
    async with AsyncTestClient(app=make_registry_app(world, today=TODAY)) as client:
        await sign_in(client, "jansen@example.nl", PASSWORD)
        # Applied, the page offers no second application: one rendering, posted twice.
        await _post_renderings(client, "/mijn/herregistratie", "/mijn/herregistratie/aanvragen", {}, posts=(2,))
    _assert_one_id_per_rendering(world, p.ApplyForReregistration, renderings=1)


async def test_request_id_a_resubmission_twice_from_one_form_sends_one_request_id(world: ReviewWorld) -> None:
    account_id = world.accounts["jansen@example.nl"].account_id
    world.dossier = world._dossier(
        account_id, "returned_for_correction", sampled=True, correction_deadline=date(2030, 2, 4)
    )
    async with AsyncTestClient(app=make_registry_app(world, today=TODAY)) as client:
        await sign_in(client, "jansen@example.nl", PASSWORD)
        await _post_renderings(client, "/mijn/herregistratie", "/mijn/herregistratie/opnieuw-indienen", {}, posts=(2,))
    _assert_one_id_per_rendering(world, p.ResubmitDossier, renderings=1)


async def test_request_id_an_answer_with_its_file_twice_from_one_form_sends_one_request_id(world: ReviewWorld) -> None:
    account_id = world.accounts["jansen@example.nl"].account_id
    world.dossier = world._dossier(account_id, "under_review", sampled=True)
    world.information_requests = [
        a.InformationRequestView(
            case_id=CASE_ID,
            dossier_id=world.dossier.dossier_id,
            activity_id=ACTIVITY_ID,
            activity_title="Intervisie",
            question="Wie waren de deelnemers?",
            asked_on=date(2029, 12, 12),
            deadline=date(2030, 1, 2),
            answered=False,
        )
    ]
    async with AsyncTestClient(app=make_registry_app(world, today=TODAY)) as client:
        await sign_in(client, "jansen@example.nl", PASSWORD)
        await _post_renderings(
            client,
            "/mijn/herregistratie",
            f"/mijn/herregistratie/vragen/{CASE_ID}/{ACTIVITY_ID}",
            {"answer": "Drie collega's."},
            files={"evidence": ("verslag.pdf", PDF, "application/pdf")},
        )
    _assert_one_id_per_rendering(world, a.AnswerInformationRequest)


async def test_request_id_a_judgement_twice_from_one_form_sends_one_request_id(world: ReviewWorld) -> None:
    async with AsyncTestClient(app=make_registry_app(world)) as client:
        await sign_in(client, "beoordeling@example.nl", PASSWORD, staff=True)
        await _post_renderings(
            client,
            f"/beoordeling/zaken/{CASE_ID}",
            f"/beoordeling/zaken/{CASE_ID}/activiteiten/{ACTIVITY_ID}",
            {"verdict": "approved", "reason": ""},
        )
    _assert_one_id_per_rendering(world, a.JudgeActivity)


async def test_request_id_a_cycle_extension_twice_from_one_form_sends_one_request_id(world: ReviewWorld) -> None:
    async with AsyncTestClient(app=make_registry_app(world, today=TODAY)) as client:
        await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
        await _post_renderings(
            client,
            "/beheer/herregistraties",
            "/beheer/herregistraties/verlenging",
            {"registration_number": "0000013", "reason": "illness", "weeks": "8", "case_reference": "Z-1"},
        )
    _assert_one_id_per_rendering(world, c.ExtendCycle)
