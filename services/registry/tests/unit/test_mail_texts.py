from __future__ import annotations

import inspect
import re
import uuid
from datetime import date

import pytest

from registry.domain.languages import stored_language
from registry.service_layer import notifications
from registry.service_layer.context import MailLinks

pytestmark = pytest.mark.unit


def test_links_point_at_the_gateway_pages_with_the_token_encoded() -> None:
    links = MailLinks("https://lklr.example/", "/account/bevestigen", "/account/wachtwoord-herstellen")
    assert links.confirm_email("a+b/c") == "https://lklr.example/account/bevestigen?token=a%2Bb%2Fc"
    assert links.reset_password("t").startswith("https://lklr.example/account/wachtwoord-herstellen?token=")
    assert links.enrol_second_factor("a+b") == "https://lklr.example/account/tweede-stap?token=a%2Bb"


def test_the_enrolment_mail_carries_the_link_and_says_the_password_is_asked_too() -> None:
    subject, body = notifications.enrol_second_factor("J. de Boer", "https://x/account/tweede-stap?token=t", 72, "nl")
    assert "tweede stap" in subject
    assert "https://x/account/tweede-stap?token=t" in body and "72 uur" in body and "wachtwoord" in body


def test_the_confirmation_mail_carries_the_link_and_no_separate_code() -> None:
    token = "Qm9vZ2llLXdvb2dpZS1ib29naWUtd29vZ2llLWJvb2c"  # 43 characters, as the registry makes them
    subject, body = notifications.confirm_email("A. Jansen", f"https://x/l?token={token}", valid_hours=48, lang="nl")
    assert "Bevestig" in subject
    assert f"https://x/l?token={token}" in body and "48 uur" in body
    assert body.count(token) == 1  # only inside the link: no 43-character "code" to type over


def test_the_approval_mail_gives_the_number_and_the_cycle_in_dutch_dates() -> None:
    subject, body = notifications.application_approved("A. Jansen", "0000013", date(2026, 1, 5), date(2031, 1, 4), "nl")
    assert "0000013" in subject
    assert "5-1-2026" in body and "4-1-2031" in body


# One example of every mail the registry sends, with the same dates, ids and a 43-character token in reach.
DAY = date(2026, 3, 7)
LATER = date(2031, 3, 6)
TOKEN = "Qm9vZ2llLXdvb2dpZS1ib29naWUtd29vZ2llLWJvb2c"
ATTENDANCE_ID = uuid.UUID("5b3c8f9e-2a41-4c47-9d0b-6f1e2d3c4b5a")


def _every_mail(lang: notifications.Language) -> dict[str, notifications.Mail]:
    n = notifications
    return {
        "confirm_email": n.confirm_email("A. Jansen", f"https://x/b?token={TOKEN}", 48, lang),
        "sign_up_for_existing_account": n.sign_up_for_existing_account("A. Jansen", lang),
        "reset_password": n.reset_password("A. Jansen", f"https://x/h?token={TOKEN}", 30, lang),
        "enrol_second_factor": n.enrol_second_factor("A. Jansen", f"https://x/t?token={TOKEN}", 72, lang),
        "password_changed": n.password_changed("A. Jansen", lang),
        "application_received": n.application_received("A. Jansen", lang),
        "new_application_in_queue": n.new_application_in_queue("A. Jansen", lang),
        "application_approved": n.application_approved("A. Jansen", "0000013", DAY, LATER, lang),
        "application_rejected": n.application_rejected("A. Jansen", "Te weinig uren.", 6, lang),
        "status_changed": n.status_changed("A. Jansen", "0000013", "suspended", "Onderzoek.", lang),
        "reregistration_received": n.reregistration_received("A. Jansen", "0000013", DAY, "160", lang),
        "reregistration_refused": n.reregistration_refused("A. Jansen", "0000013", "late", lang),
        "selected_for_audit": n.selected_for_audit("A. Jansen", "0000013", 1, lang),
        "more_information_needed": n.more_information_needed("A. Jansen", "0000013", "Welk verslag?", DAY, lang),
        "returned_for_correction": n.returned_for_correction("A. Jansen", "0000013", DAY, lang),
        "reregistration_granted": n.reregistration_granted("A. Jansen", "0000013", DAY, LATER, lang),
        "reregistration_not_granted": n.reregistration_not_granted("A. Jansen", "0000013", DAY, False, 6, lang),
        "registration_lapsed": n.registration_lapsed("A. Jansen", "0000013", DAY, lang),
        "norm_met": n.norm_met("A. Jansen", "0000013", DAY, DAY, lang),
        "webhook_endpoint_disabled": n.webhook_endpoint_disabled("Kenniscentrum", "https://lms.example/hook", 30, lang),
        "cycle_end_reminder": n.cycle_end_reminder("A. Jansen", "0000013", DAY, date(2026, 1, 6), DAY, lang),
        "cycle_extended": n.cycle_extended("A. Jansen", "0000013", DAY, 1, "illness", lang),
        "cycle_extension_refused": n.cycle_extension_refused(
            "A. Jansen", "0000013", 8, "illness", "Geen verklaring.", LATER, lang
        ),
        "new_entries_to_check": n.new_entries_to_check("A. Jansen", [(DAY, "A1", "4")], 30, lang),
        "activity_disputed_for_office": n.activity_disputed_for_office("A. Jansen", "0000013", "Niet", DAY, lang),
        "course_accredited": n.course_accredited("Kenniscentrum", "Verzuim", "4", DAY, LATER, "Goed", lang),
        "course_objection_step": n.course_objection_step(
            "Kenniscentrum", "Verzuim", "decided", DAY, LATER, lang, reasons="Geen nieuwe feiten.", upheld=False
        ),
        "accreditation_withdrawn": n.accreditation_withdrawn("Kenniscentrum", "Verzuim", DAY, "Verouderd", lang),
        "attendance_disputed_for_provider": n.attendance_disputed_for_provider(
            "Kenniscentrum", "0000013", "Niet aanwezig", DAY, lang
        ),
        "objection_received": n.objection_received("A. Jansen", "de schorsing", DAY, LATER, lang),
        "objection_to_office": n.objection_to_office("A. Jansen", "de schorsing", LATER, lang),
        "objection_acknowledged": n.objection_acknowledged("A. Jansen", "de schorsing", LATER, lang),
        "objection_hearing": n.objection_hearing("A. Jansen", "7-3-2026 om 14:30 uur", "Utrecht", lang),
        "objection_term_extended": n.objection_term_extended("A. Jansen", LATER, "Advies nodig.", lang),
        "objection_decided": n.objection_decided(
            "A. Jansen", "de schorsing", False, "Geen nieuwe feiten.", "lapses_at_cycle_end", lang, DAY
        ),
    }


