"""schemathesis against the running register: every operation of the OpenAPI document the gateway serves, with
every check schemathesis has (server errors, status codes, content types, headers and bodies as documented,
schema-valid data accepted, schema-violating data refused, authentication enforced, undeclared methods refused),
in positive and negative generation, once with a person's API token and once with a provider's API key.

Operations of the other kind answer 401 to the wrong credential: that is the refusal the document declares, and the
checks accept it; each operation is exercised in depth by the run whose credential it takes. The system is the real
one (services and gateway as processes, PostgreSQL, RabbitMQ), started once for the module.

A fixed seed keeps the run the same from one CI run to the next; set `LKLR_SCHEMATHESIS_SEED` to explore others.
The numbers of operations and examples are printed in the "schemathesis" section at the end of the pytest output.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
import schemathesis.engine
from schemathesis import BaseSchema

from tests.security.tally import TALLY_KEY, Tally
from tests.support.rpc_setup import provider_with_api_key, registered_account
from tests.support.system import RunningSystem, start_system

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "wachtwoord-voor-schemathesis"
DEFAULT_SEED = 20260701
# Examples per operation in the fuzzing phase (the coverage phase adds its own boundary and invalid cases); enough
# to reach every branch of the gateway's input handling, small enough for a few minutes on two cores.
MAX_EXAMPLES = 50
CREDENTIALS = ("a person's API token", "a provider's API key")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path_factory: Any
) -> AsyncIterator[RunningSystem]:
    async with start_system(amqp_url, databases, broker_names, tmp_path_factory.mktemp("schemathesis")) as running:
        yield running


async def _person_token(system: RunningSystem) -> str:
    """A registered professional's API token, from `POST /api/v1/auth/token` as a client would get it."""
    email = f"schemathesis-{uuid.uuid4().hex[:8]}@example.nl"
    await registered_account(
        system.rpc,
        email,
        PASSWORD,
        initials="S.",
        surname="Thesis",
        employer_id="gemeente-schemathesis",
        registered_since=date.today() - timedelta(days=60),
    )
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=30) as http:
        answer = await http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def _provider_key(system: RunningSystem) -> str:
    """A new provider's API key, made as the office and the portal make them."""
    _, api_key = await provider_with_api_key(
        system.rpc,
        name="Schemathesis Opleidingen",
        registered_by="office:schemathesis",
        label="schemathesis",
        created_by="schemathesis",
    )
    return api_key


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tokens(system: RunningSystem) -> dict[str, str]:
    return {CREDENTIALS[0]: await _person_token(system), CREDENTIALS[1]: await _provider_key(system)}


