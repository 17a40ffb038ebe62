"""The provider portal (/aanbieder) against fakes: who may enter, what each form sends to the accreditation service
(always as the signed-in account's provider), how attendance files and pasted lists are read, and what the pages
show of the answers."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.domain.attendance_upload import FIELD_LIMIT, UnreadableCsv, UploadRow, decode, parse_csv, parse_pasted
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError

from .accreditation_web_helpers import NOW, Both, signed_in_client
from .provider_fakes import COURSE_ID, EDITION_ID, PROVIDER, course, edition, post_result
from .registry_fake import FakeAccount
from .web_helpers import csrf_from

pytestmark = pytest.mark.unit

# A text key shown as such: a key missing from the catalogue.
UNTRANSLATED = re.compile(r"\b(?:prov|comm|claim|catalogue)\.[a-z_]+\.?[a-zA-Z_]*")
EDITION_PAGE = f"/aanbieder/opleidingen/{COURSE_ID}/edities/{EDITION_ID}"


@pytest.fixture
def both() -> Both:
    both = Both()
    both.registry.add("opleider@example.nl", "P.", "de Opleider")
    both.registry.add("jansen@example.nl", "A.", "Jansen")
    both.link(both.registry.accounts["opleider@example.nl"])
    both.answer(contracts.ListProviderCourses, contracts.CourseList(courses=[course()]))
    both.answer(contracts.GetCourse, course())
    return both


@pytest.fixture
def opleider(both: Both) -> FakeAccount:
    return both.registry.accounts["opleider@example.nl"]


@pytest.fixture
async def client(both: Both, opleider: FakeAccount):  # type: ignore[no-untyped-def]
    async with signed_in_client(both, opleider) as test_client:
        yield test_client


def attendance_list(*entries: contracts.AttendanceEntry) -> contracts.AttendanceList:
    return contracts.AttendanceList(
        course_id=COURSE_ID,
        course_title="Verzuim aanpakken",
        edition_id=EDITION_ID,
        completion_date=date(2025, 3, 2),
        entries=list(entries),
    )


def entry(**changes: Any) -> contracts.AttendanceEntry:
    values: dict[str, Any] = {
        "attendance_id": uuid.UUID(int=4242),
        "post_id": uuid.UUID(int=555),
        "registration_number": "0000013",
        "person_name": "A. Jansen",
        "hours": Decimal(8),
        "points": Decimal("8.5"),
        "completion_date": date(2025, 3, 2),
        "channel": "web",
        "recorded_at": NOW,
    }
    return contracts.AttendanceEntry(**(values | changes))


# --- Reading attendance files ----------------------------------------------------------------------------------


def test_a_dutch_spreadsheet_export_with_header_semicolons_and_decimal_commas_is_read() -> None:
    text = decode("Registratienummer;Uren\r\n0000013;3,5\r\n0000021;\r\n\r\n".encode("cp1252"))
    assert parse_csv(text) == [UploadRow("0000013", "3,5"), UploadRow("0000021")]


def test_a_comma_separated_file_without_header_and_with_a_bom_is_read() -> None:
    text = decode("\ufeff0000013,8\n0000021\n 0000038 , 2.5 \n".encode())
    assert parse_csv(text) == [UploadRow("0000013", "8"), UploadRow("0000021"), UploadRow("0000038", "2.5")]


def test_a_header_may_put_the_hours_before_the_number() -> None:
    assert parse_csv('uren,"registration number"\n"3,5",0000013\n') == [UploadRow("0000013", "3,5")]


def test_a_line_with_a_mistyped_number_is_kept_for_the_service_to_judge() -> None:
    assert parse_csv("0000013\nabc1234\n") == [UploadRow("0000013"), UploadRow("abc1234")]


def test_pasted_numbers_may_be_separated_by_lines_spaces_commas_or_semicolons() -> None:
    assert parse_pasted("0000013\n0000021, 0000038;0000046  0000054\n") == [
        UploadRow(number) for number in ("0000013", "0000021", "0000038", "0000046", "0000054")
    ]


# --- Who may enter ---------------------------------------------------------------------------------------------


async def test_a_visitor_is_sent_to_sign_in(both: Both) -> None:
    async with signed_in_client(both) as anonymous:
        response = await anonymous.get("/aanbieder", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen?next=/aanbieder")


async def test_an_account_not_linked_to_a_provider_gets_a_clear_403_page(both: Both) -> None:
    async with signed_in_client(both, both.registry.accounts["jansen@example.nl"]) as other:
        response = await other.get("/aanbieder")
        posted = await other.post(
            "/aanbieder/api-sleutels", data={"csrf_token": csrf_from(response.text), "label": "x"}
        )
    assert response.status_code == 403
    assert "Uw account is niet gekoppeld aan een scholingsaanbieder." in response.text
    assert posted.status_code == 403
    assert both.sent(contracts.CreateApiKey) == []


async def test_every_request_acts_for_the_provider_of_the_signed_in_account(
    client: AsyncTestClient[Litestar], both: Both, opleider: FakeAccount
) -> None:
    response = await client.get("/aanbieder")
    assert response.status_code == 200
    assert "U werkt namens Aanbieder Een." in response.text
    (find,) = both.sent(contracts.FindProviderForAccount)
    assert find.account_id == str(opleider.account_id)
    (listing,) = both.sent(contracts.ListProviderCourses)
    assert listing.provider_id == PROVIDER.provider_id
    assert "Verzuim aanpakken" in response.text and "Geaccrediteerd" in response.text


# --- Courses ---------------------------------------------------------------------------------------------------


async def test_submitting_a_course_sends_every_field_and_opens_the_course(
    client: AsyncTestClient[Litestar], both: Both, opleider: FakeAccount
) -> None:
    both.answer(contracts.SubmitCourse, course(status="submitted"))
    form = await client.get("/aanbieder/opleidingen/nieuw")
    response = await client.post(
        "/aanbieder/opleidingen",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "Verzuim aanpakken",
            "description": "Over schoolverzuim.",
            "category": "A2",
            "study_load_hours": "3,5",
            "trainers": "T. Rainer\n\n  B. Docent  \n",
            "target_group": "Leerplichtambtenaren",
            "programme": "Ochtend.",
            "allows_partial_attendance": "1",
            "start_date": "2025-03-01",
            "end_date": "2025-03-02",
            "location": "Utrecht",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/aanbieder/opleidingen/{COURSE_ID}?aangemeld=1"
    (submitted,) = both.sent(contracts.SubmitCourse)
    assert submitted.provider_id == PROVIDER.provider_id
    assert submitted.submitted_by == f"account:{opleider.account_id}"
    assert (submitted.category, submitted.study_load_hours) == ("A2", Decimal("3.5"))
    assert submitted.trainers == ["T. Rainer", "B. Docent"]
    assert submitted.allows_partial_attendance is True
    assert submitted.editions == [
        contracts.EditionInput(start_date=date(2025, 3, 1), end_date=date(2025, 3, 2), location="Utrecht")
    ]


async def test_an_incomplete_course_form_is_shown_again_with_its_problems(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    form = await client.get("/aanbieder/opleidingen/nieuw")
    response = await client.post(
        "/aanbieder/opleidingen",
        data={"csrf_token": csrf_from(form.text), "title": "", "description": "x", "study_load_hours": "veel"},
    )
    assert response.status_code == 422
    assert "Vul de titel van de opleiding in." in response.text
    assert "Vul de studiebelasting in als een getal groter dan 0" in response.text
    assert both.sent(contracts.SubmitCourse) == []


async def test_a_refusal_of_the_service_is_shown_in_dutch_next_to_its_field(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.SubmitCourse, RpcError("invalid_study_load_hours", "Study load must be in half hours.", 400))
    form = await client.get("/aanbieder/opleidingen/nieuw")
    response = await client.post(
        "/aanbieder/opleidingen",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "T",
            "description": "D",
            "category": "A1",
            "study_load_hours": "3,3",
        },
    )
    assert response.status_code == 422
    assert '<a href="#study_load_hours">De studiebelasting moet groter dan 0 zijn' in response.text


async def test_the_course_page_shows_status_history_editions_and_the_attendance_link(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    upcoming = edition(edition_id=uuid.UUID(int=201), start_date=date(2025, 9, 1), end_date=date(2025, 9, 1))
    both.answer(contracts.GetCourse, course(editions=[edition(), upcoming]))
    response = await client.get(f"/aanbieder/opleidingen/{COURSE_ID}")
    assert response.status_code == 200
    (asked,) = both.sent(contracts.GetCourse)
    assert asked.provider_id == PROVIDER.provider_id  # the service refuses another provider's course
    text = response.text
    assert "Geaccrediteerd" in text and "Goedgekeurd" in text and "Voldoet." in text
    assert "Accreditatiecommissie" in text and "8,5 punten" in text
    assert f'href="{EDITION_PAGE}"' in text
    assert "Nog niet afgelopen" in text


async def test_adding_an_edition_sends_its_dates(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.AddEdition, edition())
    page = await client.get(f"/aanbieder/opleidingen/{COURSE_ID}")
    response = await client.post(
        f"/aanbieder/opleidingen/{COURSE_ID}/edities",
        data={"csrf_token": csrf_from(page.text), "start_date": "1-9-2025", "end_date": "", "location": "Zwolle"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (added,) = both.sent(contracts.AddEdition)
    assert (added.start_date, added.end_date, added.location) == (date(2025, 9, 1), date(2025, 9, 1), "Zwolle")
    assert added.provider_id == PROVIDER.provider_id


async def test_objecting_to_a_decision_needs_a_reason_and_sends_it(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.GetCourse, course(status="rejected", objection_deadline=date(2025, 7, 1)))
    both.answer(contracts.ObjectToCourseDecision, course(status="rejected", objection_open=True))
    page = await client.get(f"/aanbieder/opleidingen/{COURSE_ID}")
    assert "Bezwaar maken" in page.text and "1-7-2025" in page.text
    token = csrf_from(page.text)
    empty = await client.post(f"/aanbieder/opleidingen/{COURSE_ID}/bezwaar", data={"csrf_token": token})
    assert empty.status_code == 422 and "Schrijf op waarom u bezwaar maakt." in empty.text
    done = await client.post(
        f"/aanbieder/opleidingen/{COURSE_ID}/bezwaar",
        data={"csrf_token": token, "reason": "Het programma is wel vakinhoudelijk."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (objection,) = both.sent(contracts.ObjectToCourseDecision)
    assert objection.reason == "Het programma is wel vakinhoudelijk."


async def test_the_provider_sees_its_objections_deadlines_and_the_decision_with_reasons(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    flow = contracts.CourseObjectionView(
        objection_id=uuid.UUID(int=41),
        course_id=COURSE_ID,
        course_title="Verzuim aanpakken",
        provider_id=PROVIDER.provider_id,
        provider_name=PROVIDER.provider_name,
        decision_step="rejected",
        decided_on=date(2025, 5, 1),
        filed_on=date(2025, 5, 10),
        filing_deadline=date(2025, 6, 26),
        reasons="Het programma is wel vakinhoudelijk.",
        state="decided",
        original_decision_due_on=date(2025, 6, 21),
        decision_due_on=date(2025, 8, 2),
        extended=True,
        outcome="not_upheld",
        decision_reasons="Het programma gaat niet over leerplicht.",
        objection_decided_on=date(2025, 5, 30),
    )
    both.answer(contracts.GetCourse, course(status="rejected", objection=flow))
    page = await client.get(f"/aanbieder/opleidingen/{COURSE_ID}")
    assert page.status_code == 200
    for text in (
        "Uw bezwaar",
        "2-8-2025, verlengd (oorspronkelijk 21-6-2025)",
        "Het programma gaat niet over leerplicht.",
    ):
        assert text in page.text


async def test_a_course_with_changes_requested_can_be_revised(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.GetCourse, course(status="changes_requested"))
    both.answer(contracts.ReviseCourse, course(status="submitted"))
    form = await client.get(f"/aanbieder/opleidingen/{COURSE_ID}/wijzigen")
    assert 'value="Verzuim aanpakken"' in form.text
    response = await client.post(
        f"/aanbieder/opleidingen/{COURSE_ID}/wijzigen",
        data={
            "csrf_token": csrf_from(form.text),
            "title": "Verzuim aanpakken (herzien)",
            "description": "Nieuw.",
            "category": "A1",
            "study_load_hours": "8",
            "note": "Programma aangepast.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    (revised,) = both.sent(contracts.ReviseCourse)
    assert (revised.title, revised.note) == ("Verzuim aanpakken (herzien)", "Programma aangepast.")


# --- Attendance ------------------------------------------------------------------------------------------------


async def test_an_uploaded_csv_is_posted_as_web_attendance_and_every_row_result_is_shown(
    client: AsyncTestClient[Litestar], both: Both, opleider: FakeAccount
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    both.answer(contracts.PostAttendance, lambda request: post_result(request))
    page = await client.get(EDITION_PAGE)
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    csv = "registratienummer;uren\n0000013;3,5\n0000021\n0000014\n"
    response = await client.post(
        f"{EDITION_PAGE}/deelnemers",
        params={"csrf_token": csrf_from(page.text)},
        data={"idempotency_key": key, "numbers": ""},
        files={"file": ("deelnemers.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == 200 and f"{EDITION_PAGE}?doorgegeven=" in str(response.url)
    (posted,) = both.sent(contracts.PostAttendance)
    assert posted.provider_id == PROVIDER.provider_id and posted.edition_id == EDITION_ID
    assert (posted.channel, posted.idempotency_key, posted.posted_by) == ("web", key, f"account:{opleider.account_id}")
    assert [(a.registration_number, a.hours) for a in posted.attendees] == [
        ("0000013", "3,5"),
        ("0000021", None),
        ("0000014", None),
    ]
    text = response.text
    assert "Ontvangen: 3. Geregistreerd: 1, al geregistreerd: 1, afgewezen: 1." in text
    assert "Al geregistreerd" in text
    assert "Het controlecijfer klopt niet: waarschijnlijk is een cijfer verkeerd getypt." in text
    assert f'name="idempotency_key" value="{key}"' not in text  # the next form is a new post


async def test_the_same_form_sent_twice_uses_one_key_and_says_nothing_was_counted_twice(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    seen: set[str] = set()

    def answer(request: contracts.PostAttendance) -> contracts.AttendancePostResult:
        replayed = request.idempotency_key in seen
        seen.add(request.idempotency_key)
        return post_result(request, replayed=replayed)

    both.answer(contracts.PostAttendance, answer)
    page = await client.get(EDITION_PAGE)
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_from(page.text), "idempotency_key": key, "numbers": "0000013\n0000021"}
    first = await client.post(f"{EDITION_PAGE}/deelnemers", data=form)
    second = await client.post(f"{EDITION_PAGE}/deelnemers", data=form)
    assert [p.idempotency_key for p in both.sent(contracts.PostAttendance)] == [key, key]
    assert [[a.registration_number for a in p.attendees] for p in both.sent(contracts.PostAttendance)] == [
        ["0000013", "0000021"]
    ] * 2
    assert "Dit formulier was al verstuurd" not in first.text
    assert "Dit formulier was al verstuurd. U ziet het resultaat van toen; er is niets dubbel geteld." in second.text


async def test_an_empty_attendance_form_is_refused_without_asking_the_service(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    page = await client.get(EDITION_PAGE)
    response = await client.post(
        f"{EDITION_PAGE}/deelnemers", data={"csrf_token": csrf_from(page.text), "numbers": "  \n"}
    )
    assert response.status_code == 422
    assert "Kies een bestand of plak ten minste één registratienummer." in response.text
    assert both.sent(contracts.PostAttendance) == []


async def test_a_whole_post_refusal_is_explained_and_the_key_kept_for_a_retry(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    both.answer(contracts.PostAttendance, RpcError("posting_window_closed", "Closed.", 422))
    page = await client.get(EDITION_PAGE)
    response = await client.post(
        f"{EDITION_PAGE}/deelnemers",
        data={"csrf_token": csrf_from(page.text), "idempotency_key": "form-key-1", "numbers": "0000013"},
    )
    assert response.status_code == 422
    assert "De termijn om deelnemers voor deze editie door te geven is verstreken." in response.text
    assert 'name="idempotency_key" value="form-key-1"' in response.text
    assert "0000013</textarea>" in response.text


async def test_an_edition_that_has_not_ended_takes_no_attendance_yet(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.GetCourse, course(editions=[edition(end_date=date(2025, 6, 1))]))
    response = await client.get(EDITION_PAGE)
    assert response.status_code == 200
    assert "vanaf de dag na de einddatum" in response.text
    assert 'name="idempotency_key"' not in response.text
    assert both.sent(contracts.ListAttendance) == []


async def test_voiding_an_entry_needs_a_reason_and_sends_it(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.ListAttendance, attendance_list(entry()))
    both.answer(
        contracts.VoidAttendance,
        contracts.AttendanceVoidReceipt(
            attendance_id=uuid.UUID(int=4242), voided_at=NOW, reason="Niet aanwezig", newly_voided=True
        ),
    )
    page = await client.get(EDITION_PAGE)
    assert "A. Jansen" in page.text and "0000013" in page.text
    void_path = f"{EDITION_PAGE}/deelnames/{uuid.UUID(int=4242)}/intrekken"
    empty = await client.post(void_path, data={"csrf_token": csrf_from(page.text), "reason": " "})
    assert empty.status_code == 422 and "Schrijf op waarom u deze deelname intrekt." in empty.text
    asked = await client.post(void_path, data={"csrf_token": csrf_from(page.text), "reason": "Niet aanwezig"})
    assert asked.status_code == 200 and "Deelname intrekken?" in asked.text
    assert both.sent(contracts.VoidAttendance) == []
    done = await client.post(
        void_path,
        data={"csrf_token": csrf_from(page.text), "reason": "Niet aanwezig", "bevestigd": "ja"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{EDITION_PAGE}?ingetrokken=1"
    (voided,) = both.sent(contracts.VoidAttendance)
    assert (voided.provider_id, voided.reason) == (PROVIDER.provider_id, "Niet aanwezig")


async def test_the_disputes_page_lists_the_providers_disputed_entries(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    disputed = entry(
        attendance_id=uuid.UUID(int=4343),
        registration_number="0000021",
        person_name="E. Visser",
        disputed_at=NOW,
        dispute_reason="Ik was ziek die dag.",
    )
    both.answer(
        contracts.ListDisputedAttendance,
        contracts.DisputedAttendanceList(
            disputes=[
                contracts.DisputedAttendance(
                    course_id=COURSE_ID, course_title="Verzuim aanpakken", edition_id=EDITION_ID, entry=disputed
                )
            ]
        ),
    )
    response = await client.get("/aanbieder/betwistingen")
    assert response.status_code == 200
    (asked,) = both.sent(contracts.ListDisputedAttendance)
    assert asked.provider_id == PROVIDER.provider_id
    assert "E. Visser" in response.text and "Ik was ziek die dag." in response.text
    assert f'href="{EDITION_PAGE}#entry-{uuid.UUID(int=4343)}"' in response.text


# --- API keys --------------------------------------------------------------------------------------------------


def key_info(**changes: Any) -> contracts.ApiKeyInfo:
    values: dict[str, Any] = {
        "key_id": uuid.UUID(int=77),
        "provider_id": PROVIDER.provider_id,
        "label": "LMS",
        "display_prefix": "lklr_abcdefgh_",
        "created_at": NOW,
        "created_by": "account:x",
        "active": True,
    }
    return contracts.ApiKeyInfo(**(values | changes))


async def test_a_new_api_key_is_shown_once_and_can_be_revoked(client: AsyncTestClient[Litestar], both: Both) -> None:
    secret = "lklr_abcdefgh_" + "s" * 43
    both.answer(contracts.ListApiKeys, contracts.ApiKeyList(keys=[key_info()]))
    both.answer(contracts.CreateApiKey, contracts.ApiKeyCreated(key=key_info(), api_key=secret))
    both.answer(contracts.RevokeApiKey, key_info(active=False, revoked_at=NOW))
    page = await client.get("/aanbieder/api-sleutels")
    assert secret not in page.text and "lklr_abcdefgh_" in page.text
    created = await client.post("/aanbieder/api-sleutels", data={"csrf_token": csrf_from(page.text), "label": "LMS"})
    assert created.status_code == 200 and secret in created.text
    assert "u ziet hem maar één keer" in created.text
    (create,) = both.sent(contracts.CreateApiKey)
    assert (create.provider_id, create.label) == (PROVIDER.provider_id, "LMS")
    again = await client.get("/aanbieder/api-sleutels")
    assert secret not in again.text
    revoked = await client.post(
        f"/aanbieder/api-sleutels/{uuid.UUID(int=77)}/intrekken",
        data={"csrf_token": csrf_from(page.text), "bevestigd": "ja"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    (revoke,) = both.sent(contracts.RevokeApiKey)
    assert (revoke.provider_id, revoke.key_id) == (PROVIDER.provider_id, uuid.UUID(int=77))


async def test_the_portal_speaks_english_on_request(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/aanbieder?lang=en")
    assert "You are acting for Aanbieder Een." in response.text and "Accredited" in response.text


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_every_portal_page_is_fully_translated(client: AsyncTestClient[Litestar], both: Both, lang: str) -> None:
    both.answer(contracts.GetCourse, course(status="changes_requested", objection_deadline=date(2025, 7, 1)))
    both.answer(
        contracts.ListAttendance, attendance_list(entry(), entry(attendance_id=uuid.UUID(int=1), voided_at=NOW))
    )
    both.answer(contracts.ListApiKeys, contracts.ApiKeyList(keys=[key_info(), key_info(active=False, revoked_at=NOW)]))
    both.answer(contracts.PostAttendance, lambda request: post_result(request))
    both.answer(contracts.ListDisputedAttendance, contracts.DisputedAttendanceList(disputes=[]))
    paths = [
        "/aanbieder",
        "/aanbieder/opleidingen/nieuw",
        f"/aanbieder/opleidingen/{COURSE_ID}",
        f"/aanbieder/opleidingen/{COURSE_ID}/wijzigen",
        EDITION_PAGE,
        "/aanbieder/betwistingen",
        "/aanbieder/api-sleutels",
    ]
    for path in paths:
        response = await client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        assert not UNTRANSLATED.findall(response.text), (path, UNTRANSLATED.findall(response.text))
    posted = await client.post(
        f"{EDITION_PAGE}/deelnemers",
        data={"csrf_token": csrf_from(response.text), "numbers": "0000013 0000021 0000014"},
    )
    assert not UNTRANSLATED.findall(posted.text)


# --- Files the csv module cannot read --------------------------------------------------------------------------


def test_inputs_finding_a_field_over_the_csv_limit_is_an_unreadable_file_not_a_crash() -> None:
    text = '0000013;8\n"' + "9" * (FIELD_LIMIT + 10) + "\n0000021\n"
    with pytest.raises(UnreadableCsv) as raised:
        parse_csv(text)
    assert raised.value.code == "field_too_large"


async def _post_file(client: AsyncTestClient[Litestar], content: bytes) -> Any:
    page = await client.get(EDITION_PAGE)
    return await client.post(
        f"{EDITION_PAGE}/deelnemers",
        params={"csrf_token": csrf_from(page.text)},
        data={"numbers": ""},
        files={"file": ("deelnemers.csv", content, "text/csv")},
    )


async def test_inputs_finding_a_csv_field_over_the_limit_answers_422_with_the_reason(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    content = b'registratienummer;uren\n0000013;8\n"' + b"x" * (FIELD_LIMIT + 1) + b"\n"
    response = await _post_file(client, content)
    assert response.status_code == 422
    assert "Het bestand is niet gelezen: regel 3 heeft een veld van meer dan" in response.text
    assert not both.sent(contracts.PostAttendance)
    assert not UNTRANSLATED.search(response.text)


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 64,  # binary: NUL bytes
        b'"' * 3 + bytes(range(1, 256)) * 64,  # binary without NUL, opening with a quote
        '€ß漢字;;;"\n\r\n,,,\t"x"y"\n'.encode("utf-16") * 500,  # another encoding
        b"\xff\xfe" + b";" * 200_000,  # separators only
    ],
)
async def test_inputs_finding_a_file_of_garbage_never_answers_500(
    client: AsyncTestClient[Litestar], both: Both, content: bytes
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    both.answer(contracts.PostAttendance, lambda request: post_result(request))
    response = await _post_file(client, content)
    # Refused as a whole with a reason, or passed on so every row gets its own outcome.
    assert response.status_code in (200, 422), response.text[:500]
    if response.status_code == 422:
        assert "Het bestand is niet gelezen" in response.text or "Kies een bestand" in response.text
    else:
        assert "Ontvangen:" in response.text


# --- Safeguards: a confirmation before what cannot be undone, and a result page that can be reloaded ---------------


async def test_the_attendance_result_page_can_be_reloaded_without_posting_again(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    both.answer(contracts.PostAttendance, lambda request: post_result(request))
    page = await client.get(EDITION_PAGE)
    key = page.text.split('name="idempotency_key" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_from(page.text), "idempotency_key": key, "numbers": "0000013\n0000021\n0000014"}
    posted = await client.post(f"{EDITION_PAGE}/deelnemers", data=form, follow_redirects=False)
    assert posted.status_code == 303  # post-redirect-get: the result has a URL of its own
    result_url = posted.headers["location"]
    assert result_url.startswith(f"{EDITION_PAGE}?doorgegeven=")
    first = await client.get(result_url)
    reloaded = await client.get(result_url)
    assert len(both.sent(contracts.PostAttendance)) == 1  # reloading posted nothing
    for shown in (first, reloaded):
        assert shown.status_code == 200
        assert "Ontvangen: 3. Geregistreerd: 1, al geregistreerd: 1, afgewezen: 1." in shown.text
        assert "Het controlecijfer klopt niet" in shown.text


async def test_another_providers_post_shows_no_result_on_the_edition_page(
    client: AsyncTestClient[Litestar], both: Both
) -> None:
    both.answer(contracts.ListAttendance, attendance_list())
    response = await client.get(f"{EDITION_PAGE}?doorgegeven={uuid.UUID(int=9999)}")
    assert response.status_code == 200 and 'data-testid="attendance-result"' not in response.text
    response = await client.get(f"{EDITION_PAGE}?doorgegeven=geen-id")
    assert response.status_code == 200 and 'data-testid="attendance-result"' not in response.text


async def test_revoking_an_api_key_asks_for_confirmation_first(client: AsyncTestClient[Litestar], both: Both) -> None:
    both.answer(contracts.ListApiKeys, contracts.ApiKeyList(keys=[key_info()]))
    both.answer(contracts.RevokeApiKey, key_info(active=False, revoked_at=NOW))
    page = await client.get("/aanbieder/api-sleutels")
    key_id = key_info().key_id
    asked = await client.post(f"/aanbieder/api-sleutels/{key_id}/intrekken", data={"csrf_token": csrf_from(page.text)})
    assert asked.status_code == 200 and both.sent(contracts.RevokeApiKey) == []
    assert "API-sleutel intrekken?" in asked.text and "kan niet opnieuw worden aangezet" in asked.text
    assert 'name="bevestigd" value="ja"' in asked.text and 'href="/aanbieder/api-sleutels">Annuleren</a>' in asked.text
    confirmed = await client.post(
        f"/aanbieder/api-sleutels/{key_id}/intrekken",
        data={"csrf_token": csrf_from(asked.text), "bevestigd": "ja"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303 and len(both.sent(contracts.RevokeApiKey)) == 1
