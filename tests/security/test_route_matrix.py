"""Authorization matrix: every route of the gateway × nine identities, against the real system.

The routes come from the gateway's own route table (the Litestar app built in-process with the test system's
settings, only to read the table; cross-checked against the running gateway's OpenAPI). Every route and method must
have a row in ROUTES below, which names the route's policy group; a new route without a row, or a row without a
route, fails the test, so a new route gets a decision about who may use it.

Identities (tests/support/identities.py): anonymous; professional P (registered, with a portfolio and a sampled
re-registration case); another professional Q; provider A's and provider B's contacts; office; accreditation
committee; assessment committee (the reviewer of P's case); administrator. Pages are asked with the identity's
session cookie; `/api/` routes with its bearer: a person's API token for people and staff, the provider's API key
for the providers (so a key must not pass as a person's token, nor a person's token as a key). Path parameters are
filled with real objects of P and of provider A, so Q and provider B asking for them show the object-level refusal.

Every route is asked with its own method: GET as is; POST and DELETE with a valid CSRF token (pages) and an empty
body (`{}` on the API), or a minimal valid one where the request's shape is checked before the object
(MINIMAL_BODIES). A refused identity must get the refusal whatever the body (guards run before it is read); an
allowed one gets anything but a refusal (200, 303, 400, 409, 422 ... for the empty body). Outcomes:

    login  page: 303 to /inloggen          401  API: no or wrong credential
    403    signed in, not allowed          404  not found (how an owner-only object refuses others)
    ok     anything else below 500         5xx  server error (never expected)

Expectations per cell: `ok` (allowed; a 404 is allowed too, e.g. the empty form's unknown object), `own` (allowed on
its own object: `ok` and not 404), or outcomes/statuses joined by `|` (`403`, `404`, `409` ...). The matrix prints
route × identity → status, `!` marking a cell that differs. `/uitloggen` runs last, as it ends the session.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from gateway.app import build_app
from gateway.settings import GatewaySettings
from tests.support.identities import ROLES, Identity, Objects, set_up
from tests.support.scheme import scheme_sampling_every_dossier
from tests.support.system import start_system

ANON, P, Q, PA, PB, OFFICE, ACCR, ASSESS, ADMIN = ROLES
SHORT = {ANON: "anon", P: "P", Q: "Q", PA: "provA", PB: "provB", OFFICE: "office", ACCR: "accr", ASSESS: "assess"}
SHORT[ADMIN] = "admin"


def _only(allowed: dict[str, str], others: str, anonymous: str) -> dict[str, str]:
    """Expectation row: `allowed` as given, every other signed-in identity `others`, the visitor `anonymous`."""
    return {role: allowed.get(role, anonymous if role == ANON else others) for role in ROLES}


# --- The intended policy, per group of routes -------------------------------------------------------------------
# Derived from the handlers' guards (`signed_in`, `role_required(...)`, the provider API's key guard) and the
# services' object rules; written out so the policy can be read here in one place.
GROUPS: dict[str, dict[str, str]] = {
    # Everyone, signed in or not: start, FAQ, catalogue, public register and statistics, sign-up and sign-in
    # forms, schema, health, static files.
    "public": {role: "ok" for role in ROLES},
    # Local runs only (GATEWAY_DEV_PAGES, which the gateway refuses outside environment=local): the dev mailbox.
    "dev": {role: "ok" for role in ROLES},
    # Any signed-in account, acting on its own data only (Mijn LKLR, portfolio forms, re-registration).
    "signed_in": _only({role: "ok" for role in ROLES[1:]}, "ok", "login"),
    # P's own objects (an activity, its evidence; P's re-registration case): the owner only. The portfolio and the
    # audit answer 404 to everyone else, so an id says nothing about whether it exists.
    "p_object": _only({P: "own"}, "404", "login"),
    # Answering the reviewer's question on P's case: P only; Q's answer is refused by the audit (not Q's case: 404);
    # an account without a registration is told it has none to act for (409) before any case is looked up.
    "p_case_answer": _only({P: "own", Q: "404"}, "409", "login"),
    # The provider portal: signed-in accounts linked to a provider (others get a 403 page saying so).
    "provider_portal": _only({PA: "ok", PB: "ok"}, "403", "login"),
    # Provider A's objects in the portal: A only; provider B is refused by the accreditation service (another
    # provider's course: 403; API key ids of another provider: 404).
    "provider_a_object": _only({PA: "own", PB: "403"}, "403", "login"),
    "provider_a_key": _only({PA: "own", PB: "404"}, "403", "login"),
    # Provider A's webhook endpoint: another provider's endpoint is not found (404), like a key.
    "provider_a_webhook": _only({PA: "own", PB: "404"}, "403", "login"),
    "office": _only({OFFICE: "ok"}, "403", "login"),
    "accreditation_committee": _only({ACCR: "ok"}, "403", "login"),
    "assessment_committee": _only({ASSESS: "ok"}, "403", "login"),
    # The reviewer's own case (the only reviewer; another reviewer's case is the audit's unit-tested rule).
    "assessment_case": _only({ASSESS: "own"}, "403", "login"),
    "administrator": _only({ADMIN: "ok"}, "403", "login"),
    # The person's API (bearer token of any account, own data only); a provider's API key is no person's token.
    "person_api": _only({PA: "401", PB: "401"}, "ok", "401"),
    "person_api_p_object": _only({P: "own", PA: "401", PB: "401"}, "404", "401"),
    # The provider API (bearer API key); a person's token is no key.
    "provider_api": _only({PA: "ok", PB: "ok"}, "401", "401"),
    "provider_api_a_object": _only({PA: "own", PB: "403"}, "401", "401"),
    "provider_api_a_webhook": _only({PA: "own", PB: "404"}, "401", "401"),
    # xAPI (HTTP Basic with a provider's API key): providers only; a person's token is no key. Each provider sees and
    # places only its own statements (the e2e xAPI tests); resources the LRS does not offer answer 501 to providers.
    "xapi": _only({PA: "ok", PB: "ok"}, "401", "401"),
    # Resources this LRS does not offer (state, profiles, agents): 501 to a provider, as the standard says.
    "xapi_not_offered": _only({PA: "501", PB: "501"}, "401", "401"),
    # The LRS's /about: anyone (the standard's clients ask it before authenticating).
    "xapi_about": {role: "ok" for role in ROLES},
    # Signing out: anyone, and everyone lands on the login page (a visitor too).
    "sign_out": {role: "login" for role in ROLES},
}

# --- Every route of the gateway and its group ---------------------------------------------------------------------
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/xapi/about"): "xapi_about",
    ("HEAD", "/xapi/about"): "xapi_about",
    # POST only in xAPI 1.0.3's alternate request syntax (?method=GET); without it 405, to anyone.
    ("POST", "/xapi/about"): "xapi_about",
    ("GET", "/xapi/statements"): "xapi",
    ("HEAD", "/xapi/statements"): "xapi",
    ("POST", "/xapi/statements"): "xapi",
    ("PUT", "/xapi/statements"): "xapi",
    ("GET", "/xapi/activities"): "xapi_not_offered",
    ("PUT", "/xapi/activities"): "xapi_not_offered",
    ("POST", "/xapi/activities"): "xapi_not_offered",
    ("DELETE", "/xapi/activities"): "xapi_not_offered",
    ("GET", "/xapi/activities/state"): "xapi_not_offered",
    ("PUT", "/xapi/activities/state"): "xapi_not_offered",
    ("POST", "/xapi/activities/state"): "xapi_not_offered",
    ("DELETE", "/xapi/activities/state"): "xapi_not_offered",
    ("GET", "/xapi/activities/profile"): "xapi_not_offered",
    ("PUT", "/xapi/activities/profile"): "xapi_not_offered",
    ("POST", "/xapi/activities/profile"): "xapi_not_offered",
    ("DELETE", "/xapi/activities/profile"): "xapi_not_offered",
    ("GET", "/xapi/agents"): "xapi_not_offered",
    ("PUT", "/xapi/agents"): "xapi_not_offered",
    ("POST", "/xapi/agents"): "xapi_not_offered",
    ("DELETE", "/xapi/agents"): "xapi_not_offered",
    ("GET", "/xapi/agents/profile"): "xapi_not_offered",
    ("PUT", "/xapi/agents/profile"): "xapi_not_offered",
    ("POST", "/xapi/agents/profile"): "xapi_not_offered",
    ("DELETE", "/xapi/agents/profile"): "xapi_not_offered",
    ("GET", "/"): "public",
    ("GET", "/vragen"): "public",
    ("GET", "/opleidingen"): "public",
    ("GET", "/register"): "public",
    ("GET", "/statistieken/audit"): "public",
    ("GET", "/toegankelijkheid"): "public",
    ("GET", "/privacy"): "public",
    ("GET", "/contact"): "public",
    ("GET", "/ontwikkelaars"): "public",
    ("GET", "/aanbieders/koppelen"): "public",
    ("GET", "/asyncapi"): "public",
    ("GET", "/asyncapi.json"): "public",
    ("GET", "/livez"): "public",
    ("GET", "/readyz"): "public",
    # Prometheus metrics, as /readyz: counts by route template, no personal data (keep it off the public ingress).
    ("GET", "/metrics"): "public",
    ("GET", "/schema"): "public",
    ("GET", "/schema/openapi.json"): "public",
    ("GET", "/schema/{path:str}"): "public",
    ("GET", "/static/{file_path:path}"): "public",
    ("HEAD", "/static/{file_path:path}"): "public",
    ("GET", "/dev/mail"): "dev",
    # The development webhook receiver: anyone may post (a delivery without the demo signature is answered 400).
    ("GET", "/dev/webhooks"): "dev",
    ("POST", "/dev/webhooks"): "dev",
    # Verifiable credentials: the key set, the status lists and the verify page are for anyone.
    ("GET", "/.well-known/jwks.json"): "public",
    ("GET", "/status/{list_number:int}"): "public",
    ("GET", "/verifieren"): "public",
    ("POST", "/verifieren"): "public",
    # Accounts: forms for everyone.
    ("GET", "/account/aanmaken"): "public",
    ("POST", "/account/aanmaken"): "public",
    ("GET", "/account/bevestigen"): "public",
    ("POST", "/account/bevestigen"): "public",
    ("POST", "/account/bevestigen/opnieuw"): "public",
    ("GET", "/account/wachtwoord-vergeten"): "public",
    ("POST", "/account/wachtwoord-vergeten"): "public",
    ("GET", "/account/wachtwoord-herstellen"): "public",
    ("POST", "/account/wachtwoord-herstellen"): "public",
    ("GET", "/account/verwijderd"): "public",
    ("GET", "/account/tweede-stap"): "public",
    ("POST", "/account/tweede-stap"): "public",
    ("POST", "/inloggen/tweede-stap-instellen"): "public",
    ("GET", "/inloggen"): "public",
    ("POST", "/inloggen"): "public",
    ("POST", "/uitloggen"): "sign_out",
    # Mijn LKLR and re-registration: the signed-in account's own.
    ("GET", "/mijn"): "signed_in",
    ("GET", "/mijn/bewijs"): "signed_in",
    ("GET", "/mijn/bezwaar"): "signed_in",
    ("POST", "/mijn/bezwaar"): "signed_in",
    ("GET", "/mijn/bewijs.jwt"): "signed_in",
    ("GET", "/mijn/bewijs-norm.jwt"): "signed_in",
    ("GET", "/mijn/bewijs.pdf"): "signed_in",
    ("GET", "/mijn/aanvraag"): "signed_in",
    ("POST", "/mijn/aanvraag"): "signed_in",
    ("POST", "/mijn/gegevens"): "signed_in",
    ("POST", "/mijn/taal"): "signed_in",
    ("GET", "/mijn/gegevens.json"): "signed_in",
    ("GET", "/mijn/account-verwijderen"): "signed_in",
    ("POST", "/mijn/account-verwijderen"): "signed_in",
    ("GET", "/mijn/onderwijsclaim"): "signed_in",
    ("POST", "/mijn/onderwijsclaim"): "signed_in",
    ("GET", "/mijn/herregistratie"): "signed_in",
    ("POST", "/mijn/herregistratie/aanvragen"): "signed_in",
    ("POST", "/mijn/herregistratie/opnieuw-indienen"): "signed_in",
    ("POST", "/mijn/herregistratie/vragen/{case_id:uuid}/{activity_id:uuid}"): "p_case_answer",
    # Portfolio: the overview explains itself to visitors; the rest is the owner's.
    ("GET", "/portfolio"): "public",
    ("GET", "/portfolio/nieuw"): "signed_in",
    ("POST", "/portfolio/nieuw"): "signed_in",
    ("GET", "/portfolio/wat-als"): "signed_in",
    ("GET", "/portfolio/export.csv"): "signed_in",
    ("GET", "/portfolio/export.pdf"): "signed_in",
    ("GET", "/portfolio/activiteiten/{activity_id:uuid}"): "p_object",
    ("GET", "/portfolio/activiteiten/{activity_id:uuid}/wijzigen"): "p_object",
    ("POST", "/portfolio/activiteiten/{activity_id:uuid}/wijzigen"): "p_object",
    ("POST", "/portfolio/activiteiten/{activity_id:uuid}/bevestigen"): "p_object",
    ("POST", "/portfolio/activiteiten/{activity_id:uuid}/betwisten"): "p_object",
    ("GET", "/portfolio/bewijs/{evidence_id:uuid}"): "p_object",
    # Provider portal.
    ("GET", "/aanbieder"): "provider_portal",
    ("GET", "/aanbieder/opleidingen/nieuw"): "provider_portal",
    ("POST", "/aanbieder/opleidingen"): "provider_portal",
    ("GET", "/aanbieder/betwistingen"): "provider_portal",
    ("GET", "/aanbieder/api-sleutels"): "provider_portal",
    ("POST", "/aanbieder/api-sleutels"): "provider_portal",
    ("POST", "/aanbieder/api-sleutels/{key_id:uuid}/intrekken"): "provider_a_key",
    ("GET", "/aanbieder/opleidingen/{course_id:uuid}"): "provider_a_object",
    ("GET", "/aanbieder/opleidingen/{course_id:uuid}/wijzigen"): "provider_a_object",
    ("POST", "/aanbieder/opleidingen/{course_id:uuid}/wijzigen"): "provider_a_object",
    ("POST", "/aanbieder/opleidingen/{course_id:uuid}/bezwaar"): "provider_a_object",
    ("POST", "/aanbieder/opleidingen/{course_id:uuid}/edities"): "provider_a_object",
    ("GET", "/aanbieder/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}"): "provider_a_object",
    ("POST", "/aanbieder/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}/deelnemers"): "provider_a_object",
    (
        "POST",
        "/aanbieder/opleidingen/{course_id:uuid}/edities/{edition_id:uuid}/deelnames/{attendance_id:uuid}/intrekken",
    ): "provider_a_object",
    # Provider portal: webhooks (a delivery id of nothing: the owner gets a 404, another provider the same).
    ("GET", "/aanbieder/webhooks"): "provider_portal",
    ("POST", "/aanbieder/webhooks"): "provider_portal",
    ("GET", "/aanbieder/webhooks/{endpoint_id:uuid}"): "provider_a_webhook",
    ("POST", "/aanbieder/webhooks/{endpoint_id:uuid}/geheim"): "provider_a_webhook",
    ("POST", "/aanbieder/webhooks/{endpoint_id:uuid}/status"): "provider_a_webhook",
    ("POST", "/aanbieder/webhooks/{endpoint_id:uuid}/test"): "provider_a_webhook",
    ("POST", "/aanbieder/webhooks/{endpoint_id:uuid}/afleveringen/{delivery_id:uuid}/opnieuw"): "provider_portal",
    # Accreditation committee.
    ("GET", "/commissie"): "accreditation_committee",
    ("GET", "/commissie/opleidingen/{course_id:uuid}"): "accreditation_committee",
    ("POST", "/commissie/opleidingen/{course_id:uuid}/besluit"): "accreditation_committee",
    ("GET", "/commissie/onderwijsclaims"): "accreditation_committee",
    ("POST", "/commissie/onderwijsclaims/{claim_id:uuid}/besluit"): "accreditation_committee",
    # Assessment committee.
    ("GET", "/beoordeling"): "assessment_committee",
    ("GET", "/beoordeling/zaken/{case_id:uuid}"): "assessment_case",
    ("POST", "/beoordeling/zaken/{case_id:uuid}/activiteiten/{activity_id:uuid}"): "assessment_case",
    ("GET", "/beoordeling/zaken/{case_id:uuid}/bewijs/{evidence_id:uuid}"): "assessment_case",
    # Office.
    ("GET", "/beheer/aanvragen"): "office",
    ("POST", "/beheer/aanvragen/{application_id:uuid}/besluit"): "office",
    ("GET", "/beheer/werkzame-professionals"): "office",
    ("POST", "/beheer/werkzame-professionals"): "office",
    ("GET", "/beheer/signaleringen"): "office",
    ("GET", "/beheer/herregistraties"): "office",
    ("POST", "/beheer/herregistraties/verlenging"): "office",
    ("GET", "/beheer/bezwaren"): "office",
    ("GET", "/beheer/bezwaren/{objection_id:uuid}/bijlagen/{evidence_id:uuid}"): "office",
    ("POST", "/beheer/bezwaren/{objection_id:uuid}/ontvangst"): "office",
    ("POST", "/beheer/bezwaren/{objection_id:uuid}/hoorzitting"): "office",
    ("POST", "/beheer/bezwaren/{objection_id:uuid}/verlenging"): "office",
    ("POST", "/beheer/bezwaren/{objection_id:uuid}/beslissing"): "office",
    ("POST", "/beheer/bezwaren/opleidingen/{objection_id:uuid}/ontvangst"): "office",
    ("POST", "/beheer/bezwaren/opleidingen/{objection_id:uuid}/hoorzitting"): "office",
    ("POST", "/beheer/bezwaren/opleidingen/{objection_id:uuid}/verlenging"): "office",
    ("POST", "/beheer/bezwaren/opleidingen/{objection_id:uuid}/beslissing"): "office",
    ("GET", "/beheer/beoordelaars"): "office",
    ("POST", "/beheer/beoordelaars/{reviewer_id:uuid}"): "office",
    # Administrator.
    ("GET", "/beheer/accounts"): "administrator",
    ("POST", "/beheer/accounts/{account_id:uuid}/rollen"): "administrator",
    ("GET", "/beheer/beveiligingslog"): "administrator",
    ("GET", "/beheer/systeem"): "administrator",
    ("GET", "/beheer/systeem/overzicht"): "administrator",
    # Public API.
    ("GET", "/api/v1/statistics"): "public",
    ("GET", "/api/v1/register"): "public",
    ("GET", "/api/v1/register/{registration_number:str}"): "public",
    ("GET", "/api/v1/courses"): "public",
    ("POST", "/api/v1/auth/token"): "public",
    # The person's API.
    ("GET", "/api/v1/me"): "person_api",
    ("GET", "/api/v1/me/portfolio"): "person_api",
    ("POST", "/api/v1/me/activities"): "person_api",
    ("POST", "/api/v1/me/activities/{activity_id:uuid}/confirm"): "person_api_p_object",
    ("POST", "/api/v1/me/activities/{activity_id:uuid}/dispute"): "person_api_p_object",
    # The provider API.
    ("GET", "/api/v1/provider/courses"): "provider_api",
    ("POST", "/api/v1/provider/courses"): "provider_api",
    ("POST", "/api/v1/provider/attendance"): "provider_api",
    ("GET", "/api/v1/provider/courses/{course_id:uuid}"): "provider_api_a_object",
    ("POST", "/api/v1/provider/courses/{course_id:uuid}/editions"): "provider_api_a_object",
    ("GET", "/api/v1/provider/editions/{edition_id:uuid}/attendance"): "provider_api_a_object",
    ("DELETE", "/api/v1/provider/attendance/{attendance_id:uuid}"): "provider_api_a_object",
    ("GET", "/api/v1/provider/webhooks"): "provider_api",
    ("POST", "/api/v1/provider/webhooks"): "provider_api",
    ("GET", "/api/v1/provider/webhooks/{endpoint_id:uuid}"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/rotate-secret"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/enable"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/disable"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/test"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/test-events"): "provider_api_a_webhook",
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/redeliver"): "provider_api",
}


# Object routes whose request shape is checked before the object (by the gateway's body model or the service):
# a refused identity gets the same 400/422 for every id, which reveals nothing, but would hide the object rule. These
# rows send a minimal valid body instead, so every identity reaches the owner check.
MINIMAL_BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/portfolio/activiteiten/{activity_id:uuid}/betwisten"): {"reason": "Niet gevolgd."},
    ("POST", "/mijn/herregistratie/vragen/{case_id:uuid}/{activity_id:uuid}"): {"answer": "Zie het verslag."},
    ("POST", "/api/v1/me/activities/{activity_id:uuid}/dispute"): {"reason": "Niet gevolgd."},
    ("POST", "/api/v1/provider/courses/{course_id:uuid}/editions"): {
        "start_date": "2030-01-07",
        "end_date": "2030-01-08",
    },
    ("DELETE", "/api/v1/provider/attendance/{attendance_id:uuid}"): {"reason": "Dubbel gemeld."},
    ("POST", "/api/v1/provider/webhooks/{endpoint_id:uuid}/test"): {"event_type": "course.decided"},
}


# The guard each group's handlers carry (by name), checked against the route table: the first line of the policy is
# in the gateway's guards, the services check roles and owners again.
GUARDS: dict[str, frozenset[str]] = {
    "public": frozenset(),
    "dev": frozenset(),
    "sign_out": frozenset(),
    "signed_in": frozenset({"signed_in"}),
    "p_object": frozenset({"signed_in"}),
    "p_case_answer": frozenset({"signed_in"}),
    "provider_portal": frozenset({"signed_in"}),
    "provider_a_object": frozenset({"signed_in"}),
    "provider_a_key": frozenset({"signed_in"}),
    "provider_a_webhook": frozenset({"signed_in"}),
    "office": frozenset({"role_required_office"}),
    "accreditation_committee": frozenset({"role_required_accreditation_committee"}),
    "assessment_committee": frozenset({"role_required_assessment_committee"}),
    "assessment_case": frozenset({"role_required_assessment_committee"}),
    "administrator": frozenset({"role_required_administrator"}),
    # The person's API reads the bearer token in its handlers' dependency (401 without one), not in a guard.
    "person_api": frozenset(),
    "person_api_p_object": frozenset(),
    "provider_api": frozenset({"api_key_guard"}),
    "provider_api_a_object": frozenset({"api_key_guard"}),
    "provider_api_a_webhook": frozenset({"api_key_guard"}),
    "xapi": frozenset({"xapi_guard"}),
    "xapi_about": frozenset({"xapi_guard"}),
    "xapi_not_offered": frozenset({"xapi_guard"}),
}


def _guard_name(guard: Any) -> str:
    function = getattr(guard, "func", guard)  # Litestar wraps synchronous guards in an AsyncCallable
    qualified = getattr(function, "__qualname__", "")
    # A guard made by a factory is named after it (`api_key_guard.<locals>.guard`), unless it names itself.
    return qualified.split(".")[0] if function.__name__ == "guard" else str(function.__name__)


def _route_table() -> dict[tuple[str, str], frozenset[str]]:
    """(method, path) → guard names of every handler in the gateway's route table, as the test system configures it.

    OPTIONS is left out: Litestar generates those handlers (the gateway only repairs their Allow header, see
    `entrypoints/allowed_methods.py`); they answer with the Allow header only and never run a feature's handler. Building the app opens no connection (the broker client starts with the app's lifespan).
    """
    app = build_app(GatewaySettings(dev_pages=True, environment="local", secret_key="route-table-only"))
    table = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            guards = frozenset(_guard_name(guard) for guard in handler.resolve_guards())
            for method in handler.http_methods:
                if method != "OPTIONS":
                    table[(method, route.path)] = guards
    return table


@pytest.mark.unit
def test_every_route_has_a_policy_row_and_the_guard_its_group_needs() -> None:
    table = _route_table()
    unknown = sorted(table.keys() - ROUTES.keys())
    stale = sorted(ROUTES.keys() - table.keys())
    assert not unknown and not stale, (
        f"routes without a row in ROUTES (give them a policy group): {unknown}; rows without a route: {stale}"
    )
    wrong = [
        f"{method} {path} ({ROUTES[(method, path)]}): guards {sorted(guards)}, expected {sorted(GUARDS[ROUTES[(method, path)]])}"
        for (method, path), guards in sorted(table.items())
        if guards != GUARDS[ROUTES[(method, path)]]
    ]
    assert not wrong, "guards differ from the policy groups:\n" + "\n".join(wrong)


_PARAM = re.compile(r"\{(\w+):\w+\}")


def _fill(path: str, objects: Objects) -> str:
    """The path with real objects: P's activities and evidence, provider A's course, edition, attendance and
    spare key, the case of P's dossier; ids nobody owns where a route only needs an id to refuse on."""
    in_case = path.startswith(("/beoordeling/", "/mijn/herregistratie/"))
    checks = path.endswith(("/bevestigen", "/betwisten", "/confirm", "/dispute"))
    values: dict[str, Any] = {
        "activity_id": objects.case_activity_id
        if in_case
        else (objects.placed_activity_id if checks else objects.activity_id),
        "evidence_id": objects.case_evidence_id if in_case else objects.evidence_id,
        "case_id": objects.case_id,
        "course_id": objects.course_id,
        "edition_id": objects.edition_id,
        "attendance_id": objects.attendance_id,
        "key_id": objects.spare_key_id,
        "endpoint_id": objects.webhook_endpoint_id,
        "delivery_id": uuid.UUID(int=4),
        "account_id": objects.spare_account_id,
        "registration_number": objects.registration_number,
        "file_path": "lklr.css",
        "path": "not-a-schema",
        # Ids of nothing: the refusal must come before the lookup; the allowed role gets a 404 or a form error.
        "claim_id": uuid.UUID(int=1),
        "application_id": uuid.UUID(int=2),
        "reviewer_id": uuid.UUID(int=3),
        "objection_id": uuid.UUID(int=5),
        # The register's first status list (public).
        "list_number": 1,
    }
    return _PARAM.sub(lambda match: str(values[match.group(1)]), path)