# positive_data_acceptance expects schema-valid requests to be accepted (2xx, or 401/403/404/409/429 for who and what
# they name). A few operations refuse schema-valid requests by rules JSON Schema cannot state; for those operations,
# and only with the status the gateway documents for those rules, the refusal counts as accepted:
_BUSINESS_RULE_REFUSALS: list[tuple[str, int, str]] = [
    # A registration number's last digit is a check digit (`invalid_registration_number`); a name query needs a
    # few letters (`invalid_search`).
    ("GET /api/v1/register", 422, "check digit; the registry's shortest name query"),
    ("GET /api/v1/register/{registration_number}", 422, "check digit"),
    # An edition ends on or after its start (`invalid_edition_dates`); hours have at most two decimals; text
    # fields are not blank once stripped.
    ("POST /api/v1/provider/courses", 400, "edition dates in order; hours with two decimals; text not blank"),
    ("POST /api/v1/provider/courses/{course_id}/editions", 400, "edition dates in order"),
    # The edition's state decides (`course_not_approved`, `edition_not_ended`, `posting_window_closed`, ...).
    ("POST /api/v1/provider/attendance", 422, "the edition's course, dates and window"),
    # The reason may come in the body or as `?reason=`: one of the two is required (`reason_required`), which
    # OpenAPI cannot say across two locations.
    ("DELETE /api/v1/provider/attendance/{attendance_id}", 400, "a reason in the body or the query"),
    # The scheme's rules for an activity (`invalid_activity`: completion date in a cycle, points for its type, ...).
    ("POST /api/v1/me/activities", 422, "the scheme's rules for the activity"),
    # An evidence file is judged by its first bytes (PDF, JPEG, PNG or DOCX), whatever its declared type
    # (`unsupported_evidence_type`): the document can describe a file part, not its content.
    ("POST /api/v1/me/activities", 415, "evidence judged by its content"),
    # A webhook endpoint's address must be https and may not resolve to a private or loopback address outside
    # local runs (`invalid_webhook_url`): a rule about where a name points, not about the string.
    ("POST /api/v1/provider/webhooks", 422, "an https address that is not private or loopback"),
    # The token request refuses control characters in its texts with 400 (PostgreSQL text cannot hold NUL) by a
    # schema pattern; schemathesis's positive generation does not honour that pattern and counts the 400 against it.
    ("POST /api/v1/auth/token", 400, "no control characters in the e-mail or label (a pattern not honoured)"),
]
# negative_data_rejection expects a refusal from its own list, which lacks 413. More evidence files than the
# documented maximum are refused with 413 `too_many_files` (Content Too Large), as the document says.
_LARGE_CONTENT_REFUSALS: list[str] = ["POST /api/v1/me/activities"]
_POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
_NEGATIVE_REFUSED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def _narrow_exceptions() -> list[dict[str, Any]]:
    """Per-operation settings of the two checks, selected by the operation's label (`METHOD /path`)."""
    checks: dict[str, dict[str, Any]] = {}
    for label, status, _why in _BUSINESS_RULE_REFUSALS:
        accepted = checks.setdefault(label, {}).setdefault(
            "positive_data_acceptance", {"expected-statuses": list(_POSITIVE_ACCEPTED)}
        )
        accepted["expected-statuses"].append(str(status))
    for label in _LARGE_CONTENT_REFUSALS:
        checks.setdefault(label, {})["negative_data_rejection"] = {"expected-statuses": [*_NEGATIVE_REFUSED, "413"]}
    return [{"include-name": label, "checks": settings} for label, settings in checks.items()]


def _config(base_url: str, token: str) -> schemathesis.Config:
    seed = int(os.environ.get("LKLR_SCHEMATHESIS_SEED", DEFAULT_SEED))
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "request-timeout": 30,
            # No replay of earlier runs' findings from a local cache folder: every run is the seed's run.
            "cache": {"enabled": False},
            "workers": 1,
            # Every built-in check, including ignored_auth, negative_data_rejection and positive_data_acceptance.
            "checks": {"enabled": True},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "operations": _narrow_exceptions(),
        }
    )


def _run(schema: BaseSchema, tally: Tally) -> None:
    """Every phase over every operation (blocking: the engine sends its requests from its own threads)."""
    for event in schemathesis.engine.from_schema(schema).execute():
        tally.record(event)


@pytest.mark.parametrize(
    "credential",
    [
        CREDENTIALS[0],
        CREDENTIALS[1],
    ],
)
async def test_every_operation_keeps_its_documented_contract(
    system: RunningSystem, tokens: dict[str, str], credential: str, request: pytest.FixtureRequest
) -> None:
    schema = schemathesis.openapi.from_url(
        f"{system.gateway_url}/schema/openapi.json", config=_config(system.gateway_url, tokens[credential])
    )
    documented = sum(1 for _ in schema.get_all_operations())
    tally = Tally(credential)
    request.config.stash.setdefault(TALLY_KEY, {})[credential] = tally
    # In a thread, so the test's event loop (and the broker connection the set-up used) keeps running.
    await asyncio.to_thread(_run, schema, tally)

    problems = tally.problems()
    assert not problems, f"{len(problems)} problems with {credential}:\n\n" + "\n\n".join(problems)
    assert tally.operations == documented, f"{tally.operations} of {documented} operations were tested"
    assert {"ignored_auth", "negative_data_rejection", "positive_data_acceptance"} <= tally.checks, tally.checks
