"""Enrolling a second factor from the mailed link: a staff account without TOTP opens the link, gives its password,
gets the enrollment step (secret in groups of four, the otpauth:// URI, a code field), confirms with a code, and is
then signed in as after a normal staff sign-in. Its password alone signs it in as a professional only."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import registry as c
from lklr_shared.errors import RpcError

from .registry_fake import ENROLLMENT_SECRET, PASSWORD, TOTP, FakeRegistry
from .web_helpers import client_fixture, csrf_for, csrf_from

pytestmark = pytest.mark.unit

EMAIL = "nieuw-lid@example.nl"


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    member = registry.add(EMAIL, "N.", "Lid", "professional", "assessment_committee")
    member.totp_enrolled = False
    registry.add("jansen@example.nl", "A.", "Jansen")
    return registry


client = client_fixture("registry")


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def _enrollment_page(client: AsyncTestClient[Litestar], registry: FakeRegistry, lang: str = "") -> str:
    link = registry.mail_enrolment_link(registry.accounts[EMAIL])
    opened = await client.get(f"/account/tweede-stap?token={link}{lang}")
    assert opened.status_code == 200 and 'name="password"' in opened.text
    assert opened.headers["cache-control"] == "no-store"
    response = await client.post(
        "/account/tweede-stap",
        data={"csrf_token": csrf_from(opened.text), "token": link, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "lklr_session" not in response.headers.get("set-cookie", "")  # not signed in yet
    return response.text


async def test_a_staff_account_without_totp_sees_the_secret_in_groups_and_the_otpauth_uri(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    assert "Tweede inlogstap instellen" in html
    grouped = " ".join(ENROLLMENT_SECRET[i : i + 4] for i in range(0, len(ENROLLMENT_SECRET), 4))
    assert f'data-testid="totp-secret">{grouped}<' in html
    assert f"otpauth://totp/LKLR:{EMAIL}?secret={ENROLLMENT_SECRET}&amp;issuer=LKLR" in html
    assert 'name="totp_code"' in html and 'action="/inloggen/tweede-stap-instellen"' in html


async def test_the_right_code_activates_the_secret_and_signs_in(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    enrollment_token = _hidden(html, "enrollment_token")
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={
            "csrf_token": csrf_from(html),
            "enrollment_token": enrollment_token,
            "totp_code": TOTP[:3] + " " + TOTP[3:],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/beoordeling"  # a reviewer lands on their cases
    assert "lklr_session=" in response.headers["set-cookie"]
    (confirmed,) = registry.of(c.ConfirmTotpEnrollment)
    assert (confirmed.enrollment_token, confirmed.totp_code) == (enrollment_token, TOTP)
    assert confirmed.client_ip
    mine = await client.get("/mijn")
    assert mine.status_code == 200 and "N. Lid" in mine.text
    assert 'data-testid="second-factor-pending"' not in mine.text
    assert registry.accounts[EMAIL].totp_enrolled
    assert not registry.enrolment_links  # the link is spent


async def test_a_wrong_code_shows_the_step_again_with_the_secret(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={
            "csrf_token": csrf_from(html),
            "enrollment_token": _hidden(html, "enrollment_token"),
            "secret": _hidden(html, "secret"),
            "totp_uri": _hidden(html, "totp_uri").replace("&amp;", "&"),
            "totp_code": "000000",
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "Deze code klopt niet" in response.text
    assert ENROLLMENT_SECRET[:4] in response.text
    assert response.headers["cache-control"] == "no-store"
    assert not registry.accounts[EMAIL].totp_enrolled


async def test_an_empty_code_is_not_sent_to_the_registry(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={"csrf_token": csrf_from(html), "enrollment_token": _hidden(html, "enrollment_token"), "totp_code": ""},
    )
    assert response.status_code == 422
    assert not registry.of(c.ConfirmTotpEnrollment)


async def test_an_expired_or_used_enrollment_sends_back_to_the_sign_in(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={"csrf_token": csrf_from(html), "enrollment_token": "made-up", "totp_code": TOTP},
    )
    assert response.status_code == 400
    assert "verlopen of al gebeurd" in response.text and 'name="password"' in response.text


async def test_the_sign_in_throttle_applies_to_the_enrollment_step(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    registry.overrides[c.ConfirmTotpEnrollment] = RpcError(
        "too_many_attempts", "Too many failed sign-in attempts.", 429, retry_after=900
    )
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={"csrf_token": csrf_from(html), "enrollment_token": _hidden(html, "enrollment_token"), "totp_code": TOTP},
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "900"
    assert "Te veel mislukte pogingen" in response.text


async def test_the_enrollment_form_needs_the_csrf_token(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    html = await _enrollment_page(client, registry)
    response = await client.post(
        "/inloggen/tweede-stap-instellen",
        data={"enrollment_token": _hidden(html, "enrollment_token"), "totp_code": TOTP},
    )
    assert response.status_code == 403
    assert not registry.of(c.ConfirmTotpEnrollment)


async def test_staff_finding_the_password_alone_signs_a_staff_account_in_as_a_professional_without_a_secret(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}, follow_redirects=False
    )
    # Before, this answer was the enrollment step with a fresh secret, for whoever knew the password.
    assert response.status_code == 303 and response.headers["location"] == "/mijn"
    assert ENROLLMENT_SECRET not in response.text and not registry.enrollments
    mine = await client.get("/mijn")
    assert 'data-testid="second-factor-pending"' in mine.text
    review = await client.get("/beoordeling", follow_redirects=False)
    assert review.status_code in (302, 303, 403), review.status_code


async def test_an_unknown_link_or_a_wrong_password_shows_no_secret(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    link = registry.mail_enrolment_link(registry.accounts[EMAIL])
    opened = await client.get(f"/account/tweede-stap?token={link}")
    wrong = await client.post(
        "/account/tweede-stap", data={"csrf_token": csrf_from(opened.text), "token": link, "password": "fout-fout-fout"}
    )
    assert wrong.status_code == 401 and ENROLLMENT_SECRET not in wrong.text
    made_up = await client.post(
        "/account/tweede-stap", data={"csrf_token": csrf_from(opened.text), "token": "made-up", "password": PASSWORD}
    )
    assert made_up.status_code == 400 and "Vraag de beheerder om een nieuwe link" in made_up.text
    assert ENROLLMENT_SECRET not in made_up.text
    no_csrf = await client.post("/account/tweede-stap", data={"token": link, "password": PASSWORD})
    assert no_csrf.status_code == 403 and not registry.of(c.StartSecondFactorEnrolment)[2:]


async def test_a_professional_signs_in_without_the_enrollment_step(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen",
        data={"csrf_token": token, "email": "jansen@example.nl", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/mijn"


async def test_the_enrollment_step_is_in_english_too(client: AsyncTestClient[Litestar], registry: FakeRegistry) -> None:
    html = await _enrollment_page(client, registry, lang="&lang=en")
    assert "Set up your second sign-in step" in html