def outcome(response: httpx.Response) -> str:
    """The response as the matrix prints it (see the module docstring)."""
    status = response.status_code
    if status == 303 and response.headers.get("location", "").startswith("/inloggen"):
        return "login"
    if status >= 500:
        return "5xx"
    return str(status) if status in (401, 403, 404) else "ok"


def matches(expected: str, found: str, status: int) -> bool:
    """Whether an outcome (and its status) meets the expectation: `ok`, `own`, or outcomes/statuses joined by `|`."""
    if expected == "ok":
        return found in ("ok", "404")
    if expected == "own":
        return found == "ok"
    return found in expected.split("|") or str(status) in expected.split("|")


async def _ask(identity: Identity, method: str, route: str, path: str) -> httpx.Response:
    headers: dict[str, str] = {}
    body = MINIMAL_BODIES.get((method, route), {})
    content: bytes | None = None
    if path.startswith("/xapi/"):
        headers["X-Experience-API-Version"] = "2.0.0"
        if identity.bearer is not None and identity.bearer.startswith("lklr_"):
            # A provider's API key as HTTP Basic: username `lklr_<prefix>`, password the secret.
            username, _, secret = identity.bearer.rpartition("_")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()
        elif identity.bearer is not None:
            headers["Authorization"] = f"Bearer {identity.bearer}"
        if method in ("POST", "PUT"):
            headers["Content-Type"] = "application/json"
            content = b"[]" if method == "POST" else b"{}"
    elif path.startswith("/api/"):
        if identity.bearer is not None:
            headers["Authorization"] = f"Bearer {identity.bearer}"
        if method in ("POST", "DELETE"):
            headers["Content-Type"] = "application/json"
            content = json.dumps(body).encode()
    elif method not in ("GET", "HEAD"):
        headers |= {"X-CSRF-Token": identity.csrf_token, "Content-Type": "application/x-www-form-urlencoded"}
        content = urlencode(body).encode()
    return await identity.web.client.request(method, path, headers=headers, content=content)


