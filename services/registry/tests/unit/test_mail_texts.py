from __future__ import annotations

from datetime import date

import pytest

from registry.service_layer import notifications
from registry.service_layer.context import MailLinks

pytestmark = pytest.mark.unit


def test_links_point_at_the_gateway_pages_with_the_token_encoded() -> None:
    links = MailLinks("https://lklr.example/", "/account/bevestigen", "/account/wachtwoord-herstellen")
    assert links.confirm_email("a+b/c") == "https://lklr.example/account/bevestigen?token=a%2Bb%2Fc"
    assert links.reset_password("t").startswith("https://lklr.example/account/wachtwoord-herstellen?token=")
    assert links.enrol_second_factor("a+b") == "https://lklr.example/account/tweede-stap?token=a%2Bb"


def test_the_enrolment_mail_carries_the_link_and_says_the_password_is_asked_too() -> None:
    subject, body = notifications.enrol_second_factor("J. de Boer", "https://x/account/tweede-stap?token=t", 72)
    assert "tweede stap" in subject
    assert "https://x/account/tweede-stap?token=t" in body and "72 uur" in body and "wachtwoord" in body


def test_the_confirmation_mail_carries_the_link_and_the_code() -> None:
    subject, body = notifications.confirm_email("A. Jansen", "https://x/l?token=abc", "abc", valid_hours=48)
    assert "Bevestig" in subject
    assert "https://x/l?token=abc" in body and "code in: abc" in body and "48" in body


def test_the_approval_mail_gives_the_number_and_the_cycle_in_dutch_dates() -> None:
    subject, body = notifications.application_approved("A. Jansen", "0000013", date(2026, 1, 5), date(2031, 1, 4))
    assert "0000013" in subject
    assert "05-01-2026" in body and "04-01-2031" in body
