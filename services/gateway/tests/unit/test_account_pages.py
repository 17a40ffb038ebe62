"""The account pages, Mijn LKLR and the office pages: what they send to the registry and what they show."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts import registry as c
from lklr_shared.errors import RpcError
from lklr_shared.kit.rpc import ServiceTimeout

from .registry_fake import NOW, PASSWORD, FakeRegistry
from .web_helpers import client_fixture, csrf_for, csrf_from, make_registry_app, sign_in

pytestmark = pytest.mark.unit


@pytest.fixture
def registry() -> FakeRegistry:
    registry = FakeRegistry()
    registry.add("jansen@example.nl", "A.", "Jansen")
    registry.add("visser@example.nl", "E.", "Visser")
    registry.add("beheer@example.nl", "L.", "Meijer", "office")
    return registry


client = client_fixture("registry")


# --- Account aanmaken en bevestigen ----------------------------------------------------------------------------


async def test_sign_up_sends_the_form_to_the_registry_and_says_check_your_mail(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = await csrf_for(client, "/account/aanmaken")
    response = await client.post(
        "/account/aanmaken",
        data={
            "csrf_token": token,
            "initials": "N.",
            "surname": "de Nieuwe",
            "email": "nieuw@example.nl",
            "password": "een lang wachtwoord",
            "password_repeat": "een lang wachtwoord",
        },
    )
    assert response.status_code == 200
    assert "Controleer uw e-mail" in response.text
    (sign_up,) = registry.of(c.SignUp)
    assert (sign_up.email, sign_up.initials, sign_up.surname) == ("nieuw@example.nl", "N.", "de Nieuwe")
    assert sign_up.client_ip  # for the registry's audit trail


async def test_sign_up_shows_every_problem_next_to_its_field_in_dutch(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = await csrf_for(client, "/account/aanmaken")
    response = await client.post(
        "/account/aanmaken",
        data={
            "csrf_token": token,
            "initials": "",
            "surname": "X",
            "email": "x@y.nl",
            "password": "kort",
            "password_repeat": "anders",
        },
    )
    assert response.status_code == 422
    assert "Controleer het formulier" in response.text
    assert '<a href="#initials">Vul uw voorletters in.</a>' in response.text
    assert '<a href="#password_repeat">De wachtwoorden zijn niet gelijk.</a>' in response.text
    assert 'id="initials-error"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="kort"' not in response.text  # passwords are never echoed
    assert registry.of(c.SignUp) == []


async def test_the_registrys_rule_breaks_are_translated(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_for(client, "/account/aanmaken")
    data = {
        "csrf_token": token,
        "initials": "N.",
        "surname": "X",
        "email": "x@y.nl",
        "password": "short",
        "password_repeat": "short",
    }
    response = await client.post("/account/aanmaken", data=data)
    assert "Kies een wachtwoord van ten minste 10 tekens." in response.text


async def test_opening_the_confirmation_link_shows_a_button_and_posting_it_confirms(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    page = await client.get("/account/bevestigen", params={"token": "good-token"})
    assert registry.of(c.ConfirmEmail) == []  # a GET does not use the single-use token up
    assert 'name="token" value="good-token"' in page.text
    assert page.headers["cache-control"] == "no-store"
    done = await client.post("/account/bevestigen", data={"csrf_token": csrf_from(page.text), "token": "good-token"})
    assert done.status_code == 200
    assert "Uw e-mailadres is bevestigd" in done.text


async def test_a_used_confirmation_link_says_so_and_offers_a_new_one(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/account/bevestigen", params={"token": "used"})
    response = await client.post("/account/bevestigen", data={"csrf_token": csrf_from(page.text), "token": "used"})
    assert response.status_code == 400
    assert "niet (meer) geldig" in response.text
    assert 'action="/account/bevestigen/opnieuw"' in response.text


# --- Inloggen --------------------------------------------------------------------------------------------------


async def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen", data={"csrf_token": token, "email": "jansen@example.nl", "password": "nope"}
    )
    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.text


async def test_staff_get_a_second_step_for_the_totp_code(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    token = await csrf_for(client)
    step_two = await client.post(
        "/inloggen", data={"csrf_token": token, "email": "beheer@example.nl", "password": PASSWORD}
    )
    assert step_two.status_code == 200
    assert "Code uit uw authenticator-app" in step_two.text
    assert 'autocomplete="one-time-code"' in step_two.text
    assert step_two.headers["cache-control"] == "no-store"
    assert "lklr_session" not in step_two.headers.get("set-cookie", "")

    wrong = await client.post(
        "/inloggen",
        data={
            "csrf_token": csrf_from(step_two.text),
            "email": "beheer@example.nl",
            "password": PASSWORD,
            "step": "totp",
            "totp_code": "000000",
        },
    )
    assert wrong.status_code == 401
    assert "Deze code klopt niet of is al gebruikt." in wrong.text
    right = await client.post(
        "/inloggen",
        data={
            "csrf_token": csrf_from(wrong.text),
            "email": "beheer@example.nl",
            "password": PASSWORD,
            "step": "totp",
            "totp_code": "123 456",
        },
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert [login.totp_code for login in registry.of(c.Login)] == [None, "000000", "123456"]


async def test_a_throttled_sign_in_says_how_long_to_wait(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.overrides[c.Login] = RpcError("too_many_attempts", "Locked.", 429, retry_after=900)
    token = await csrf_for(client)
    response = await client.post("/inloggen", data={"csrf_token": token, "email": "jansen@example.nl", "password": "x"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "900"
    assert "Probeer het over 900 seconden opnieuw." in response.text


async def test_an_unconfirmed_account_is_offered_a_new_confirmation_link(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.accounts["jansen@example.nl"].confirmed = False
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen", data={"csrf_token": token, "email": "jansen@example.nl", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "nog niet bevestigd" in response.text
    assert 'action="/account/bevestigen/opnieuw"' in response.text


async def test_after_sign_in_the_visitor_returns_to_the_page_that_asked_for_it(
    client: AsyncTestClient[Litestar],
) -> None:
    asked = await client.get("/mijn/aanvraag", follow_redirects=False)
    assert asked.headers["location"] == "/inloggen?next=/mijn/aanvraag"
    page = await client.get(asked.headers["location"])
    assert 'name="next" value="/mijn/aanvraag"' in page.text
    assert "Log in om verder te gaan." in page.text
    response = await client.post(
        "/inloggen",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "jansen@example.nl",
            "password": PASSWORD,
            "next": "/mijn/aanvraag",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/mijn/aanvraag"


async def test_sign_in_never_redirects_to_another_site(client: AsyncTestClient[Litestar]) -> None:
    token = await csrf_for(client)
    response = await client.post(
        "/inloggen",
        data={"csrf_token": token, "email": "jansen@example.nl", "password": PASSWORD, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/mijn"


async def test_signing_out_ends_the_session_in_the_registry_and_clears_the_cookie(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn")
    response = await client.post("/uitloggen", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?uitgelogd=1"
    assert registry.of(c.EndSession) and not registry.sessions
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert (await client.get("/mijn", follow_redirects=False)).status_code == 303


# --- Wachtwoord vergeten ---------------------------------------------------------------------------------------


async def test_a_reset_request_answers_the_same_for_any_address(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    texts = []
    for email in ("jansen@example.nl", "niemand@example.nl"):
        token = await csrf_for(client, "/account/wachtwoord-vergeten")
        response = await client.post("/account/wachtwoord-vergeten", data={"csrf_token": token, "email": email})
        texts.append(response.text.replace(token, ""))
    assert "Als er een account met dit e-mailadres is" in texts[0]
    assert len(registry.of(c.RequestPasswordReset)) == 2


async def test_a_password_is_reset_with_the_token_from_the_mail(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    page = await client.get("/account/wachtwoord-herstellen", params={"token": "good-token"})
    response = await client.post(
        "/account/wachtwoord-herstellen",
        data={
            "csrf_token": csrf_from(page.text),
            "token": "good-token",
            "password": "nieuw wachtwoord",
            "password_repeat": "nieuw wachtwoord",
        },
    )
    assert "Uw wachtwoord is gewijzigd" in response.text
    (reset,) = registry.of(c.ResetPassword)
    assert reset.new_password == "nieuw wachtwoord"


# --- Aanvraag --------------------------------------------------------------------------------------------------


async def test_the_application_form_takes_both_roles_employer_kind_hours_and_the_declaration(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    form = await client.get("/mijn/aanvraag")
    assert "ten minste 16 uur per week" in form.text  # from the scheme, not the template
    other = registry.accounts["visser@example.nl"]
    response = await client.post(
        "/mijn/aanvraag",
        data={
            "csrf_token": csrf_from(form.text),
            "role": "both",
            "employer_name": "Gemeente Utrecht",
            "employer_kind": "municipality",
            "hours_per_week": "24,5",
            "declaration": "yes",
            # A field the form does not have: the gateway acts only for the signed-in account.
            "actor_account_id": str(other.account_id),
        },
    )
    assert response.status_code == 200
    assert "Uw aanvraag is verstuurd." in response.text
    assert "In behandeling" in response.text
    (apply,) = registry.of(c.ApplyForRegistration)
    assert apply.actor_account_id == registry.accounts["jansen@example.nl"].account_id
    assert apply.roles == ["leerplichtambtenaar", "rmc_medewerker"]
    assert (apply.employer_kind, apply.hours_per_week, apply.declaration_accepted) == (
        "municipality",
        Decimal("24.5"),
        True,
    )


async def test_an_incomplete_application_is_not_sent_and_every_field_says_why(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn/aanvraag")
    response = await client.post("/mijn/aanvraag", data={"csrf_token": token, "hours_per_week": "veel"})
    assert response.status_code == 422
    for message in (
        "Kies uw functie.",
        "Kies het soort werkgever.",
        "Vul de naam van uw werkgever in.",
        "Vink de verklaring aan.",
    ):
        assert message in response.text
    assert registry.of(c.ApplyForRegistration) == []


async def test_too_few_hours_are_explained_with_the_schemes_minimum(client: AsyncTestClient[Litestar]) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn/aanvraag")
    response = await client.post(
        "/mijn/aanvraag",
        data={
            "csrf_token": token,
            "role": "rmc_medewerker",
            "employer_name": "Regio X",
            "employer_kind": "region",
            "hours_per_week": "8",
            "declaration": "yes",
        },
    )
    assert response.status_code == 422
    assert "Voor registratie werkt u ten minste 16 uur per week in deze functie." in response.text


# --- Mijn LKLR -------------------------------------------------------------------------------------------------


async def test_mijn_lklr_shows_the_number_cycle_dates_and_history(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.register(registry.accounts["jansen@example.nl"])
    await sign_in(client, "jansen@example.nl", PASSWORD)
    page = await client.get("/mijn")
    assert page.status_code == 200
    assert '<dd class="registration-number" data-testid="registration-number">0000013</dd>' in page.text
    assert "1-6-2025 tot en met 31-5-2030" in page.text
    assert "Statusgeschiedenis" in page.text
    assert "Gemeente Utrecht (Gemeente)" in page.text
    assert "Taal van e-mails" in page.text and 'action="/mijn/taal"' in page.text


async def test_mijn_lklr_links_the_provider_portal_for_an_account_acting_for_a_provider(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    account = registry.accounts["jansen@example.nl"]
    registry.register(account)
    await sign_in(client, "jansen@example.nl", PASSWORD)
    # Accreditation not answering (the fake's default for other services): the page renders without the link.
    plain = await client.get("/mijn")
    assert plain.status_code == 200 and 'href="/aanbieder"' not in plain.text
    assert 'href="/mijn/onderwijsclaim"' in plain.text
    registry.overrides[accreditation_contracts.FindProviderForAccount] = accreditation_contracts.ProviderDetails(
        provider_id=uuid.uuid4(),
        name="Kenniscentrum Test",
        contact_email="opleidingen@test.example",
        created_at=NOW,
        account_ids=[str(account.account_id)],
    )
    linked = await client.get("/mijn")
    assert "U werkt in het register ook voor opleider Kenniscentrum Test." in linked.text
    assert 'href="/aanbieder"' in linked.text


async def test_a_drop_below_the_minimum_hours_is_saved_and_the_office_notice_is_mentioned(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.register(registry.accounts["jansen@example.nl"])
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn")
    response = await client.post(
        "/mijn/gegevens",
        data={
            "csrf_token": token,
            "employer_name": "Gemeente Utrecht",
            "employer_kind": "municipality",
            "hours_per_week": "12",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/mijn?gewijzigd=onder-minimum#gegevens"
    (update,) = registry.of(c.UpdateMyPerson)
    assert update.hours_per_week == Decimal(12)
    page = await client.get("/mijn?gewijzigd=onder-minimum")
    assert "het bureau krijgt hiervan een melding" in page.text


async def test_mijn_lklr_offers_the_mail_language_setting_in_dutch_and_in_english(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    dutch = await client.get("/mijn")
    assert '<h2 id="language-title">Taal van e-mails</h2>' in dutch.text
    assert "<legend>In welke taal wilt u e-mails ontvangen?</legend>" in dutch.text
    assert 'value="nl" checked>' in dutch.text and 'value="en">' in dutch.text
    assert '<label for="preferred_language-en" lang="en">English</label>' in dutch.text
    assert "Taal opslaan" in dutch.text
    english = await client.get("/mijn", params={"lang": "en"})
    assert '<h2 id="language-title">Language of e-mails</h2>' in english.text
    assert "<legend>In which language do you want to receive e-mails?</legend>" in english.text
    assert '<label for="preferred_language-nl" lang="nl">Nederlands</label>' in english.text
    assert "Save language" in english.text


async def test_saving_the_mail_language_sends_it_to_the_registry_and_the_page_shows_it_chosen(
    registry: FakeRegistry,
) -> None:
    # With the session cache on: the page after the change must not show the cached, older preference.
    async with AsyncTestClient(app=make_registry_app(registry, session_cache_seconds=10)) as client:
        await sign_in(client, "jansen@example.nl", PASSWORD)
        token = await csrf_for(client, "/mijn")
        response = await client.post(
            "/mijn/taal", data={"csrf_token": token, "preferred_language": "en"}, follow_redirects=False
        )
        assert (response.status_code, response.headers["location"]) == (303, "/mijn?gewijzigd=taal#taal")
        (change,) = registry.of(c.SetPreferredLanguage)
        assert (change.actor_account_id, change.language) == (registry.accounts["jansen@example.nl"].account_id, "en")
        page = await client.get("/mijn?gewijzigd=taal")
        assert "U ontvangt de e-mails van het register voortaan in deze taal: English." in page.text
        assert 'value="en" checked>' in page.text and 'value="nl">' in page.text


async def test_a_mail_language_other_than_dutch_or_english_is_refused_at_the_field(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    token = await csrf_for(client, "/mijn")
    for chosen in ("de", ""):
        response = await client.post("/mijn/taal", data={"csrf_token": token, "preferred_language": chosen})
        assert response.status_code == 422
        assert 'id="preferred_language-error"' in response.text and "Kies Nederlands of English." in response.text
    assert registry.of(c.SetPreferredLanguage) == []


async def test_switching_the_site_language_while_signed_in_switches_the_mail_language_too(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await client.get("/", params={"lang": "en"})  # a visitor: only the cookie
    assert registry.of(c.SetPreferredLanguage) == []
    await sign_in(client, "jansen@example.nl", PASSWORD)
    await client.get("/vragen", params={"lang": "en"})
    await client.get("/register", params={"lang": "en"})  # already English: nothing to change
    await client.get("/mijn")
    await client.get("/", params={"lang": "nl"})
    assert [change.language for change in registry.of(c.SetPreferredLanguage)] == ["en", "nl"]
    assert registry.accounts["jansen@example.nl"].preferred_language == "nl"


async def test_a_registry_that_cannot_save_the_switched_language_still_shows_the_page(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await sign_in(client, "jansen@example.nl", PASSWORD)
    registry.overrides[c.SetPreferredLanguage] = ServiceTimeout("registry slow")
    page = await client.get("/vragen", params={"lang": "en"})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert registry.accounts["jansen@example.nl"].preferred_language == "nl"


async def test_download_all_my_data_merges_the_registry_and_the_portfolio_and_says_what_is_in_it(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    account = registry.accounts["jansen@example.nl"]
    registry.register(account)
    asked: list[p.GetPortfolio] = []

    def portfolio(request: p.GetPortfolio) -> p.Portfolio:
        asked.append(request)
        return p.Portfolio(
            person_id=request.person_id,
            registration_number="0000013",
            name="A. Jansen",
            registered_since=date(2025, 6, 1),
            generated_at=NOW,
        )

    registry.overrides[p.GetPortfolio] = portfolio
    registry.overrides[accreditation_contracts.ExportPersonData] = lambda request: (
        accreditation_contracts.PersonDataExport(person_id=request.person_id, attendance=[], teaching_claims=[])
    )
    registry.overrides[audit_contracts.ExportPersonData] = lambda request: audit_contracts.PersonDataExport(
        person_id=request.person_id, dossiers=[]
    )
    await sign_in(client, "jansen@example.nl", PASSWORD)
    response = await client.get("/mijn/gegevens.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    document = json.loads(response.content)
    assert document["included"] == ["registry", "portfolio", "accreditation", "audit"]
    assert document["accreditation"] == {"person_id": str(account.account_id), "attendance": [], "teaching_claims": []}
    assert document["audit"] == {"person_id": str(account.account_id), "dossiers": []}
    assert document["registry"]["account"]["email"] == "jansen@example.nl"
    assert document["portfolio"]["cycles"][0]["registration_number"] == "0000013"
    assert {item["what"] for item in document["not_included"]} >= {"evidence_files"}
    # What is kept and until when, in words: the period starts when the registration ends.
    kept = {item["kind"]: item for item in document["kept"]}
    assert kept["portfolio"]["period"] == "2 jaar na het einde van de registratie"
    assert kept["portfolio"]["kept_until"] is None and "Archiefwet" in kept["registration"]["why"]
    assert asked[0].person_id == account.account_id and asked[0].actor.person_id == account.account_id


async def test_download_all_my_data_labels_a_missing_portfolio(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    registry.register(registry.accounts["jansen@example.nl"])
    registry.overrides[p.GetPortfolio] = ServiceTimeout("slow")
    # Accreditation and audit are not answering in this test (the fake says: unavailable): both are labelled too.
    await sign_in(client, "jansen@example.nl", PASSWORD)
    document = json.loads((await client.get("/mijn/gegevens.json")).content)
    assert document["included"] == ["registry"]
    assert document["portfolio"] is None and document["accreditation"] is None and document["audit"] is None
    assert [item["what"] for item in document["not_included"][:3]] == ["audit", "accreditation", "portfolio"]


# --- Beheer ----------------------------------------------------------------------------------------------------


async def _office(client: AsyncTestClient[Litestar]) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)


async def test_the_office_approves_an_application_from_the_queue(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    jansen = registry.accounts["jansen@example.nl"]
    application = registry._ApplyForRegistration(
        c.ApplyForRegistration(
            actor_account_id=jansen.account_id,
            roles=["leerplichtambtenaar"],
            employer_name="Gemeente Utrecht",
            employer_kind="municipality",
            hours_per_week=Decimal(24),
            declaration_accepted=True,
        )
    )
    await _office(client)
    queue = await client.get("/beheer/aanvragen")
    assert (
        "A. Jansen" in queue.text and "jansen@example.nl" in queue.text and "Gemeente Utrecht (Gemeente)" in queue.text
    )
    asked = await client.post(
        f"/beheer/aanvragen/{application.application_id}/besluit",
        data={"csrf_token": csrf_from(queue.text), "decision": "approve", "reason": ""},
    )
    # Approving cannot be undone here: the page asks first and decides nothing yet.
    assert asked.status_code == 200 and "Aanvraag goedkeuren?" in asked.text and "A. Jansen" in asked.text
    assert registry.of(c.DecideApplication) == []
    response = await client.post(
        f"/beheer/aanvragen/{application.application_id}/besluit",
        data={"csrf_token": csrf_from(asked.text), "decision": "approve", "reason": "", "bevestigd": "ja"},
    )
    assert "De aanvraag is goedgekeurd. Registratienummer: 0000021." in response.text
    (decision,) = registry.of(c.DecideApplication)
    assert decision.actor_account_id == registry.accounts["beheer@example.nl"].account_id
    assert decision.decision == "approve"


async def test_approving_an_application_asks_for_confirmation_before_deciding(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    jansen = registry.accounts["jansen@example.nl"]
    application = registry._ApplyForRegistration(
        c.ApplyForRegistration(
            actor_account_id=jansen.account_id,
            roles=["leerplichtambtenaar"],
            employer_name="Gemeente Utrecht",
            employer_kind="municipality",
            hours_per_week=Decimal(24),
            declaration_accepted=True,
        )
    )
    await _office(client)
    queue = await client.get("/beheer/aanvragen")
    action = f"/beheer/aanvragen/{application.application_id}/besluit"
    asked = await client.post(action, data={"csrf_token": csrf_from(queue.text), "decision": "approve", "reason": ""})
    # One click decides nothing: the answer names what will happen and carries the form again, confirmed or not.
    assert asked.status_code == 200 and "Aanvraag goedkeuren?" in asked.text and "A. Jansen" in asked.text
    assert 'name="bevestigd" value="ja"' in asked.text and f'action="{action}"' in asked.text
    assert 'href="/beheer/aanvragen">Annuleren</a>' in asked.text
    assert registry.of(c.DecideApplication) == []
    assert registry.applications[jansen.account_id].status == "pending"


async def test_a_rejection_needs_a_reason(client: AsyncTestClient[Litestar], registry: FakeRegistry) -> None:
    await _office(client)
    token = await csrf_for(client, "/beheer/aanvragen")
    application_id = uuid.uuid4()
    response = await client.post(
        f"/beheer/aanvragen/{application_id}/besluit", data={"csrf_token": token, "decision": "reject"}
    )
    assert response.status_code == 422
    assert registry.of(c.DecideApplication) == []


async def test_the_office_enters_the_working_total_per_year(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _office(client)
    page = await client.get("/beheer/werkzame-professionals")
    assert "Cijfers 2025" in page.text
    response = await client.post(
        "/beheer/werkzame-professionals",
        data={
            "csrf_token": csrf_from(page.text),
            "year": "2025",
            "total": "4.000",
            "leerplichtambtenaar": "2500",
            "rmc_medewerker": "",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/beheer/werkzame-professionals?jaar=2025&opgeslagen=2025"
    (recorded,) = registry.of(c.SetWorkingTotal)
    assert (recorded.year, recorded.total, recorded.per_role) == (2025, 4000, {"leerplichtambtenaar": 2500})


async def test_the_office_sees_the_eligibility_notices(
    client: AsyncTestClient[Litestar], registry: FakeRegistry
) -> None:
    await _office(client)
    page = await client.get("/beheer/signaleringen")
    assert page.status_code == 200
    assert "Er zijn geen signaleringen." in page.text


# --- Taal ------------------------------------------------------------------------------------------------------


async def test_the_account_pages_speak_english_too(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/account/aanmaken", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "Create an account" in page.text
    assert "Sign in" in page.text
