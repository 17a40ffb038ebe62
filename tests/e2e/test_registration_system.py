"""Registration end to end over HTTP against the running system (services and gateway as processes, PostgreSQL, RabbitMQ):
authorization (who may read, change and decide what), the statistics after approvals, an expiry and a changed
working total, and "download all my data" gathering the registry and the portfolio.

One system for the module (starting it takes a while); every test makes its own people, so none depends on
another's data.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pyotp
import pytest
import pytest_asyncio

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from tests.support.system import RunningSystem, start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "wachtwoord-voor-de-test"
PUBLIC_FIELDS = {"registration_number", "name", "roles", "status", "registered_since", "valid_until"}
PRIVATE_PAGES = [
    "/mijn",
    "/mijn/aanvraag",
    "/mijn/gegevens.json",
    "/beheer/aanvragen",
    "/beheer/werkzame-professionals",
    "/beheer/signaleringen",
]
PUBLIC_PAGES = [
    "/",
    "/vragen",
    "/register",
    "/portfolio",
    "/inloggen",
    "/account/aanmaken",
    "/account/wachtwoord-vergeten",
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(amqp_url, databases, broker_names, tmp_path_factory) -> AsyncIterator[RunningSystem]:
    async with start_system(amqp_url, databases, broker_names, tmp_path_factory.mktemp("registration")) as running:
        yield running


class People:
    """Accounts made through the registry's demo command (the set-up has no page of its own)."""

    def __init__(self, system: RunningSystem) -> None:
        self.system = system
        self.office_secret = pyotp.random_base32()
        self.office_email = ""
        self.office_id: uuid.UUID | None = None

    async def account(
        self, surname: str, roles: list[contracts.AccountRole] | None = None, **extra: str
    ) -> tuple[str, uuid.UUID]:
        email = f"{surname.lower().replace(' ', '')}-{uuid.uuid4().hex[:8]}@example.nl"
        ready = await self.system.rpc(
            "registry",
            contracts.CreateDemoAccount(
                email=email,
                password=PASSWORD,
                initials="T.",
                surname=surname,
                account_roles=roles or ["professional"],
                **extra,
            ),
        )
        assert isinstance(ready, contracts.DemoAccountReady)
        return email, ready.account_id

    async def office(self) -> tuple[str, uuid.UUID]:
        if self.office_id is None:
            self.office_email, self.office_id = await self.account("Bureau", ["office"], totp_secret=self.office_secret)
        return self.office_email, self.office_id

    async def apply(
        self, account_id: uuid.UUID, employer: str = "Gemeente Deventer", hours: str = "24"
    ) -> contracts.ApplicationView:
        view = await self.system.rpc(
            "registry",
            contracts.ApplyForRegistration(
                actor_account_id=account_id,
                roles=["leerplichtambtenaar"],
                employer_name=employer,
                employer_kind="municipality",
                hours_per_week=Decimal(hours),
                declaration_accepted=True,
            ),
        )
        assert isinstance(view, contracts.ApplicationView)
        return view

    async def approve(self, application_id: uuid.UUID) -> str:
        _, office_id = await self.office()
        view = await self.system.rpc(
            "registry",
            contracts.DecideApplication(actor_account_id=office_id, application_id=application_id, decision="approve"),
        )
        assert isinstance(view, contracts.ApplicationView) and view.registration_number
        return view.registration_number


@pytest.fixture
def people(system: RunningSystem) -> People:
    return People(system)


# --- Authorization ---------------------------------------------------------------------------------------------


async def test_anonymous_visitors_reach_only_public_pages(system: RunningSystem) -> None:
    async with WebUser(system.gateway_url) as visitor:
        for path in PUBLIC_PAGES:
            assert (await visitor.get(path)).status_code == 200, path
        for path in PRIVATE_PAGES:
            response = await visitor.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/inloggen?next="), path
        assert (await visitor.get("/api/v1/me")).status_code == 401
        # A form post without a session (and without a CSRF token) changes nothing.
        assert (await visitor.client.post("/mijn/aanvraag", data={"role": "both"})).status_code == 403


