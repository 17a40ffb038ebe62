"""Erasing one's account from Mijn LKLR: a confirmation page, a refusal with its reason for a registered person,
and after the erasure a signed-out browser on a public page. What is kept for how long shows on Mijn LKLR, the
confirmation page and the FAQ, in Dutch and English."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import registry as c
from lklr_shared.kit.rpc import ServiceUnavailable

from .conftest import FakeCaller, make_app
from .registry_fake import PASSWORD, FakeRegistry
from .web_helpers import csrf_from, make_registry_app, sign_in

pytestmark = pytest.mark.unit


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_an_account_without_registration_is_erased_after_confirmation_and_signed_out() -> None:
    registry = FakeRegistry()
    account = registry.add("vergeet@example.nl", "V.", "Vergeet")
    async with AsyncTestClient(app=make_registry_app(registry)) as client:
        await sign_in(client, "vergeet@example.nl", PASSWORD)
        mine = await client.get("/mijn")
        assert 'href="/mijn/account-verwijderen"' in mine.text and "Wat we bewaren en hoe lang" in mine.text
        assert "tot u het laat verwijderen" in _text(mine.text)

        form = await client.get("/mijn/account-verwijderen")
        assert form.status_code == 200 and "Dit kan niet ongedaan worden gemaakt" in form.text
        unconfirmed = await client.post(
            "/mijn/account-verwijderen", data={"csrf_token": csrf_from(form.text)}, follow_redirects=False
        )
        assert unconfirmed.status_code == 422 and "Vink aan" in unconfirmed.text
        assert registry.of(c.EraseMyAccount) == []

        erased = await client.post(
            "/mijn/account-verwijderen",
            data={"csrf_token": csrf_from(unconfirmed.text), "confirm": "yes"},
            follow_redirects=False,
        )
        assert erased.status_code == 303 and erased.headers["location"] == "/account/verwijderd"
        (request,) = registry.of(c.EraseMyAccount)
        assert request.actor_account_id == account.account_id and request.confirm
        done = await client.get("/account/verwijderd")
        assert done.status_code == 200 and 'data-testid="erased"' in done.text
        assert (await client.get("/mijn", follow_redirects=False)).status_code == 303  # signed out


async def test_a_registered_person_is_refused_with_the_reason_in_either_language() -> None:
    registry = FakeRegistry()
    registry.register(registry.add("jansen@example.nl", "A.", "Jansen"))
    async with AsyncTestClient(app=make_registry_app(registry)) as client:
        await sign_in(client, "jansen@example.nl", PASSWORD)
        form = await client.get("/mijn/account-verwijderen", params={"lang": "en"})
        refused = await client.post(
            "/mijn/account-verwijderen", data={"csrf_token": csrf_from(form.text), "confirm": "yes"}
        )
        assert refused.status_code == 409
        assert 'data-reason="registration_running"' in refused.text
        assert "A running registration cannot be erased" in refused.text
        # The page shows what is kept instead, and that the period starts when the registration ends.
        assert "starts only when your registration ends" in refused.text and "7 years" in _text(refused.text)
        assert "jansen@example.nl" in registry.accounts


async def test_the_faq_lists_the_retention_periods_and_renders_without_them() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller())) as client:
        dutch = _text((await client.get("/vragen")).text)
        english = _text((await client.get("/vragen", params={"lang": "en"})).text)
    assert "Hoe lang bewaart het register mijn gegevens?" in dutch
    assert "Portfolio: activiteiten en bewijsstukken 2 jaar na het einde van de registratie" in dutch
    assert "Archiefwet 1995" in dutch
    assert "Portfolio: activities and evidence files 2 years after the registration ends" in english
    async with AsyncTestClient(app=make_app(FakeCaller(retention=ServiceUnavailable("down")))) as client:
        without = await client.get("/vragen")
    assert without.status_code == 200 and "kunnen nu niet worden opgehaald" in without.text
