"""The office's reviewer page (/beheer/beoordelaars): committee members with their state in the audit, registering
them as reviewers, who may do so; and the reviewer's own page telling them when the office has not registered them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lklr_shared.contracts import audit as a
from lklr_shared.contracts import registry as c
from lklr_shared.errors import RpcError

from .registry_fake import PASSWORD, FakeAccount
from .review_fakes import ReviewWorld
from .web_helpers import client_fixture, csrf_for, csrf_from, sign_in

pytestmark = pytest.mark.unit

ORPHAN_ID = uuid.uuid4()


@dataclass
class ReviewerWorld(ReviewWorld):
    """The review world plus the registry's staff list and the audit's reviewers."""

    employers: dict[uuid.UUID, str] = field(default_factory=dict)
    reviewers: dict[uuid.UUID, a.ReviewerView] = field(default_factory=dict)
    unassigned_cases: int = 0

    def _ListStaffAccounts(self, request: c.ListStaffAccounts) -> c.StaffAccounts:
        if "office" not in self.by_id(request.actor_account_id).roles:
            raise RpcError("forbidden", "This needs the office role.", 403)
        listed = []
        for account in sorted(self.accounts.values(), key=lambda account: account.surname):
            if request.role not in account.roles:
                continue
            registration = self.registrations.get(account.account_id)
            employer = self.employers.get(account.account_id)
            listed.append(
                account.staff_view(
                    registered_professional=registration is not None,
                    registration_number=registration.registration_number if registration else None,
                    registration_status=registration.status if registration else None,
                    employer_name=employer,
                    employer_id=None,
                )
            )
        return c.StaffAccounts(accounts=listed)

    def _audit_ListReviewers(self, request: a.ListReviewers) -> a.ReviewerList:
        return a.ReviewerList(reviewers=list(self.reviewers.values()), unassigned_cases=self.unassigned_cases)

    def _audit_RegisterReviewer(self, request: a.RegisterReviewer) -> a.ReviewerView:
        known = self.reviewers.get(request.reviewer_id)
        view = a.ReviewerView(
            reviewer_id=request.reviewer_id,
            person_id=request.person_id,
            employer_id=request.employer_id,
            name=request.name,
            active=request.active,
            open_cases=known.open_cases if known else 0,
        )
        self.reviewers[request.reviewer_id] = view
        return view


@pytest.fixture
def world() -> ReviewerWorld:
    world = ReviewerWorld()
    world.add("beheer@example.nl", "L.", "Meijer", "office")
    newcomer = world.add("nieuw@example.nl", "A.", "Jansen", "assessment_committee", "professional")
    world.register(newcomer, "0000021")
    world.employers[newcomer.account_id] = "Gemeente Súdwest-Fryslân"
    active = world.add("actief@example.nl", "B.", "Bakker", "assessment_committee")
    resting = world.add("rust@example.nl", "C.", "de Rust", "assessment_committee")
    world.add("prof@example.nl", "P.", "Professional")
    world.reviewers[active.account_id] = a.ReviewerView(
        reviewer_id=active.account_id, employer_id="toetsingsbureau-noord", name="B. Bakker", active=True, open_cases=2
    )
    world.reviewers[resting.account_id] = a.ReviewerView(
        reviewer_id=resting.account_id, employer_id="gemeente-zwolle", name="C. de Rust", active=False, open_cases=0
    )
    world.reviewers[ORPHAN_ID] = a.ReviewerView(
        reviewer_id=ORPHAN_ID, employer_id="oud-bureau", name="O. Oudgediende", active=True, open_cases=1
    )
    world.unassigned_cases = 3
    return world


client = client_fixture("world")


def member(world: ReviewerWorld, email: str) -> FakeAccount:
    return world.accounts[email]


async def as_office(client: AsyncTestClient[Litestar]) -> None:
    await sign_in(client, "beheer@example.nl", PASSWORD, staff=True)


async def test_the_office_sees_the_committee_members_with_their_state_in_the_audit(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await as_office(client)
    response = await client.get("/beheer/beoordelaars")
    assert response.status_code == 200
    html = response.text
    (asked,) = world.of(c.ListStaffAccounts)
    assert (asked.role, asked.actor_account_id) == (
        "assessment_committee",
        member(world, "beheer@example.nl").account_id,
    )
    assert world.of(a.ListReviewers)

    for name in ("A. Jansen", "B. Bakker", "C. de Rust", "O. Oudgediende"):
        assert name in html
    assert "P. Professional" not in html and "L. Meijer</h3>" not in html
    assert "3 zaken wachten op een beoordelaar" in html
    # Each member's state: not yet a reviewer, active with their load, inactive.
    assert "nog niet aangemeld" in html and "niet actief (krijgt geen nieuwe zaken)" in html
    assert "toetsingsbureau-noord" in html and '<dd data-testid="open-cases">2</dd>' in html
    assert "ja, registratienummer 0000021" in html and "Gemeente Súdwest-Fryslân" in html
    # A newcomer's form proposes the register's employer as key; a reviewer's form shows the audit's values.
    newcomer = member(world, "nieuw@example.nl").account_id
    assert f'id="employer_id-{newcomer}" name="employer_id" type="text" value="gemeente-sudwest-fryslan"' in html
    assert f'id="active-{newcomer}-yes" name="active" value="yes" checked' in html
    resting = member(world, "rust@example.nl").account_id
    assert f'id="active-{resting}-no" name="active" value="no" checked' in html
    assert "Aanmelden als beoordelaar" in html and "Wijzigingen opslaan" in html
    # A reviewer the audit knows without a committee account is listed apart, so the office can stop them.
    assert "Andere beoordelaars" in html and f'action="/beheer/beoordelaars/{ORPHAN_ID}"' in html
    assert 'href="/beheer/beoordelaars" aria-current="page"' in html


async def test_without_committee_members_the_page_says_so_and_counts_the_waiting_case(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    for email in ("nieuw@example.nl", "actief@example.nl", "rust@example.nl"):
        world.accounts[email].roles = ["professional"]
    world.reviewers.clear()
    world.unassigned_cases = 1
    await as_office(client)
    response = await client.get("/beheer/beoordelaars")
    assert response.status_code == 200
    assert "Er zijn geen accounts met de rol beoordelingscommissie." in response.text
    assert "1 zaak wacht op een beoordelaar." in response.text
    assert "Andere beoordelaars" not in response.text


async def test_the_office_registers_a_registered_professional_as_reviewer(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    newcomer = member(world, "nieuw@example.nl").account_id
    response = await client.post(
        f"/beheer/beoordelaars/{newcomer}",
        data={"csrf_token": csrf_from(page.text), "employer_id": "Gemeente Súdwest-Fryslân", "active": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/beheer/beoordelaars?aangemeld={newcomer}#beoordelaar-{newcomer}"
    (registered,) = world.of(a.RegisterReviewer)
    # The reviewer id is the account id; a registered professional's person id is their account id too.
    assert registered.reviewer_id == newcomer
    assert registered.person_id == newcomer
    assert (registered.employer_id, registered.name, registered.active) == (
        "gemeente-sudwest-fryslan",
        "A. Jansen",
        True,
    )
    shown = await client.get(response.headers["location"])
    assert "A. Jansen is aangemeld als beoordelaar." in shown.text
    assert "nog niet aangemeld" not in shown.text


async def test_the_office_makes_a_reviewer_inactive_without_a_person_id_when_not_registered(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    active = member(world, "actief@example.nl").account_id
    response = await client.post(
        f"/beheer/beoordelaars/{active}",
        data={"csrf_token": csrf_from(page.text), "employer_id": "toetsingsbureau-noord", "active": "no"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (updated,) = world.of(a.RegisterReviewer)
    assert (updated.reviewer_id, updated.person_id, updated.employer_id, updated.active) == (
        active,
        None,
        "toetsingsbureau-noord",
        False,
    )
    shown = await client.get(response.headers["location"])
    assert "De gegevens van B. Bakker als beoordelaar zijn bijgewerkt." in shown.text


async def test_a_reviewer_without_a_committee_account_keeps_the_audits_name_and_person(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    person_id = uuid.uuid4()
    world.reviewers[ORPHAN_ID] = world.reviewers[ORPHAN_ID].model_copy(update={"person_id": person_id})
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    response = await client.post(
        f"/beheer/beoordelaars/{ORPHAN_ID}",
        data={"csrf_token": csrf_from(page.text), "employer_id": "oud-bureau", "active": "no"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (updated,) = world.of(a.RegisterReviewer)
    assert (updated.reviewer_id, updated.person_id, updated.name, updated.active) == (
        ORPHAN_ID,
        person_id,
        "O. Oudgediende",
        False,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"employer_id": "", "active": "yes"}, "Vul de werkgever in."),
        ({"employer_id": "--- !", "active": "yes"}, "Vul een werkgever in met letters of cijfers."),
        ({"employer_id": "Gemeente Utrecht", "active": "maybe"}, "Kies of de beoordelaar actief is."),
    ],
)
async def test_an_incomplete_form_is_refused_before_the_audit_is_asked(
    client: AsyncTestClient[Litestar], world: ReviewerWorld, fields: dict[str, str], message: str
) -> None:
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    newcomer = member(world, "nieuw@example.nl").account_id
    response = await client.post(
        f"/beheer/beoordelaars/{newcomer}", data={"csrf_token": csrf_from(page.text), **fields}
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{fields["employer_id"]}"' in response.text  # what was typed stays
    assert not world.of(a.RegisterReviewer)


async def test_an_account_that_is_no_committee_member_cannot_be_registered(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    for target in (member(world, "prof@example.nl").account_id, uuid.uuid4()):
        response = await client.post(
            f"/beheer/beoordelaars/{target}",
            data={"csrf_token": csrf_from(page.text), "employer_id": "Gemeente Utrecht", "active": "yes"},
        )
        assert response.status_code == 404
        assert "heeft de rol beoordelingscommissie niet" in response.text
    assert not world.of(a.RegisterReviewer)


async def test_a_refusal_by_the_audit_is_shown_at_the_form(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    world.overrides[a.RegisterReviewer] = RpcError("bad_request", "name: too long", 400)
    await as_office(client)
    page = await client.get("/beheer/beoordelaars")
    response = await client.post(
        f"/beheer/beoordelaars/{member(world, 'nieuw@example.nl').account_id}",
        data={"csrf_token": csrf_from(page.text), "employer_id": "Gemeente Utrecht", "active": "yes"},
    )
    assert response.status_code == 422
    assert "De audit heeft de beoordelaar niet opgeslagen: name: too long" in response.text


@pytest.mark.parametrize("email", ["prof@example.nl", "actief@example.nl"])
async def test_accounts_without_the_office_role_get_403(
    client: AsyncTestClient[Litestar], world: ReviewerWorld, email: str
) -> None:
    await sign_in(client, email, PASSWORD, staff=email != "prof@example.nl")
    assert (await client.get("/beheer/beoordelaars")).status_code == 403
    token = await csrf_for(client, "/mijn")
    posted = await client.post(
        f"/beheer/beoordelaars/{member(world, 'nieuw@example.nl').account_id}",
        data={"csrf_token": token, "employer_id": "Gemeente Utrecht", "active": "yes"},
    )
    assert posted.status_code == 403
    # The guard stops it in the gateway: neither the registry nor the audit is asked.
    assert not world.of(c.ListStaffAccounts)
    assert not world.of(a.RegisterReviewer)


async def test_visitors_are_sent_to_the_login_page(client: AsyncTestClient[Litestar], world: ReviewerWorld) -> None:
    response = await client.get("/beheer/beoordelaars", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen?next=/beheer/beoordelaars")
    token = await csrf_for(client, "/inloggen")
    posted = await client.post(
        f"/beheer/beoordelaars/{member(world, 'nieuw@example.nl').account_id}",
        data={"csrf_token": token, "employer_id": "Gemeente Utrecht", "active": "yes"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/inloggen")
    assert not world.of(a.RegisterReviewer)


async def test_registering_without_the_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await as_office(client)
    response = await client.post(
        f"/beheer/beoordelaars/{member(world, 'nieuw@example.nl').account_id}",
        data={"employer_id": "Gemeente Utrecht", "active": "yes"},
    )
    assert response.status_code == 403
    assert not world.of(a.RegisterReviewer)


async def test_the_page_is_available_in_english(client: AsyncTestClient[Litestar], world: ReviewerWorld) -> None:
    await as_office(client)
    response = await client.get("/beheer/beoordelaars?lang=en")
    assert response.status_code == 200
    assert "Members of the assessment committee" in response.text
    assert "Register as reviewer" in response.text and "not registered yet" in response.text
    assert "3 cases are waiting for a reviewer" in response.text


async def test_the_office_navigation_links_the_reviewer_page(client: AsyncTestClient[Litestar]) -> None:
    await as_office(client)
    page = await client.get("/beheer/aanvragen")
    assert '<a href="/beheer/beoordelaars">Beoordelaars</a>' in page.text


# --- The reviewer's own page -----------------------------------------------------------------------------------


async def test_a_committee_member_not_yet_registered_is_told_the_office_still_has_to(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await sign_in(client, "nieuw@example.nl", PASSWORD, staff=True)
    response = await client.get("/beoordeling")
    assert response.status_code == 200
    assert "Het registerbureau moet u eerst als beoordelaar aanmelden" in response.text
    english = await client.get("/beoordeling?lang=en")
    assert "The register office has to register you as a reviewer first" in english.text


async def test_an_inactive_reviewer_is_told_they_get_no_new_cases(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await sign_in(client, "rust@example.nl", PASSWORD, staff=True)
    response = await client.get("/beoordeling")
    assert "u krijgt geen nieuwe zaken" in response.text
    assert "moet u eerst als beoordelaar aanmelden" not in response.text


async def test_an_active_reviewer_without_cases_sees_no_notice(
    client: AsyncTestClient[Litestar], world: ReviewerWorld
) -> None:
    await sign_in(client, "actief@example.nl", PASSWORD, staff=True)
    response = await client.get("/beoordeling")
    assert response.status_code == 200
    assert 'data-testid="reviewer-state"' not in response.text
    assert "Er zijn geen dossiers aan u toegewezen." in response.text