async def test_a_professional_cannot_read_or_change_another_persons_account_or_application(
    system: RunningSystem, people: People
) -> None:
    alice_email, alice_id = await people.account("Alders")
    bob_email, bob_id = await people.account("Bosman")
    bobs_application = await people.apply(bob_id, employer="Gemeente Bosdorp", hours="30")

    async with WebUser(system.gateway_url) as alice:
        await alice.sign_in(alice_email, PASSWORD)
        mine = await alice.get("/mijn")
        assert mine.status_code == 200
        assert alice_email in mine.text
        assert bob_email not in mine.text and "Bosdorp" not in mine.text

        # Her application page is hers: Bob's application is nowhere on it.
        application_page = await alice.get("/mijn/aanvraag")
        assert (
            "Bosdorp" not in application_page.text and str(bobs_application.application_id) not in application_page.text
        )

        # A form naming Bob changes Alice: the gateway acts only for the session's account.
        changed = await alice.post_form(
            "/mijn/gegevens",
            {"employer_name": "Gemeente Alkmaar", "actor_account_id": str(bob_id), "person_id": str(bob_id)},
            csrf_page="/mijn",
        )
        assert changed.status_code in (303, 422)
        bob = await system.rpc("registry", contracts.GetMyPerson(actor_account_id=bob_id))
        assert isinstance(bob, contracts.PersonView) and bob.employer_name == "Gemeente Bosdorp"

        # The office pages, and deciding Bob's application, are refused.
        assert (await alice.get("/beheer/aanvragen")).status_code == 403
        decided = await alice.post_form(
            f"/beheer/aanvragen/{bobs_application.application_id}/besluit",
            {"decision": "approve", "bevestigd": "ja"},
            csrf_page="/mijn",
        )
        assert decided.status_code == 403

        # Her API token sees only her.
        token = (
            await alice.client.post("/api/v1/auth/token", json={"email": alice_email, "password": PASSWORD})
        ).json()
        me = await alice.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.json()["email"] == alice_email and me.json()["account_id"] == str(alice_id)

    still = await system.rpc("registry", contracts.GetMyApplication(actor_account_id=bob_id))
    assert isinstance(still, contracts.ApplicationView) and still.status == "pending"
    # Behind the gateway, the registry checks per object too: Bob's application does not exist for Alice.
    with pytest.raises(RpcError) as refused:
        await system.rpc(
            "registry",
            contracts.GetApplication(actor_account_id=alice_id, application_id=bobs_application.application_id),
        )
    assert (refused.value.status, refused.value.code) == (404, "not_found")


async def test_only_the_office_decides_applications(system: RunningSystem, people: People) -> None:
    _, applicant_id = await people.account("Claassen")
    application = await people.apply(applicant_id)
    professional_email, professional_id = await people.account("Dekker")

    with pytest.raises(RpcError) as refused:
        await system.rpc(
            "registry",
            contracts.DecideApplication(
                actor_account_id=professional_id, application_id=application.application_id, decision="approve"
            ),
        )
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    async with WebUser(system.gateway_url) as professional:
        await professional.sign_in(professional_email, PASSWORD)
        response = await professional.post_form(
            f"/beheer/aanvragen/{application.application_id}/besluit",
            {"decision": "approve", "bevestigd": "ja"},
            csrf_page="/mijn",
        )
        assert response.status_code == 403

    office_email, _ = await people.office()
    async with WebUser(system.gateway_url) as office:
        signed_in = await office.sign_in(office_email, PASSWORD, totp_secret=people.office_secret)
        assert signed_in.headers["location"] == "/beheer/aanvragen"
        queue = await office.get("/beheer/aanvragen")
        assert str(application.application_id) in queue.text
        decided = await office.post_form(
            f"/beheer/aanvragen/{application.application_id}/besluit",
            {"decision": "approve", "bevestigd": "ja"},
            csrf_page="/beheer/aanvragen",
        )
        assert decided.status_code == 303
        assert decided.headers["location"].startswith("/beheer/aanvragen?goedgekeurd=")
    registration = await system.rpc("registry", contracts.GetMyRegistration(actor_account_id=applicant_id))
    assert isinstance(registration, contracts.RegistrationView) and registration.status == "registered"


async def test_the_public_api_shows_only_the_allowlisted_fields(system: RunningSystem, people: People) -> None:
    _, person_id = await people.account("Evers")
    number = await people.approve((await people.apply(person_id, employer="RBL Geheim", hours="33")).application_id)
    async with httpx.AsyncClient(base_url=system.gateway_url) as client:
        one = await client.get(f"/api/v1/register/{number}")
        found = await client.get("/api/v1/register", params={"q": "Evers"})
    assert one.status_code == 200 and set(one.json()) == PUBLIC_FIELDS
    assert [set(entry) for entry in found.json()["entries"] if entry["registration_number"] == number] == [
        PUBLIC_FIELDS
    ]
    assert "Geheim" not in one.text + found.text


