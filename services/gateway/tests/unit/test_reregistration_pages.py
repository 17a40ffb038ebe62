"""The professional's re-registration page, the office's overview with cycle extensions, and the public audit
statistics: what they send to the services and what they show."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as ac
from lklr_shared.contracts import audit as a
from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts import registry as c

from .registry_fake import PASSWORD, FakeAccount
from .review_fakes import ReviewWorld
from .web_helpers import client_fixture, csrf_from, sign_in

pytestmark = pytest.mark.unit

TODAY = date(2029, 12, 10)


@pytest.fixture
def world() -> ReviewWorld:
    world = ReviewWorld()
    world.register(world.add("jansen@example.nl", "A.", "Jansen"))
    world.add("beheer@example.nl", "L.", "Meijer", "office")
    return world


client = client_fixture("world", today=TODAY)


def jansen(world: ReviewWorld) -> FakeAccount:
    return world.accounts["jansen@example.nl"]


# --- Herregistratie -------------------------------------------------------------------------------------------


async def test_the_page_shows_the_window_and_the_norm_check_and_applying_freezes_the_dossier(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert page.status_code == 200
    assert "U kunt herregistratie aanvragen van 1-12-2029 tot en met 31-5-2030." in page.text
    assert "U voldoet aan de norm." in page.text
    response = await client.post(
        "/mijn/herregistratie/aanvragen", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    (applied,) = world.of(p.ApplyForReregistration)
    assert applied.person_id == applied.actor.person_id == jansen(world).account_id
    shown = await client.get(response.headers["location"])
    assert "Uw aanvraag is ontvangen." in shown.text
    assert "Ingediend, wacht op de steekproef" in shown.text
    assert "Herregistratie aanvragen</button>" not in shown.text


async def test_before_the_window_opens_there_is_no_apply_button(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    world.window = (date(2030, 1, 1), date(2030, 5, 31))
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert "Aanvragen kan nog niet: dat kan vanaf 1-1-2030." in page.text
    assert 'action="/mijn/herregistratie/aanvragen"' not in page.text


async def test_a_refusal_of_the_portfolio_is_shown_in_dutch(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    world.norm_met = False
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert "Er ontbreken nog 30 punten." in page.text
    response = await client.post("/mijn/herregistratie/aanvragen", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "U voldoet niet aan de norm: 30 points missing in total" in response.text


async def test_a_question_is_answered_with_text_and_an_uploaded_file(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    case_id, activity_id = uuid.uuid4(), uuid.uuid4()
    world.dossier = world._dossier(jansen(world).account_id, "under_review", sampled=True)
    world.information_requests = [
        a.InformationRequestView(
            case_id=case_id,
            dossier_id=world.dossier.dossier_id,
            activity_id=activity_id,
            activity_title="Intervisie",
            question="Wie waren de deelnemers?",
            asked_on=date(2029, 12, 12),
            deadline=date(2030, 1, 2),
            answered=False,
        )
    ]
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert "Wie waren de deelnemers?" in page.text
    assert "Uiterlijk beantwoorden op 2-1-2030" in page.text
    content = b"%PDF-1.4\n" + b"y" * 600_000
    response = await client.post(
        f"/mijn/herregistratie/vragen/{case_id}/{activity_id}",
        params={"csrf_token": csrf_from(page.text)},
        data={"answer": "Drie collega's uit de regio."},
        files={"evidence": ("verslag.pdf", content, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert len(world.of(p.AppendEvidenceChunk)) == 3  # 600 kB in chunks of 256 KiB
    (answer,) = world.of(a.AnswerInformationRequest)
    assert answer.text == "Drie collega's uit de regio."
    (evidence_id,) = answer.evidence_ids
    assert world.evidence[evidence_id] == (jansen(world).account_id, content)
    assert answer.person_id == jansen(world).account_id


async def test_an_empty_answer_is_refused_without_asking_the_audit(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    case_id, activity_id = uuid.uuid4(), uuid.uuid4()
    world.dossier = world._dossier(jansen(world).account_id, "under_review", sampled=True)
    world.information_requests = [
        a.InformationRequestView(
            case_id=case_id,
            dossier_id=world.dossier.dossier_id,
            activity_id=activity_id,
            activity_title="Intervisie",
            question="Wie?",
            asked_on=date(2029, 12, 12),
            deadline=date(2030, 1, 2),
            answered=False,
        )
    ]
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    response = await client.post(
        f"/mijn/herregistratie/vragen/{case_id}/{activity_id}",
        params={"csrf_token": csrf_from(page.text)},
        data={"answer": "  "},
        files={"evidence": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "Geef een antwoord of voeg een bewijsstuk toe." in response.text
    assert not world.of(a.AnswerInformationRequest)


async def test_a_returned_dossier_can_be_resubmitted(client: AsyncTestClient[Litestar], world: ReviewWorld) -> None:
    world.dossier = world._dossier(
        jansen(world).account_id, "returned_for_correction", sampled=True, correction_deadline=date(2030, 2, 4)
    )
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert "Teruggestuurd voor correctie" in page.text
    assert "tot en met 4-2-2030" in page.text
    response = await client.post(
        "/mijn/herregistratie/opnieuw-indienen", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert world.of(p.ResubmitDossier)


async def test_the_outcome_and_the_registers_decision_are_shown(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    world.dossier = world._dossier(
        jansen(world).account_id, "met", sampled=True, registry_decision="granted", registry_decided_on=TODAY
    )
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie?lang=en")
    assert "Outcome: your dossier meets the norm." in page.text
    assert "Re-registration granted" in page.text


async def test_someone_without_a_registration_is_told_so(client: AsyncTestClient[Litestar], world: ReviewWorld) -> None:
    world.add("nieuw@example.nl", "N.", "Nieuw")
    await sign_in(client, "nieuw@example.nl", PASSWORD)
    page = await client.get("/mijn/herregistratie")
    assert "U bent (nog) niet geregistreerd." in page.text
    assert not world.of(p.GetDossier)


# --- Beheer: herregistraties -----------------------------------------------------------------------------------


def _application(world: ReviewWorld) -> c.ReregistrationView:
    registration = world.registrations[jansen(world).account_id]
    return c.ReregistrationView(
        dossier_id=uuid.uuid4(),
        person_id=registration.person_id,
        registration_number=registration.registration_number,
        initials="A.",
        surname="Jansen",
        registration_status="reregistration_pending",
        status="pending",
        cycle=registration.current_cycle,
        applied_on=TODAY,
        total_points=Decimal(150),
        audit_state="sampled",
        sampled_activities=4,
        sampled=True,
    )


async def test_the_office_sees_the_applications_and_extends_a_cycle(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    world.reregistrations = [_application(world)]
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    page = await client.get("/beheer/herregistraties")
    assert page.status_code == 200
    assert "A. Jansen" in page.text and "In behandeling" in page.text
    assert "(4 activiteiten)" in page.text
    assert "In de steekproef" in page.text
    assert "ten hoogste 16 weken per geval" in page.text
    response = await client.post(
        "/beheer/herregistraties/verlenging",
        data={
            "csrf_token": csrf_from(page.text),
            "registration_number": "0000013",
            "reason": "pregnancy",
            "weeks": "8",
            "case_reference": "Z-2029-17",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    (extension,) = world.of(c.ExtendCycle)
    assert (extension.registration_number, extension.reason, extension.weeks, extension.case_reference) == (
        "0000013",
        "pregnancy",
        8,
        "Z-2029-17",
    )
    shown = await client.get(response.headers["location"])
    assert "loopt nu tot en met 31-7-2030" in shown.text


async def test_the_office_refuses_an_extension_request_with_reasons_the_professional_can_object_to(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    page = await client.get("/beheer/herregistraties")
    fields = {
        "csrf_token": csrf_from(page.text),
        "registration_number": "0000013",
        "reason": "illness",
        "weeks": "8",
        "case_reference": "Z-2030-7",
        "decision": "refuse",
    }
    without_reasons = await client.post("/beheer/herregistraties/verlenging", data=fields)
    assert without_reasons.status_code == 422
    assert "Geef de reden van de afwijzing" in without_reasons.text
    assert not world.of(c.RefuseCycleExtension)
    reasons = "Er is geen verklaring van de bedrijfsarts."
    response = await client.post(
        "/beheer/herregistraties/verlenging",
        data={**fields, "csrf_token": csrf_from(without_reasons.text), "refusal_reasons": reasons},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (refusal,) = world.of(c.RefuseCycleExtension)
    assert (refusal.registration_number, refusal.weeks, refusal.reasons) == ("0000013", 8, reasons)
    assert not world.of(c.ExtendCycle)
    shown = await client.get(response.headers["location"])
    assert "is afgewezen" in shown.text


async def test_an_extension_beyond_the_maximum_is_refused_next_to_the_weeks(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    page = await client.get("/beheer/herregistraties")
    response = await client.post(
        "/beheer/herregistraties/verlenging",
        data={
            "csrf_token": csrf_from(page.text),
            "registration_number": "0000013",
            "reason": "illness",
            "weeks": "20",
            "case_reference": "Z-1",
        },
    )
    assert response.status_code == 422
    assert "boven het maximum van 16 weken per geval" in response.text


async def test_the_extension_form_checks_its_fields_first(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    page = await client.get("/beheer/herregistraties")
    response = await client.post(
        "/beheer/herregistraties/verlenging",
        data={"csrf_token": csrf_from(page.text), "registration_number": "", "reason": "holiday", "weeks": "x"},
    )
    assert response.status_code == 422
    for text in ("Vul een registratienummer in.", "Kies ziekte of zwangerschap.", "Vul een geheel aantal weken"):
        assert text in response.text
    assert not world.of(c.ExtendCycle)


async def test_a_professional_cannot_open_the_office_overview(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert (await client.get("/beheer/herregistraties")).status_code == 403
    assert not world.of(c.ListReregistrations)


# --- Audit statistics -------------------------------------------------------------------------------------------


async def test_the_audit_statistics_are_public_and_anonymous(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    world.statistics = [
        a.AuditYearStatistics(year=2029, dossiers=1200, sampled=120, met=110, returned=6, not_met=4, in_progress=6),
        a.AuditYearStatistics(year=2030, dossiers=15, sampled=2, met=0, returned=0, not_met=0, in_progress=2),
    ]
    world.objection_years = [c.ObjectionYear(year=2029, filed=37, upheld=9, not_upheld=25, open=3)]
    # Providers' objections against course decisions count in the same figures (one objection flow).
    world.overrides[ac.GetCourseObjectionStatistics] = ac.CourseObjectionStatistics(
        years=[ac.CourseObjectionYear(year=2029, filed=3, upheld=1, not_upheld=1, open=1)]
    )
    response = await client.get("/statistieken/audit")
    assert response.status_code == 200
    assert "1.200" in response.text and "120" in response.text
    assert response.text.index("2030") < response.text.index("2029")  # newest year first
    objections = response.text[response.text.index('data-testid="objection-statistics"') :]
    assert "Gegrond" in objections and "Ongegrond" in objections
    assert all(f'<td class="num">{figure}</td>' in objections for figure in ("40", "10", "26", "4"))
    english = await client.get("/statistieken/audit?lang=en")
    assert "Audit: figures per year" in english.text and "1,200" in english.text
    assert "Not upheld" in english.text


async def test_the_self_check_lists_each_finding_with_a_link_to_fix_it_and_the_share_a_sample_would_flag(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert 'data-testid="automatic-check-passed"' in (await client.get("/mijn/herregistratie")).text
    activity_id = uuid.uuid4()
    world.self_check = p.DossierCheck(
        passed=False,
        findings=[
            p.DossierCheckFinding(
                code="evidence_missing", severity="error", activity_id=activity_id, activity_title="Intervisie"
            ),
            p.DossierCheckFinding(
                code="norm_a2_short", severity="error", points=Decimal(35), expected_points=Decimal(40)
            ),
        ],
        self_entered_count=4,
        flagged_self_entered_count=1,
        sample_flag_share=Decimal("0.25"),
    )
    page = (await client.get("/mijn/herregistratie")).text
    assert "Intervisie — er is geen bewijsstuk bijgevoegd." in page
    assert f'href="/portfolio/activiteiten/{activity_id}/wijzigen"' in page
    assert "A2 zonder de activiteiten hierboven: 35 punten, de norm vraagt 40." in page
    assert "Bij een steekproef zou 25% van de zelf ingevoerde activiteiten worden opgemerkt (1 van 4)." in page
    (asked,) = world.of(p.SelfCheckDossier)[-1:]
    assert asked.person_id == asked.actor.person_id == jansen(world).account_id


async def test_the_offices_overview_keeps_showing_whether_a_concluded_dossier_was_sampled(
    client: AsyncTestClient[Litestar], world: ReviewWorld
) -> None:
    """The public audit figures count sampled dossiers whatever their outcome; the office's overview says it per
    dossier after the outcome too, so both count the same (it once showed only "Voldaan" for every met dossier)."""
    sampled = _application(world).model_copy(update={"audit_state": "met", "outcome": "met", "sampled": True})
    unsampled = _application(world).model_copy(
        update={
            "dossier_id": uuid.uuid4(),
            "audit_state": "met",
            "outcome": "met",
            "sampled": False,
            "sampled_activities": 0,
        }
    )
    world.reregistrations = [sampled, unsampled]
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    page = (await client.get("/beheer/herregistraties")).text
    assert page.count('data-sampled="ja"') == 1 and page.count('data-sampled="nee"') == 1
    assert page.count('data-outcome="met"') == 2
    assert "In de steekproef" in page and "Niet in de steekproef" in page and page.count("Voldaan") >= 2