async def _probe(identity: Identity, routes: list[tuple[str, str]], objects: Objects) -> dict[tuple[str, str], str]:
    found = {}
    for method, path in routes:
        response = await _ask(identity, method, path, _fill(path, objects))
        found[(method, path)] = f"{outcome(response)}:{response.status_code}"
    return found


def _cell_matches(expected: str, cell: str) -> bool:
    found, status = cell.split(":")
    return matches(expected, found, int(status))


def _render(table: dict[tuple[str, str], dict[str, str]], expected: dict[tuple[str, str], dict[str, str]]) -> str:
    """Route × identity → status, one line per route; a mismatch is marked with `!`."""
    width = max(len(path) for _, path in table)
    lines = [f"{'route':<{width + 7}} " + " ".join(f"{SHORT[role]:>6}" for role in ROLES)]
    for key in sorted(table, key=lambda item: (item[1], item[0])):
        cells = []
        for role in ROLES:
            status = table[key][role].split(":")[1]
            mark = "" if _cell_matches(expected[key][role], table[key][role]) else "!"
            cells.append(f"{mark}{status}".rjust(6))
        lines.append(f"{key[0]:<6} {key[1]:<{width}} " + " ".join(cells))
    return "\n".join(lines)


@pytest.mark.e2e
@pytest.mark.slow
async def test_every_route_answers_every_identity_as_the_policy_says(amqp_url, databases, broker_names, tmp_path):
    table_routes = set(_route_table())
    assert table_routes == ROUTES.keys(), "see test_every_route_has_a_policy_row_and_the_guard_its_group_needs"
    scheme = scheme_sampling_every_dossier(tmp_path)
    async with start_system(
        amqp_url, databases, broker_names, tmp_path, env={"AUDIT_SCHEME_PATH": str(scheme)}
    ) as system:
        identities, objects = await set_up(system)
        try:
            openapi = (await identities[ANON].web.get("/schema/openapi.json")).json()
            api_paths = {re.sub(r"\{(\w+)\}", r"\1", path) for path in openapi["paths"]}
            served = {_PARAM.sub(r"\1", path) for _, path in table_routes}
            assert api_paths <= served, f"the running gateway serves API routes the table lacks: {api_paths - served}"

            routes = sorted(key for key in ROUTES if ROUTES[key] != "sign_out")
            found = await asyncio.gather(*(_probe(identities[role], routes, objects) for role in ROLES))
            last = [("POST", "/uitloggen")]
            signed_out = await asyncio.gather(*(_probe(identities[role], last, objects) for role in ROLES))
        finally:
            for identity in identities.values():
                await identity.web.client.aclose()

    table = {key: {role: (found[i] | signed_out[i])[key] for i, role in enumerate(ROLES)} for key in ROUTES}
    expected = {key: GROUPS[ROUTES[key]] for key in ROUTES}
    print("\n" + _render(table, expected))
    mismatches = [
        f"{method} {path} as {role}: expected {expected[(method, path)][role]}, got {table[(method, path)][role]}"
        for (method, path) in sorted(ROUTES, key=lambda item: (item[1], item[0]))
        for role in ROLES
        if not _cell_matches(expected[(method, path)][role], table[(method, path)][role])
    ]
    assert not mismatches, f"{len(mismatches)} cells differ from the policy:\n" + "\n".join(mismatches)