async def test_a_refused_request_reaches_an_api_client_as_rfc_9457_json_with_its_problems(
    system: RunningSystem,
) -> None:
    async with httpx.AsyncClient(base_url=system.gateway_url) as client:
        too_short = await client.get("/api/v1/register", params={"q": "E"})
        mistyped = await client.get("/api/v1/register/0000014")
    for response, code, problem_code in (
        (too_short, "invalid_search", "query_too_short"),
        (mistyped, "invalid_registration_number", "mistyped"),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert (body["type"], body["status"], body["code"]) == (f"urn:lklr:problem:{code}", 422, code)
        assert body["title"] and body["detail"] and body["instance"]
        assert [problem["code"] for problem in body["problems"]] == [problem_code]
        assert all(problem["message"] for problem in body["problems"])


# --- Statistics ------------------------------------------------------------------------------------------------


async def test_statistics_follow_approvals_an_expiry_and_a_changed_working_total(
    system: RunningSystem, people: People
) -> None:
    async with httpx.AsyncClient(base_url=system.gateway_url) as client:

        async def statistics() -> dict:  # type: ignore[type-arg]
            return (await client.get("/api/v1/statistics")).json()

        before = await statistics()
        numbers = []
        for surname in ("Franssen", "Gerritsen"):
            _, person_id = await people.account(surname)
            numbers.append(await people.approve((await people.apply(person_id)).application_id))
        after_approvals = await statistics()
        assert after_approvals["registered"] == before["registered"] + 2
        assert (
            after_approvals["per_role"]["leerplichtambtenaar"] == before["per_role"].get("leerplichtambtenaar", 0) + 2
        )

        _, office_id = await people.office()
        await system.rpc(
            "registry",
            contracts.ChangeRegistrationStatus(
                actor_account_id=office_id, registration_number=numbers[0], new_status="expired"
            ),
        )
        after_expiry = await statistics()
        assert after_expiry["registered"] == before["registered"] + 1

        # The office enters this year's working total on its page; the statistics use it at once.
        registered = after_expiry["registered"]
        year = datetime.now(ZoneInfo("Europe/Amsterdam")).year
        office_email, _ = await people.office()
        async with WebUser(system.gateway_url) as office:
            await office.sign_in(office_email, PASSWORD, totp_secret=people.office_secret)
            saved = await office.post_form(
                "/beheer/werkzame-professionals",
                {"year": str(year), "total": str(registered * 4)},
                csrf_page="/beheer/werkzame-professionals",
            )
            assert saved.status_code == 303, saved.text[:500]
        with_total = await statistics()
        assert (with_total["working_total"], with_total["percentage"]) == (registered * 4, 25)
        start = await client.get("/")
        assert "25% van 100%" in start.text

        # Public lookups show the expiry.
        expired = (await client.get(f"/api/v1/register/{numbers[0]}")).json()
        assert expired["status"] == "expired"


# --- Download all my data --------------------------------------------------------------------------------------


async def test_download_all_my_data_gathers_the_registry_and_the_portfolio(
    system: RunningSystem, people: People
) -> None:
    email, person_id = await people.account("Hendriks")
    number = await people.approve((await people.apply(person_id)).application_id)
    async with WebUser(system.gateway_url) as user:
        await user.sign_in(email, PASSWORD)
        document: dict = {}  # type: ignore[type-arg]
        # The portfolio learns about the registration from an event; give it a moment.
        for _ in range(60):
            response = await user.get("/mijn/gegevens.json")
            assert response.status_code == 200
            assert "attachment" in response.headers["content-disposition"]
            document = response.json()
            if "portfolio" in document["included"]:
                break
            await asyncio.sleep(0.5)
    assert document["included"] == ["registry", "portfolio", "accreditation", "audit"]
    assert document["accreditation"] == {"person_id": str(person_id), "attendance": [], "teaching_claims": []}
    assert document["audit"] == {"person_id": str(person_id), "dossiers": []}
    assert document["registry"]["account"]["email"] == email
    assert document["registry"]["registration"]["registration_number"] == number
    assert document["portfolio"]["cycles"][0]["registration_number"] == number
    assert "password" not in json.dumps(document["registry"]["account"])
