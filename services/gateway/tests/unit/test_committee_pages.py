"""The accreditation committee's pages (/commissie) and the professional's teaching claims (/mijn/onderwijsclaim)
against fakes: role checks, what each decision sends (always with a reason), and what the pages show."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError

from .accreditation_web_helpers import NOW, Both, signed_in_client
from .provider_fakes import COURSE_ID, course, submitted_course
from .registry_fake import FakeAccount
from .web_helpers import csrf_from

pytestmark = pytest.mark.unit

COURSE_PAGE = f"/commissie/opleidingen/{COURSE_ID}"
CLAIM_ID = uuid.UUID(int=900)


def claim(**changes: Any) -> contracts.TeachingClaimDetails:
    values: dict[str, Any] = {
        "claim_id": CLAIM_ID,
        "person_id": uuid.UUID(int=5),
        "registration_number": "0000013",
        "person_name": "A. Jansen",
        "hours": Decimal(4),
        "given_on": date(2025, 5, 1),
        "description": "Training verzuimaanpak voor nieuwe collega's.",
        "course_title": "Verzuim voor starters",
        "status": "submitted",
        "submitted_at": NOW,
        "claimed_by": "account:x",
    }
    return contracts.TeachingClaimDetails(**(values | changes))


@pytest.fixture
def both() -> Both:
    both = Both()
    both.registry.add("commissie@example.nl", "C.", "Ommissie", "accreditation_committee")
    both.registry.add("jansen@example.nl", "A.", "Jansen")
    submitted = submitted_course()
    both.answer(contracts.ListCoursesForReview, contracts.CourseList(courses=[submitted]))
    both.answer(contracts.GetCourse, submitted)
    both.answer(contracts.ListTeachingClaimsForReview, contracts.TeachingClaimList(claims=[claim()]))
    return both


@pytest.fixture
def member(both: Both) -> FakeAccount:
    return both.registry.accounts["commissie@example.nl"]


@pytest.fixture
async def client(both: Both, member: FakeAccount):  # type: ignore[no-untyped-def]
    async with signed_in_client(both, member, staff=True) as test_client:
        yield test_client


# --- Who may enter ---------------------------------------------------------------------------------------------


async def test_the_committee_pages_are_for_the_committee_only(both: Both) -> None:
    async with signed_in_client(both) as anonymous:
        visitor = await anonymous.get("/commissie", follow_redirects=False)
    assert visitor.status_code == 303 and visitor.headers["location"].startswith("/inloggen")
    async with signed_in_client(both, both.registry.accounts["jansen@example.nl"]) as professional:
        refused = await professional.get("/commissie")
        posted = await professional.post(
            f"{COURSE_PAGE}/besluit",
            data={"csrf_token": csrf_from(refused.text), "decision": "approve", "points": "8", "reason": "x"},
        )
    assert refused.status_code == 403 and posted.status_code == 403
    assert both.sent(contracts.ApproveCourse) == []


# --- The queue and a course's decisions ------------------------------------------------------------------------


async def test_the_queue_lists_courses_and_counts_waiting_teaching_claims(
    client: AsyncTestClient[Litestar], both: Both, member: FakeAccount
) -> None:
    response = await client.get("/commissie")
    assert response.status_code == 200
    assert "Verzuim aanpakken" in response.text and "Aanbieder Een" in response.text
    assert f'href="{COURSE_PAGE}"' in response.text
    assert "1 onderwijsclaim wacht op een besluit." in response.text
    (asked,) = both.sent(contracts.ListCoursesForReview)
    assert asked.requested_by == f"account:{member.account_id}"


async def test_the_review_page_offers_approve_changes_and_reject_for_a_submitted_course(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    response = await client.get(COURSE_PAGE)
    assert response.status_code == 200
    text = response.text
    for submit in ("Goedkeuren", "Aanpassing vragen", "Afwijzen"):
        assert f">{submit}</button>" in text
    assert "Bezwaar afwijzen" not in text and "Accreditatie intrekken" not in text
    (asked,) = both.sent(contracts.GetCourse)
    assert asked.provider_id is None  # the committee sees any provider's course


async def test_approving_sends_points_validity_and_reason(
    client: AsyncTestClient[Litestar], both: Both, member: FakeAccount
) -> None:
    both.answer(contracts.ApproveCourse, course())
    page = await client.get(COURSE_PAGE)
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={
            "csrf_token": csrf_from(page.text),
            "decision": "approve",
            "points": "7,5",
            "points_deviation_reason": "Een half uur is pauze.",
            "valid_from": "2025-01-01",
            "valid_until": "",
            "reason": "Voldoet aan de criteria.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/commissie?besloten=approve"
    (approved,) = both.sent(contracts.ApproveCourse)
    assert approved.course_id == COURSE_ID and approved.points == Decimal("7.5")
    assert approved.points_deviation_reason == "Een half uur is pauze."
    assert (approved.valid_from, approved.valid_until) == (date(2025, 1, 1), None)
    assert (approved.reason, approved.decided_by) == ("Voldoet aan de criteria.", f"account:{member.account_id}")
    done = await client.get(response.headers["location"])
    assert "De opleiding is goedgekeurd." in done.text


async def test_committee_sees_the_points_the_scheme_suggests_for_the_study_load(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.GetCourse, course(study_load_hours=Decimal(4), status="submitted", points=None))
    page = await client.get(COURSE_PAGE)
    assert "Het reglement geeft voor 4 uur studiebelasting 4 punten." in page.text
    assert 'id="points" name="points" type="text" value="4"' in page.text
    assert "Reden om af te wijken" in page.text


async def test_committee_cannot_award_6_points_for_a_4_hour_course_without_a_reason(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.GetCourse, course(study_load_hours=Decimal(4), status="submitted", points=None))
    both.answer(contracts.ApproveCourse, course(study_load_hours=Decimal(4)))
    page = await client.get(COURSE_PAGE)
    fields = {"csrf_token": csrf_from(page.text), "decision": "approve", "points": "6", "reason": "Voldoet."}
    refused = await client.post(f"{COURSE_PAGE}/besluit", data=fields, follow_redirects=False)
    assert refused.status_code == 422
    assert "Het reglement geeft 4 punten voor deze studiebelasting." in refused.text
    assert both.sent(contracts.ApproveCourse) == []
    explained = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={**fields, "points_deviation_reason": "Veel voorbereiding vooraf."},
        follow_redirects=False,
    )
    assert explained.status_code == 303
    (approved,) = both.sent(contracts.ApproveCourse)
    assert (approved.points, approved.points_deviation_reason) == (Decimal(6), "Veel voorbereiding vooraf.")


@pytest.mark.parametrize("decision", ["approve", "changes", "reject"])
async def test_every_decision_needs_a_reason(client: AsyncTestClient[Litestar], both: Both, decision: str) -> None:
    page = await client.get(COURSE_PAGE)
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={"csrf_token": csrf_from(page.text), "decision": decision, "points": "8", "reason": "  "},
    )
    assert response.status_code == 422
    assert "Geef de motivering van het besluit." in response.text
    for contract in (contracts.ApproveCourse, contracts.RequestCourseChanges, contracts.RejectCourse):
        assert both.sent(contract) == []


@pytest.mark.parametrize(
    ("decision", "contract"),
    [("changes", contracts.RequestCourseChanges), ("reject", contracts.RejectCourse)],
)
async def test_asking_for_changes_and_rejecting_send_the_reason(
    client: AsyncTestClient[Litestar], both: Both, decision: str, contract: type[Any]
) -> None:
    both.answer(contract, course(status="rejected"))
    page = await client.get(COURSE_PAGE)
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={"csrf_token": csrf_from(page.text), "decision": decision, "reason": "Te algemeen."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (sent,) = both.sent(contract)
    assert (sent.course_id, sent.reason) == (COURSE_ID, "Te algemeen.")


async def test_invalid_points_are_refused_before_the_service_is_asked(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    page = await client.get(COURSE_PAGE)
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={"csrf_token": csrf_from(page.text), "decision": "approve", "points": "nul", "reason": "Goed."},
    )
    assert response.status_code == 422
    assert "Vul de punten in als een getal groter dan 0" in response.text
    assert both.sent(contracts.ApproveCourse) == []


async def test_a_decision_the_service_refuses_is_explained(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.ApproveCourse, RpcError("invalid_validity", "valid_from after the edition end", 422))
    page = await client.get(COURSE_PAGE)
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={"csrf_token": csrf_from(page.text), "decision": "approve", "points": "8", "reason": "Goed."},
    )
    assert response.status_code == 422
    assert "Deze geldigheidsperiode kan niet: controleer de data." in response.text


async def test_an_objection_can_be_dismissed_or_answered_with_a_new_decision(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    objected = course(
        status="rejected",
        objection_open=True,
        history=[
            contracts.CourseHistoryEntry(step="submitted", at=NOW, by="account:p", reason=""),
            contracts.CourseHistoryEntry(step="rejected", at=NOW, by="account:c", reason="Te algemeen."),
            contracts.CourseHistoryEntry(step="objected", at=NOW, by="account:p", reason="Het is vakinhoudelijk."),
        ],
    )
    both.answer(contracts.GetCourse, objected)
    both.answer(contracts.DismissCourseObjection, objected)
    page = await client.get(COURSE_PAGE)
    assert "Het is vakinhoudelijk." in page.text and "Bezwaar gemaakt" in page.text
    assert ">Bezwaar afwijzen</button>" in page.text and ">Goedkeuren</button>" in page.text
    response = await client.post(
        f"{COURSE_PAGE}/besluit",
        data={"csrf_token": csrf_from(page.text), "decision": "dismiss", "reason": "Het besluit blijft."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (dismissed,) = both.sent(contracts.DismissCourseObjection)
    assert dismissed.reason == "Het besluit blijft."


async def test_an_approved_course_can_be_withdrawn(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.GetCourse, course())
    both.answer(contracts.WithdrawAccreditation, course(status="withdrawn"))
    page = await client.get(COURSE_PAGE)
    assert ">Accreditatie intrekken</button>" in page.text and ">Afwijzen</button>" not in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "decision": "withdraw",
        "withdrawn_on": "2025-07-01",
        "reason": "Niet meer actueel.",
    }
    asked = await client.post(f"{COURSE_PAGE}/besluit", data=form, follow_redirects=False)
    # Withdrawing cannot be undone: the committee is asked first, with what will happen and from when.
    assert asked.status_code == 200 and "Accreditatie intrekken?" in asked.text and "1-7-2025" in asked.text
    assert both.sent(contracts.WithdrawAccreditation) == []
    response = await client.post(f"{COURSE_PAGE}/besluit", data=form | {"bevestigd": "ja"}, follow_redirects=False)
    assert response.status_code == 303
    (withdrawn,) = both.sent(contracts.WithdrawAccreditation)
    assert (withdrawn.withdrawn_on, withdrawn.reason) == (date(2025, 7, 1), "Niet meer actueel.")


# --- Teaching claims -------------------------------------------------------------------------------------------


async def test_the_committee_decides_a_teaching_claim_with_a_reason(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.DecideTeachingClaim, claim(status="approved", points=Decimal(4)))
    page = await client.get("/commissie/onderwijsclaims")
    assert "A. Jansen" in page.text and "Verzuim voor starters" in page.text
    path = f"/commissie/onderwijsclaims/{CLAIM_ID}/besluit"
    empty = await client.post(path, data={"csrf_token": csrf_from(page.text), "decision": "approve", "reason": ""})
    assert empty.status_code == 422 and "Geef de motivering van het besluit." in empty.text
    response = await client.post(
        path,
        data={"csrf_token": csrf_from(page.text), "decision": "approve", "reason": "Aangetoond."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (decided,) = both.sent(contracts.DecideTeachingClaim)
    assert (decided.claim_id, decided.decision, decided.reason) == (CLAIM_ID, "approve", "Aangetoond.")


async def test_a_registered_professional_claims_teaching_for_themselves(both: Both) -> None:
    professional = both.registry.accounts["jansen@example.nl"]
    registration = both.registry.register(professional, "0000013")
    both.answer(contracts.ListTeachingClaims, contracts.TeachingClaimList(claims=[claim(status="approved")]))
    both.answer(contracts.ClaimTeaching, claim())
    async with signed_in_client(both, professional) as client:
        page = await client.get("/mijn/onderwijsclaim")
        assert page.status_code == 200 and "Goedgekeurd" in page.text
        response = await client.post(
            "/mijn/onderwijsclaim",
            data={
                "csrf_token": csrf_from(page.text),
                "course_title": "Verzuim voor starters",
                "given_on": "2025-05-01",
                "hours": "2,5",
                "description": "Voor nieuwe collega's.",
                "person_id": str(uuid.uuid4()),  # ignored: the claim is always the signed-in person's own
            },
            follow_redirects=False,
        )
    assert response.status_code == 303
    (sent,) = both.sent(contracts.ClaimTeaching)
    assert (sent.person_id, sent.registration_number) == (registration.person_id, "0000013")
    assert (sent.hours, sent.given_on) == (Decimal("2.5"), date(2025, 5, 1))


async def test_an_unregistered_person_cannot_claim_teaching(both: Both) -> None:
    async with signed_in_client(both, both.registry.accounts["jansen@example.nl"]) as client:
        page = await client.get("/mijn/onderwijsclaim")
        response = await client.post(
            "/mijn/onderwijsclaim",
            data={"csrf_token": csrf_from(page.text), "given_on": "2025-05-01", "hours": "2", "description": "x"},
        )
    assert "Alleen geregistreerde professionals kunnen punten claimen." in page.text
    assert response.status_code == 422
    assert both.sent(contracts.ClaimTeaching) == []


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_every_committee_and_claim_page_is_fully_translated(both: Both, member: FakeAccount, lang: str) -> None:
    untranslated = re.compile(r"\b(?:prov|comm|claim|catalogue)\.[a-z_]+\.?[a-zA-Z_]*")
    both.answer(contracts.GetCourse, course(objection_open=True, objection_deadline=None))
    async with signed_in_client(both, member, staff=True) as client:
        for path in ("/commissie", "/commissie?besloten=approve", COURSE_PAGE, "/commissie/onderwijsclaims"):
            response = await client.get(path, params={"lang": lang})
            assert response.status_code == 200, path
            assert not untranslated.findall(response.text), (path, untranslated.findall(response.text))
    professional = both.registry.accounts["jansen@example.nl"]
    both.registry.register(professional)
    both.answer(
        contracts.ListTeachingClaims,
        contracts.TeachingClaimList(claims=[claim(), claim(status="rejected", decision_reason="Geen bewijs.")]),
    )
    async with signed_in_client(both, professional) as client:
        response = await client.get("/mijn/onderwijsclaim", params={"lang": lang})
        assert response.status_code == 200
        assert not untranslated.findall(response.text), untranslated.findall(response.text)
