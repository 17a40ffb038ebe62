"""The administrator's page `/beheer/accounts`: find an account by e-mail, see its roles and TOTP state, set its staff
roles (CSRF form), and the list of staff accounts. The registry decides; these tests check what the page sends and
shows."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import registry as c

from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import client_fixture, csrf_from, sign_in

pytestmark = pytest.mark.unit

ADMIN = "admin@example.nl"


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    registry.add(ADMIN, "B.", "Beheerder", "administrator")
    registry.add("beheer@example.nl", "L.", "Meijer", "office")
    registry.add("jansen@example.nl", "A.", "Jansen")
    return registry


client = client_fixture("registry")


async def _as_admin(client: AsyncTestClient[Litestar]) -> None:
    response = await sign_in(client, ADMIN, PASSWORD, staff=True)
    assert response.headers["location"] == "/beheer/accounts"


async def test_anonymous_visitors_are_sent_to_sign_in(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/beheer/accounts", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?next=/beheer/accounts"


@pytest.mark.parametrize(("email", "staff"), [("beheer@example.nl", True), ("jansen@example.nl", False)])
async def test_the_office_and_professionals_get_403_and_no_header_link(
    client: AsyncTestClient[Litestar], registry: FakeRegistry, email: str, staff: bool
) -> None:
    await sign_in(client, email, PASSWORD, staff=staff)
    response = await client.get("/beheer/accounts")
    assert response.status_code == 403
    assert 'href="/beheer/accounts"' not in (await client.get("/mijn")).text
    assert not registry.of(c.FindAccount) and not registry.of(c.ListStaffAccounts)


async def test_the_administrator_sees_the_staff_list_and_a_header_link(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _as_admin(client)
    response = await client.get("/beheer/accounts")
    assert response.status_code == 200
    assert '<a href="/beheer/accounts">Accountbeheer</a>' in response.text
    assert "beheer@example.nl" in response.text and "Registerbureau" in response.text
    assert "jansen@example.nl" not in response.text  # not staff
    (listed,) = registry.of(c.ListStaffAccounts)
    assert listed.actor_account_id == registry.accounts[ADMIN].account_id and listed.role is None


async def test_finding_an_account_shows_its_roles_totp_state_and_checkboxes(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _as_admin(client)
    response = await client.get("/beheer/accounts", params={"email": "jansen@example.nl"})
    assert response.status_code == 200
    assert 'data-testid="found-account"' in response.text
    assert "A. Jansen" in response.text and "Professional" in response.text
    for role in ("office", "accreditation_committee", "assessment_committee", "administrator"):
        assert f'name="roles" value="{role}">' in response.text  # none ticked
    (found,) = registry.of(c.FindAccount)
    assert found.email == "jansen@example.nl"

    missing = await client.get("/beheer/accounts", params={"email": "niemand@example.nl"})
    assert missing.status_code == 404
    assert "Er is geen account met dit e-mailadres." in missing.text


async def test_setting_roles_sends_the_ticked_staff_roles_and_shows_enrollment_pending(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _as_admin(client)
    page = await client.get("/beheer/accounts", params={"email": "jansen@example.nl"})
    jansen = registry.accounts["jansen@example.nl"]
    response = await client.post(
        f"/beheer/accounts/{jansen.account_id}/rollen",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "jansen@example.nl",
            "roles": ["assessment_committee", "accreditation_committee"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/beheer/accounts?email=jansen%40example.nl&opgeslagen=1"
    (sent,) = registry.of(c.SetAccountRoles)
    assert sent.actor_account_id == registry.accounts[ADMIN].account_id and sent.account_id == jansen.account_id
    assert sent.roles == ["accreditation_committee", "assessment_committee"] and sent.client_ip
    assert jansen.roles == ["professional", "accreditation_committee", "assessment_committee"]

    after = await client.get(response.headers["location"])
    assert "De rollen zijn opgeslagen." in after.text
    assert 'value="assessment_committee" checked' in after.text
    assert "Nog in te stellen via de gemailde link" in after.text
    assert list(registry.enrolment_links.values()) == [jansen.account_id]  # the enrolment link was "mailed"


async def test_the_last_administrator_is_refused_with_a_clear_message(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _as_admin(client)
    page = await client.get("/beheer/accounts", params={"email": ADMIN})
    admin = registry.accounts[ADMIN]
    response = await client.post(
        f"/beheer/accounts/{admin.account_id}/rollen",
        data={"csrf_token": csrf_from(page.text), "email": ADMIN, "roles": ["office"]},
    )
    assert response.status_code == 409
    assert "Dit is de laatste beheerder." in response.text
    assert admin.roles == ["administrator"]


async def test_an_unknown_role_is_not_sent_and_a_post_without_csrf_is_refused(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _as_admin(client)
    page = await client.get("/beheer/accounts", params={"email": "jansen@example.nl"})
    jansen = registry.accounts["jansen@example.nl"]
    unknown = await client.post(
        f"/beheer/accounts/{jansen.account_id}/rollen",
        data={"csrf_token": csrf_from(page.text), "email": "jansen@example.nl", "roles": ["professional"]},
    )
    assert unknown.status_code == 422
    no_csrf = await client.post(
        f"/beheer/accounts/{jansen.account_id}/rollen", data={"email": "jansen@example.nl", "roles": ["office"]}
    )
    assert no_csrf.status_code == 403
    assert not registry.of(c.SetAccountRoles)
    assert jansen.roles == ["professional"]


async def test_the_office_cannot_post_a_role_change(client: AsyncTestClient[Litestar], registry: FakeRegistry) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)
    token = csrf_from((await client.get("/mijn")).text)
    jansen = registry.accounts["jansen@example.nl"]
    response = await client.post(
        f"/beheer/accounts/{jansen.account_id}/rollen", data={"csrf_token": token, "roles": ["administrator"]}
    )
    assert response.status_code == 403
    assert not registry.of(c.SetAccountRoles)


async def test_the_page_is_in_english_too(client: AsyncTestClient[Litestar]) -> None:
    await _as_admin(client)
    response = await client.get("/beheer/accounts", params={"lang": "en", "email": "jansen@example.nl"})
    assert "Account administration" in response.text and "Assessment committee" in response.text


async def test_security_log_finding_the_administrator_reads_every_services_log_newest_first(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    from datetime import UTC, datetime

    from lklr_shared.contracts.system import ListSecurityEvents, SecurityEvent, SecurityEventList

    registry.overrides[ListSecurityEvents] = SecurityEventList(
        events=[
            SecurityEvent(
                service="registry",
                at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
                actor="account:beheerder",
                action="set_account_roles",
                object="account:nieuw",
                result="done",
                origin="192.0.2.1",
                detail={"after": "professional,office"},
            ),
            SecurityEvent(
                service="registry",
                at=datetime(2026, 12, 7, 9, 31, tzinfo=UTC),
                actor="unknown account",
                action="sign_in",
                object="email:iemand@example.nl",
                result="wrong_password",
                origin="198.51.100.9",
            ),
        ]
    )
    await sign_in(client, "jansen@example.nl", PASSWORD)
    assert (await client.get("/beheer/beveiligingslog")).status_code == 403
    await client.post("/uitloggen", data={"csrf_token": csrf_from((await client.get("/mijn")).text)})
    await _as_admin(client)
    page = await client.get("/beheer/beveiligingslog")
    assert page.status_code == 200
    html = page.text
    assert html.index("wrong_password") < html.index("set_account_roles")  # newest first
    assert "07-12-2026 10:31:00" in html and "198.51.100.9" in html and "after=professional,office" in html
    assert [query.limit for query in registry.of(ListSecurityEvents)] == [200] * 4  # one question per service
    only_sign_ins = await client.get("/beheer/beveiligingslog", params={"dienst": "registry", "actie": "sign_in"})
    assert only_sign_ins.status_code == 200
    assert registry.of(ListSecurityEvents)[-1].action == "sign_in"
    assert 'href="/beheer/beveiligingslog"' in (await client.get("/beheer/accounts")).text


async def test_security_log_finding_a_service_that_does_not_answer_is_named_not_hidden(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    from lklr_shared.contracts.system import ListSecurityEvents
    from lklr_shared.kit.rpc import ServiceUnavailable

    registry.overrides[ListSecurityEvents] = ServiceUnavailable("down")
    await _as_admin(client)
    page = await client.get("/beheer/beveiligingslog")
    assert page.status_code == 200
    assert "Het log van Accreditatie kon nu niet worden opgehaald." in page.text
