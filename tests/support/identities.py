"""The nine identities of the authorization matrix (tests/security/test_route_matrix.py) on a running system, and
the real objects whose ids fill the routes' path parameters.

- anonymous: no cookie, no token;
- professional P: registered, with self-entered activities (one with a certificate), an entry placed by provider A,
  and a re-registration dossier that the audit sampled and assigned to the assessment committee member;
- professional Q: registered, nothing else;
- provider A's contact (signed in; A's API key on the API) and provider B's contact (B's key), each provider with a
  course and an edition (A's approved and ended, with P's attendance);
- office, accreditation committee, assessment committee (the reviewer of P's case) and administrator: staff signed
  in with password and TOTP.

Set-up goes through the services' own requests (demo commands, the scripts' helpers) and through the gateway as
each identity would; ids are read back from the identities' own pages and API answers.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pyotp

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import accredited_edition, call, prepare_dossier, register_reviewer
from tests.support.rpc_setup import demo_account, grant_registration, provider_with_contact
from tests.support.system import RunningSystem
from tests.support.web import WebUser, csrf_from, fresh_totp

PASSWORD = "route-matrix-wachtwoord-2026"
ROLES: tuple[str, ...] = (
    "anonymous",
    "professional",
    "other_professional",
    "provider_a",
    "provider_b",
    "office",
    "accreditation_committee",
    "assessment_committee",
    "administrator",
)
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass
class Identity:
    """One role's way in: a web client (with its session cookie, if any) and the bearer it sends to `/api/`."""

    role: str
    web: WebUser
    csrf_token: str = ""
    # A person's API token (people) or the provider's API key (providers); None for the anonymous visitor.
    bearer: str | None = None
    # How the identity signs in (a browser test walks the sign-in itself): e-mail, and the TOTP secret of staff.
    email: str = ""
    totp_secret: str | None = None


@dataclass
class Objects:
    """Real ids for the path parameters: P's, provider A's and the reviewer's case (see the module docstring)."""

    registration_number: str
    activity_id: uuid.UUID  # P's self-entered activity with evidence
    evidence_id: uuid.UUID  # its certificate
    placed_activity_id: uuid.UUID  # P's entry placed by provider A (to confirm or dispute)
    course_id: uuid.UUID  # A's approved course
    edition_id: uuid.UUID  # its ended edition
    attendance_id: uuid.UUID  # P's attendance there
    spare_key_id: uuid.UUID  # an A key only the revoke route uses (a revocation must not hit A's working key)
    case_id: uuid.UUID  # P's sampled dossier, assigned to the assessment committee member
    case_activity_id: uuid.UUID
    case_evidence_id: uuid.UUID
    spare_account_id: uuid.UUID  # an account the administrator's role form may change (no identity's own)
    webhook_endpoint_id: uuid.UUID  # provider A's webhook endpoint (it points at nothing that answers)


async def _account(system: RunningSystem, email: str, surname: str, roles: list[Any], totp: str | None) -> uuid.UUID:
    ready = await demo_account(
        system.rpc, email, PASSWORD, initials="T.", surname=surname, account_roles=roles, totp_secret=totp
    )
    return ready.account_id


async def _token(client: httpx.AsyncClient, email: str, totp: str | None) -> str:
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if totp is not None:
        body["totp_code"] = fresh_totp(totp)
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code in (200, 201), response.text
    return str(response.json()["access_token"])


async def _provider(client: RpcClient, name: str, contact: uuid.UUID) -> tuple[uuid.UUID, str]:
    """A provider with `contact` linked to it; returns its id and a fresh API key."""
    provider_id = await provider_with_contact(client.call, name, contact, by="test")
    return provider_id, (await _key(client, provider_id)).api_key


async def _link(client: RpcClient, provider_id: uuid.UUID, contact: uuid.UUID) -> None:
    await call(
        client,
        "accreditation",
        accreditation_contracts.LinkProviderAccount(provider_id=provider_id, account_id=str(contact), linked_by="test"),
        accreditation_contracts.ProviderDetails,
    )


async def _key(client: RpcClient, provider_id: uuid.UUID) -> accreditation_contracts.ApiKeyCreated:
    return await call(
        client,
        "accreditation",
        accreditation_contracts.CreateApiKey(provider_id=provider_id, label="route matrix", created_by="test"),
        accreditation_contracts.ApiKeyCreated,
    )