def test_every_mail_function_is_in_the_examples() -> None:
    sent = {
        name
        for name, value in vars(notifications).items()
        if inspect.isfunction(value)
        and value.__module__.startswith(notifications.__name__ + ".")
        and not name.startswith("_")
    }
    assert sent - {"points_text", "date_text"} == set(_every_mail("nl"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_mails_show_no_internal_ids_and_no_one_time_code_outside_the_link(lang: notifications.Language) -> None:
    uuid_pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
    for name, (subject, body) in _every_mail(lang).items():
        text = subject + "\n" + body
        assert not uuid_pattern.search(text), name
        without_links = re.sub(r"https?://\S+", "", text)
        assert not re.search(r"\b[A-Za-z0-9_-]{30,}\b", without_links), name
        assert str(ATTENDANCE_ID) not in text


def test_dutch_mails_write_every_date_as_d_m_jjjj() -> None:
    for name, (subject, body) in _every_mail("nl").items():
        text = subject + "\n" + body
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), name  # no ISO dates in a Dutch mail
        assert not re.search(r"\b0\d-\d{1,2}-\d{4}|\b\d{1,2}-0\d-\d{4}", text), name  # no leading zeros
    _subject, body = _every_mail("nl")["reregistration_granted"]
    assert "7-3-2026 tot en met 6-3-2031" in body


def test_mails_are_in_the_language_they_are_written_for() -> None:
    english_words = re.compile(r"\b(your|the|was|with|Dear|Kind regards)\b")
    dutch_words = re.compile(r"\b(uw|het|wordt|Beste|Met vriendelijke groet)\b")
    for name, (subject, body) in _every_mail("nl").items():
        assert not english_words.search(subject + body), name
    for name, (subject, body) in _every_mail("en").items():
        assert not dutch_words.search(subject + body), name


def test_mails_count_in_words_not_with_brackets() -> None:
    languages: tuple[notifications.Language, ...] = ("nl", "en")
    for lang in languages:
        for name, (subject, body) in _every_mail(lang).items():
            assert not re.search(r"\w\((en|s|ies)\)|week/weken", subject + body), name
    assert "1 activiteit uit" in _every_mail("nl")["selected_for_audit"][1]
    assert "1 nieuwe registratie in" in _every_mail("nl")["new_entries_to_check"][0]


def test_every_mail_function_makes_its_caller_choose_the_language() -> None:
    # No default: a use case that forgot the recipient's language would send Dutch without anyone noticing.
    for name in _every_mail("nl"):
        parameter = inspect.signature(getattr(notifications, name)).parameters["lang"]
        assert parameter.default is inspect.Parameter.empty, name


def test_a_provider_without_a_name_or_a_course_without_a_title_reads_in_the_mails_language() -> None:
    _subject, body = notifications.course_accredited("", "Verzuim", "4", DAY, LATER, "", "en")
    assert body.startswith("Dear training provider,")
    subject, body = notifications.accreditation_withdrawn("", "", DAY, "Verouderd", "en")
    assert subject == "Accreditation withdrawn: (title unknown)" and body.startswith("Dear training provider,")
    subject, body = notifications.accreditation_withdrawn("", "", DAY, "Verouderd", "nl")
    assert subject == "Accreditatie ingetrokken: (titel onbekend)" and body.startswith("Beste opleider,")


def test_a_stored_language_is_dutch_without_an_account_and_an_unknown_one_is_refused() -> None:
    assert stored_language(None) == "nl"
    assert (stored_language("nl"), stored_language("en")) == ("nl", "en")
    with pytest.raises(ValueError, match="unknown preferred language 'de'"):
        stored_language("de")
