"""The objection pages: what `/mijn/bezwaar` and `/beheer/bezwaren` send to the registry and show, in Dutch and
English, and how Mijn LKLR points to them."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as ac
from lklr_shared.contracts import portfolio as pc
from lklr_shared.contracts import registry as c
from lklr_shared.errors import RpcError

from .accreditation_web_helpers import Both, signed_in_client
from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import client_fixture, csrf_from, sign_in

pytestmark = pytest.mark.unit

TODAY = date(2030, 3, 25)
REFERENCE = str(uuid.UUID(int=7))
ATTACHMENT = uuid.UUID(int=8)


def _objection(person_id: uuid.UUID, **changes: Any) -> c.ObjectionView:
    view = c.ObjectionView(
        objection_id=uuid.UUID(int=9),
        person_id=person_id,
        registration_number="0000013",
        initials="A.",
        surname="Jansen",
        decision_kind="audit_not_met",
        decision_reference=REFERENCE,
        decision_summary="",
        decided_on=date(2030, 2, 10),
        filed_on=date(2030, 2, 20),
        filing_deadline=date(2030, 3, 24),
        reasons="Mijn intervisieverslagen zijn niet meegeteld.",
        state="received",
        original_decision_due_on=date(2030, 4, 3),
        decision_due_on=date(2030, 4, 3),
    )
    return view.model_copy(update=changes)


@pytest.fixture
def world() -> FakeRegistry:
    world = FakeRegistry()
    world.register(world.add("jansen@example.nl", "A.", "Jansen"))
    world.add("beheer@example.nl", "L.", "Meijer", "office")
    person_id = world.accounts["jansen@example.nl"].account_id
    decision = c.ObjectableDecision(
        decision_kind="audit_not_met",
        reference=REFERENCE,
        decided_on=date(2030, 2, 10),
        summary="",
        filing_deadline=date(2030, 3, 24),
        open_for_objection=True,
    )
    world.overrides[c.GetMyObjections] = c.MyObjections(filing_weeks=6, decisions=[decision], objections=[])
    world.overrides[c.ListObjections] = c.Objections(
        objections=[
            _objection(
                person_id,
                state="hearing_scheduled",
                extended=True,
                decision_due_on=date(2030, 5, 15),
                hearing_at=datetime(2030, 3, 12, 13, 30, tzinfo=UTC),
                hearing_place="Utrecht",
                attachments=[c.ObjectionAttachment(evidence_id=ATTACHMENT, filename="verslagen.pdf")],
            )
        ]
    )
    return world


client = client_fixture("world", today=TODAY)


async def test_mijn_lklr_explains_how_to_object_in_dutch_and_english(client: AsyncTestClient[Litestar]) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    dutch = (await client.get("/mijn")).text
    assert "binnen zes weken bezwaar maken" in dutch and 'href="/mijn/bezwaar"' in dutch
    english = (await client.get("/mijn?lang=en")).text
    assert "You can object within six weeks" in english and "Object to a decision" in english
    page = (await client.get("/mijn/bezwaar?lang=en")).text
    assert "How does an objection work?" in page and "you stay registered while the objection runs" in page


async def test_the_page_lists_the_decision_with_its_last_day_and_files_the_objection(
    client: AsyncTestClient[Litestar], world: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/bezwaar")
    assert "Herregistratie niet toegekend (steekproef: niet voldaan)" in page.text
    assert '<td data-testid="filing-deadline">24-3-2030</td>' in page.text
    filed: list[c.FileObjection] = []

    def accept(request: c.FileObjection) -> c.ObjectionFiled:
        filed.append(request)
        return c.ObjectionFiled(objection=_objection(request.actor_account_id))

    world.overrides[c.FileObjection] = accept
    response = await client.post(
        "/mijn/bezwaar",
        data={
            "csrf_token": csrf_from(page.text),
            "decision": f"audit_not_met:{REFERENCE}",
            "reasons": "Mijn intervisieverslagen zijn niet meegeteld.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/mijn/bezwaar?gedaan=ingediend"
    [request] = filed
    assert (request.decision_kind, request.decision_reference, request.attachments) == ("audit_not_met", REFERENCE, [])


async def test_a_late_objection_is_refused_on_the_page_with_the_registrys_reason(
    client: AsyncTestClient[Litestar], world: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/bezwaar")
    world.overrides[c.FileObjection] = RpcError(
        "objection_late",
        "An objection against the decision of 2030-02-10 had to be filed by 2030-03-24 (6 weeks); it was filed on "
        "2030-03-25.",
        422,
    )
    response = await client.post(
        "/mijn/bezwaar",
        data={
            "csrf_token": csrf_from(page.text),
            "decision": f"audit_not_met:{REFERENCE}",
            "reasons": "Ik was ziek en kon niet eerder reageren.",
        },
    )
    assert response.status_code == 422
    assert "De termijn voor bezwaar tegen dit besluit is verstreken." in response.text
    assert "had to be filed by 2030-03-24" in response.text
    assert "Ik was ziek en kon niet eerder reageren." in response.text  # what was typed stays


async def test_an_objection_without_reasons_is_not_sent(client: AsyncTestClient[Litestar], world: FakeRegistry) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/bezwaar")
    response = await client.post(
        "/mijn/bezwaar",
        data={"csrf_token": csrf_from(page.text), "decision": f"audit_not_met:{REFERENCE}", "reasons": " "},
    )
    assert response.status_code == 422 and "Schrijf op waarom" in response.text
    assert not [request for request in world.requests if isinstance(request, c.FileObjection)]


async def test_the_office_queue_shows_both_deadlines_and_the_hearing_and_is_kept_to_the_office(
    client: AsyncTestClient[Litestar],
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert (await client.get("/beheer/bezwaren")).status_code == 403
    await client.post("/uitloggen", data={"csrf_token": csrf_from((await client.get("/mijn")).text)})
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    queue = await client.get("/beheer/bezwaren")
    assert queue.status_code == 200
    assert "15-5-2030, verlengd (oorspronkelijk 3-4-2030)" in queue.text
    assert "12-3-2030 om 14:30 uur, Utrecht" in queue.text  # 13:30 UTC is 14:30 in the register's time zone
    # The accreditation service is not part of this test: the providers' objections say they are unavailable.
    assert "De bezwaren van opleiders zijn op dit moment niet beschikbaar." in queue.text


async def test_the_office_downloads_an_objections_attachment_through_the_portfolios_checked_read(
    client: AsyncTestClient[Litestar], world: FakeRegistry
) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    queue = await client.get("/beheer/bezwaren")
    link = f"/beheer/bezwaren/{uuid.UUID(int=9)}/bijlagen/{ATTACHMENT}"
    assert f'href="{link}"' in queue.text and "verslagen.pdf" in queue.text
    content = b"%PDF-1.4 verslagen"
    world.overrides[pc.ReadObjectionEvidenceChunk] = pc.EvidenceChunk(
        evidence=pc.EvidenceFile(
            evidence_id=ATTACHMENT,
            filename="verslagen.pdf",
            file_type="pdf",
            content_type="application/pdf",
            size_bytes=len(content),
            sha256="0" * 64,
            stored_at=datetime(2030, 2, 20, 9, tzinfo=UTC),
        ),
        offset=0,
        data=base64.b64encode(content).decode("ascii"),
    )
    download = await client.get(link)
    assert download.status_code == 200 and download.content == content
    assert "verslagen.pdf" in download.headers["content-disposition"]
    [read] = [request for request in world.requests if isinstance(request, pc.ReadObjectionEvidenceChunk)]
    office_id = world.accounts["beheer@example.nl"].account_id
    assert (read.objection_id, read.evidence_id, read.actor.role, read.actor.person_id) == (
        uuid.UUID(int=9),
        ATTACHMENT,
        "office",
        office_id,
    )
    world.overrides[pc.ReadObjectionEvidenceChunk] = RpcError("evidence_not_found", "no such evidence file", 404)
    assert (await client.get(link)).status_code == 404


async def test_a_providers_course_objection_is_in_the_same_queue_with_its_deadlines_and_the_same_steps() -> None:
    both = Both()
    office = both.registry.add("beheer@example.nl", "L.", "Meijer", "office")
    both.registry.overrides[c.ListObjections] = c.Objections(objections=[])
    objection_id = uuid.UUID(int=31)
    view = ac.CourseObjectionView(
        objection_id=objection_id,
        course_id=uuid.UUID(int=32),
        course_title="Verzuim in het mbo",
        provider_id=uuid.UUID(int=33),
        provider_name="Opleider BV",
        decision_step="approved",
        decided_on=date(2025, 5, 1),
        filed_on=date(2025, 5, 20),
        filing_deadline=date(2025, 6, 26),
        reasons="De middag is een casusbespreking en hoort bij de studielast.",
        state="received",
        original_decision_due_on=date(2025, 7, 1),
        decision_due_on=date(2025, 7, 1),
    )
    both.answer(ac.ListCourseObjections, ac.CourseObjections(objections=[view]))
    both.answer(ac.AcknowledgeCourseObjection, ac.CourseObjectionUpdated(objection=view))
    both.answer(ac.DecideCourseObjection, ac.CourseObjectionUpdated(objection=view))
    async with signed_in_client(both, office, staff=True) as client:
        queue = await client.get("/beheer/bezwaren")
        assert queue.status_code == 200
        assert "Opleider BV: Verzuim in het mbo" in queue.text and "het aantal punten" in queue.text
        assert "1-7-2025" in queue.text and "tot en met 26-6-2025" in queue.text
        base = f"/beheer/bezwaren/opleidingen/{objection_id}"
        assert f'action="{base}/ontvangst"' in queue.text and f'action="{base}/beslissing"' in queue.text
        done = await client.post(
            f"{base}/ontvangst", data={"csrf_token": csrf_from(queue.text)}, follow_redirects=False
        )
        assert done.status_code == 303
        too_short = await client.post(
            f"{base}/beslissing",
            data={"csrf_token": csrf_from(queue.text), "outcome": "not_upheld", "reasons": "Nee."},
        )
        assert too_short.status_code == 422
        decided = await client.post(
            f"{base}/beslissing",
            data={
                "csrf_token": csrf_from(queue.text),
                "outcome": "not_upheld",
                "reasons": "De casusbespreking is geen nieuwe leerstof.",
            },
            follow_redirects=False,
        )
        assert decided.status_code == 303
    [acknowledged] = both.sent(ac.AcknowledgeCourseObjection)
    assert (acknowledged.objection_id, acknowledged.decided_by) == (objection_id, f"account:{office.account_id}")
    [decision] = both.sent(ac.DecideCourseObjection)
    assert (decision.outcome, decision.reasons) == ("not_upheld", "De casusbespreking is geen nieuwe leerstof.")