async def _poll_page(user: WebUser, path: str, pattern: str, what: str, timeout: float = 60) -> list[str]:
    """The matches of `pattern` on `path` as `user` sees it, once there are any (the audit works asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await user.get(path)
        found = re.findall(pattern, response.text)
        if response.status_code == 200 and found:
            return found
        assert asyncio.get_running_loop().time() < deadline, f"no {what} on {path}: {response.status_code}"
        await asyncio.sleep(0.5)


async def set_up(system: RunningSystem) -> tuple[dict[str, Identity], Objects]:
    """Create the nine identities and their objects on `system` (started with a scheme that samples every
    dossier, so P's dossier becomes a case); sign everyone in. Close the identities' clients when done."""
    secrets = {role: pyotp.random_base32() for role in ROLES[5:]}
    staff_roles: dict[str, list[Any]] = {role: [role] for role in ROLES[5:]}
    emails = {role: f"{role.replace('_', '-')}@route-matrix.example" for role in ROLES[1:]}
    accounts = {
        role: await _account(system, emails[role], role.title(), staff_roles.get(role, []), secrets.get(role))
        for role in ROLES[1:]
    }
    spare = await _account(system, "spare@route-matrix.example", "Spare", [], None)

    broker = await connect_broker(system.amqp_url, name="route-matrix")
    try:
        client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
        today = register_today(system_clock)
        await register_reviewer(client, accounts["assessment_committee"], "T. Assessment")
        provider_a, edition_a = await accredited_edition(client, today)
        await _link(client, provider_a, accounts["provider_a"])
        key_a = (await _key(client, provider_a)).api_key
        spare_key = (await _key(client, provider_a)).key.key_id
        endpoint = await call(
            client,
            "accreditation",
            accreditation_contracts.RegisterWebhookEndpoint(
                provider_id=provider_a,
                url="http://127.0.0.1:9/route-matrix",
                events=["course.decided"],
                created_by="test",
            ),
            accreditation_contracts.WebhookSecretIssued,
        )
        prepared = await prepare_dossier(
            client, (provider_a, edition_a), initials="P.", surname="Pieters", today=today,
            person_id=accounts["professional"],
        )  # fmt: skip
        await grant_registration(
            client.call,
            initials="Q.",
            surname="Quint",
            roles=["rmc_medewerker"],
            employer_id="gemeente-route-matrix",
            registered_since=today - timedelta(days=400),
            person_id=accounts["other_professional"],
        )
        provider_b, key_b = await _provider(client, "Opleider B (route matrix)", accounts["provider_b"])
        await call(
            client,
            "accreditation",
            accreditation_contracts.SubmitCourse(
                provider_id=provider_b,
                submitted_by="test",
                title="Cursus van B",
                description="Een cursus van aanbieder B.",
                category="A1",
                study_load_hours=Decimal(8),
                editions=[accreditation_contracts.EditionInput(start_date=today, end_date=today + timedelta(days=1))],
            ),
            accreditation_contracts.CourseDetails,
        )
    finally:
        await broker.stop()

    identities: dict[str, Identity] = {}
    for role in ROLES:
        web = WebUser(system.gateway_url)
        identities[role] = Identity(role, web, email=emails.get(role, ""), totp_secret=secrets.get(role))
        if role != "anonymous":
            await web.sign_in(emails[role], PASSWORD, totp_secret=secrets.get(role))
        identities[role].csrf_token = csrf_from((await web.get("/inloggen" if role == "anonymous" else "/")).text)
        if role in ("provider_a", "provider_b"):
            identities[role].bearer = key_a if role == "provider_a" else key_b
        elif role != "anonymous":
            identities[role].bearer = await _token(web.client, emails[role], secrets.get(role))
    objects = await _objects(identities, prepared.registration_number, edition_a, spare_key, spare)
    objects.webhook_endpoint_id = endpoint.endpoint.endpoint_id
    return identities, objects


async def _objects(
    identities: dict[str, Identity], number: str, edition_id: uuid.UUID, spare_key: uuid.UUID, spare: uuid.UUID
) -> Objects:
    """Read the ids back as their owners see them: P's portfolio, A's courses, the reviewer's case page."""
    p, a = identities["professional"], identities["provider_a"]
    portfolio = await p.web.get("/api/v1/me/portfolio", headers={"Authorization": f"Bearer {p.bearer}"})
    assert portfolio.status_code == 200, portfolio.text
    activities = portfolio.json()["activities"]
    with_evidence = next(item for item in activities if item["evidence"])
    placed = next(item for item in activities if item["source"] == "provider_placed")
    auth_a = {"Authorization": f"Bearer {a.bearer}"}
    courses = (await a.web.get("/api/v1/provider/courses", headers=auth_a)).json()["courses"]
    course = next(item for item in courses if any(e["edition_id"] == str(edition_id) for e in item["editions"]))
    attendance = await a.web.get(f"/api/v1/provider/editions/{edition_id}/attendance", headers=auth_a)
    assert attendance.status_code == 200, attendance.text
    reviewer = identities["assessment_committee"].web
    (case_id, *_) = await _poll_page(reviewer, "/beoordeling", rf"/beoordeling/zaken/({_UUID})", "case")
    case_page = f"/beoordeling/zaken/{case_id}"
    (case_activity, *_) = await _poll_page(reviewer, case_page, rf"{case_page}/activiteiten/({_UUID})", "activity")
    (case_evidence, *_) = await _poll_page(reviewer, case_page, rf"{case_page}/bewijs/({_UUID})", "evidence")
    return Objects(
        registration_number=number,
        activity_id=uuid.UUID(with_evidence["activity_id"]),
        evidence_id=uuid.UUID(with_evidence["evidence"][0]["evidence_id"]),
        placed_activity_id=uuid.UUID(placed["activity_id"]),
        course_id=uuid.UUID(course["course_id"]),
        edition_id=edition_id,
        attendance_id=uuid.UUID(attendance.json()["entries"][0]["attendance_id"]),
        spare_key_id=spare_key,
        case_id=uuid.UUID(case_id),
        case_activity_id=uuid.UUID(case_activity),
        case_evidence_id=uuid.UUID(case_evidence),
        spare_account_id=spare,
        webhook_endpoint_id=uuid.UUID(int=0),
    )
